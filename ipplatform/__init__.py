"""信阳知识产权运营平台 — the IP operations platform package."""

import os

# numpy's OpenBLAS threads and torch's OpenMP threads fight over the cores when a query is embedded
# and then searched: exact vector search went from 28 to 116 ms p95 (2 cores). One BLAS thread keeps
# a 10k x 512 matrix-vector product near 1 ms. Set before numpy loads; an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
