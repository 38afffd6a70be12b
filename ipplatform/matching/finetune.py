"""Adapt the sentence encoder to patent language: ``python -m ipplatform.matching.finetune``.

    python -m ipplatform.matching.finetune [--corpus PATENTS.csv] [--pairs 3000] [--minutes 8] [--out DIR]

Training pairs come from the platform's own patents (or a patents CSV as the evaluate command reads):
two titles (with abstracts when there are any) that share an IPC main group (``A01K 63``; the subclass
``A01K`` when only subclasses are known) are a positive pair, and the other pairs of the batch are its
negatives (sentence-transformers' ``MultipleNegativesRankingLoss``, in-batch negatives). Training runs
on the CPU within ``--minutes`` (one pass over the pairs at most), starting from the configured model
(``IPP_EMBEDDING_MODEL``), and writes the adapted model to ``{IPP_DATA_DIR}/encoders/<name>/`` with
``provenance.json`` (base model, data, pairs, time, loss). Select it with
``IPP_EMBEDDING_MODEL={IPP_DATA_DIR}/encoders/<name>``; documents are then re-encoded (the cache is per
model). Keep the base model unless the adapted one wins in the evaluate command's cross-validation.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

import ipplatform.models  # noqa: F401  (every mapper, for reading the platform's patents)
from ipplatform.config import get_settings
from ipplatform.database import default_engine, session_factory
from ipplatform.matching.corpus import read_corpus
from ipplatform.patents.models import Patent
from ipplatform.search.embeddings import resolve_model_path


def ipc_group(code: str) -> str:
    """``A01K 63/04`` → ``A01K 63``; a bare subclass stays as it is."""
    return code.split("/")[0].strip()


def make_pairs(docs: list[tuple[str, list[str]]], n: int, seed: int = 13) -> list[tuple[str, str]]:
    """Up to ``n`` (anchor, positive) pairs of texts sharing an IPC group, spread over many groups (each
    text is an anchor at most once, so a batch rarely holds two pairs of one group)."""
    rng = random.Random(seed)
    by_group: dict[str, list[str]] = defaultdict(list)
    for text, codes in docs:
        for g in {ipc_group(c) for c in codes if c}:
            by_group[g].append(text)
    groups = [g for g, texts in by_group.items() if len(texts) >= 2]
    pairs, used = [], set()
    while groups and len(pairs) < n:
        rng.shuffle(groups)
        progressed = False
        for g in groups:
            texts = [t for t in by_group[g] if t not in used]
            if len(texts) < 2:
                continue
            a, b = rng.sample(texts, 2)
            used.add(a)
            pairs.append((a, b))
            progressed = True
            if len(pairs) >= n:
                break
        if not progressed:
            break
    return pairs


def load_docs(corpus: Path | None) -> list[tuple[str, list[str]]]:
    if corpus is not None:
        return [((r["title_zh"] + "。" + (r.get("abstract_zh") or "")).strip("。"), r["ipc_subclasses"].split("|"))
                for r in read_corpus(corpus)]
    with session_factory(default_engine())() as db:
        return [((t + "。" + (a or "")).strip("。"), list(c or [])) for t, a, c in
                db.execute(select(Patent.title, Patent.abstract, Patent.ipc_codes))]


def train(pairs: list[tuple[str, str]], base: str, out: Path, minutes: float, batch: int = 32, lr: float = 2e-5,
          max_len: int = 96) -> dict:
    import torch  # noqa: PLC0415 (heavy, only for training)
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415
    try:
        from sentence_transformers.sentence_transformer import losses  # noqa: PLC0415 (6.x)
    except ImportError:
        from sentence_transformers import losses  # noqa: PLC0415

    torch.manual_seed(0)
    model = SentenceTransformer(resolve_model_path(base), device="cpu")
    model.max_seq_length = max_len
    loss = losses.MultipleNegativesRankingLoss(model)  # in-batch negatives, scale 20, cosine
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    t0, steps, seen, history = time.perf_counter(), 0, 0, []
    for start in range(0, len(pairs) - batch + 1, batch):
        if time.perf_counter() - t0 > minutes * 60:
            break
        chunk = pairs[start:start + batch]
        encode = getattr(model, "preprocess", None) or model.tokenize
        features = [encode([a for a, _ in chunk]), encode([b for _, b in chunk])]
        value = loss(features, labels=None)
        opt.zero_grad()
        value.backward()
        opt.step()
        steps, seen = steps + 1, seen + len(chunk)
        history.append(round(float(value.detach()), 4))
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    return {"steps": steps, "pairs_seen": seen, "seconds": round(time.perf_counter() - t0, 1), "batch": batch,
            "learning_rate": lr, "max_seq_length": max_len, "loss_first": history[:5], "loss_last": history[-5:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="a patents CSV (default: the platform's patents)")
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    settings = get_settings()
    base = settings.embedding_model
    docs = load_docs(args.corpus)
    pairs = make_pairs(docs, args.pairs)
    if len(pairs) < 64:
        print(f"only {len(pairs)} training pairs: too few patents sharing an IPC group", file=sys.stderr)
        return 1
    name = f"{Path(base).name}-patents-{datetime.now():%Y%m%d-%H%M}"
    out = args.out or settings.data_dir / "encoders" / name
    stats = train(pairs, base, out, args.minutes)
    provenance = {"base_model": base, "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "data": str(args.corpus or "platform patents"), "documents": len(docs), "pairs": len(pairs),
                  "positives": "texts sharing an IPC main group (subclass when no group is known)",
                  "negatives": "in-batch (MultipleNegativesRankingLoss)", **stats}
    (out / "provenance.json").write_text(json.dumps(provenance, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(provenance, ensure_ascii=False))
    print(f"adapted model written to {out}; select it with IPP_EMBEDDING_MODEL={out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
