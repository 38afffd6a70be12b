# Production-style image of the web app (see docker-compose.yml). Not used by tests.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ipplatform ./ipplatform
COPY web ./web
RUN pip install --no-cache-dir .
ENV IPP_DATABASE_URL=postgresql+psycopg://ipplatform:ipplatform@db:5432/ipplatform \
    IPP_SEARCH_BACKEND=elasticsearch \
    IPP_ENGINE_URL=http://search:9200
EXPOSE 8000
CMD ["sh", "-c", "python -m ipplatform.migrate upgrade && uvicorn --factory ipplatform.main:create_app --host 0.0.0.0 --port 8000"]
