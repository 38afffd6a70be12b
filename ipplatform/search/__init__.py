"""Chinese search over offers and demands: keyword (jieba + BM25), semantic (sentence embeddings) and
hybrid (fused in the application), with facets, filters and "more like this".

Reading: ``router`` → ``service`` (validate the ``query``, segment with ``text``, embed with
``embeddings``, ask a backend from ``backends`` for its legs, ``fusion``, hydrate from the database).
Writing: the session hook in ``outbox`` records every changed document in the transaction of the change
(``models.OutboxEntry``); ``indexer`` drains those entries into the backend (``documents`` builds them from
the database, the source of truth); ``reindex`` rebuilds an index with zero downtime.
"""
