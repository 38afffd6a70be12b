"""The vectors of a demand's need and of its clauses from ONE encoder pass over the need.

The need (``Understood.query_text``: the need's clauses joined by "，", then the glossary's terms) is
encoded once; its vector is the usual one (mean of the token states over the whole text, unit length:
the very vector ``Embedder`` gives for that text), and each clause's vector is the mean of the token
states inside that clause's characters ("late chunking": the clause read in the context of the whole
need, not on its own). Encoding the need and each clause separately costs one pass per clause, each
padded in a batch to the need's length: on 2 cores 124 ms per dev-set demand against 24 ms for the
one pass (``scripts/bench_matching.py`` measures the first match of a demand, which pays for it).

With an encoder whose token states are not reachable (the PyTorch runtime), the need and the clauses
are encoded as separate texts instead.
"""

from __future__ import annotations

import numpy as np


def clause_spans(clauses: list[str], sep: str = "，") -> list[tuple[int, int]]:
    """Character spans of the clauses in ``sep.join(clauses)``."""
    spans, pos = [], 0
    for c in clauses:
        spans.append((pos, pos + len(c)))
        pos += len(c) + len(sep)
    return spans


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def pooled_spans(states: np.ndarray, offsets: list[tuple[int, int]], special: list[int],
                 spans: list[tuple[int, int]]) -> np.ndarray:
    """Unit-length mean of the token states inside each character span (``offsets`` per token, special
    tokens left out); a span without a token (cut off by truncation) gets the whole text's vector."""
    whole = _unit(states.mean(axis=0))
    starts = np.array([s for s, _ in offsets])
    ends = np.array([e for _, e in offsets])
    real = (np.array(special) == 0) & (ends > starts)
    out = np.empty((len(spans), states.shape[1]), dtype=np.float32)
    for k, (a, b) in enumerate(spans):
        sel = real & (starts >= a) & (ends <= b)
        out[k] = _unit(states[sel].mean(axis=0)) if sel.any() else whole
    return out


def encode_need(embedder, need_text: str, clauses: list[str]) -> np.ndarray:
    """Rows: the need's vector, then one per clause (``clauses`` as they occur, joined by "，", at the
    start of ``need_text``)."""
    got = embedder.token_states(need_text)
    if got is None:
        return embedder.encode_documents([need_text, *clauses])
    states, offsets, special = got
    need = _unit(states.mean(axis=0))  # no padding in a batch of one: every token counts
    return np.vstack([need[None, :], pooled_spans(states, offsets, special, clause_spans(clauses))])
