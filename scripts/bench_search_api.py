"""Search as a user waits for it: HTTP requests against the running app on Elasticsearch with every demo
patent, timed by a client, beside the bare query encoder measured in the same run.

    .venv/bin/python scripts/bench_search_api.py [--patents 7798] [--queries 200] [--settle 20] [--warm 300]

Builds a fresh demo in a temporary folder (SQLite database, its own Elasticsearch node on --port under
.data/engine-apibench, ``python -m ipplatform.seed --patents N`` and ``python -m ipplatform.search.reindex``),
starts the app with uvicorn (one worker, the indexer thread on), waits ``--settle`` seconds, then one
client (httpx, keep-alive) sends each query once per mode to ``GET /api/search/offers``: keyword first,
then hybrid (distinct queries, so the query-embedding cache does not answer), after a warm-up on other
queries (``--warm`` of them, default 300, plus 20 from the measured mix: a server that has answered
queries before). The same queries are then encoded by a bare encoder in this process (the app's model
and runtime, one sentence at a time, no cache) while the app is idle. Prints p50/p95 per mode, the stage
means from the app's ``Server-Timing`` header, and the check of issue 13: hybrid p95 ≤ bare encode
p95 + keyword p95. Stops the app and the node afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ipplatform  # noqa: E402,F401  (BLAS threads before numpy loads)
import httpx  # noqa: E402
import numpy as np  # noqa: E402

from ipplatform.search import text as textmod  # noqa: E402
from ipplatform.search.embeddings import Embedder  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
PY = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_engine_script():
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location("ipp_engine", ROOT / "scripts" / "engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_queries(n: int, rng: random.Random) -> list[str]:
    """The judged demands of dev-matching, then short queries cut from real titles: distinct, 2 × n."""
    with open(DATA / "cn-patents-titles-ipc" / "patents.csv", encoding="utf-8") as fh:
        titles = [r["title_zh"] for r in csv.DictReader(fh) if r["title_zh"].strip()]
    out = [json.loads(line)["text"] for line in open(DATA / "dev-matching" / "demands.jsonl", encoding="utf-8")]
    while len(set(out)) < 2 * n + 20:
        toks = [t for t in textmod.tokens(rng.choice(titles)) if len(t) >= 2]
        if toks:
            out.append("".join(rng.sample(toks, k=min(len(toks), rng.choice([1, 1, 2, 3])))))
    out = list(dict.fromkeys(out))
    rng.shuffle(out)
    return out


def warm_up_queries(n: int, rng: random.Random, taken: list[str]) -> list[str]:
    """``n`` more short queries cut from real titles, none of them among ``taken``."""
    with open(DATA / "cn-patents-titles-ipc" / "patents.csv", encoding="utf-8") as fh:
        titles = [r["title_zh"] for r in csv.DictReader(fh) if r["title_zh"].strip()]
    seen, out = set(taken), []
    while len(out) < n:
        toks = [t for t in textmod.tokens(rng.choice(titles)) if len(t) >= 2]
        q = "".join(rng.sample(toks, k=min(len(toks), rng.choice([1, 2, 3])))) if toks else ""
        if q and q not in seen:
            seen.add(q)
            out.append(q)
    return out


def pct(values, q) -> float:
    return round(float(np.percentile(values, q)), 1)


def server_timing(header: str) -> dict[str, float]:
    out = {}
    for part in header.split(","):
        name, _, dur = part.strip().partition(";dur=")
        if dur:
            out[name] = float(dur)
    return out


def run(cmd: list[str], env: dict) -> None:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"  {' '.join(cmd[1:])}: {time.perf_counter() - t0:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patents", type=int, default=7798)
    parser.add_argument("--queries", type=int, default=200, help="queries per mode")
    parser.add_argument("--settle", type=float, default=20.0)
    parser.add_argument("--warm", type=int, default=300, help="extra warm-up queries per mode, besides the 20 "
                        "taken from the measured mix")
    parser.add_argument("--port", type=int, default=9270, help="the benchmark's own Elasticsearch node")
    parser.add_argument("--keep", action="store_true", help="leave the demo folder for inspection")
    parser.add_argument("--seeded", type=Path, help="a SQLite file already seeded with --patents N (copied; "
                        "skips migrate and seed)")
    args = parser.parse_args()
    rng = random.Random(13)
    engine = load_engine_script()
    home = ROOT / ".data" / "engine-apibench"
    shutil.rmtree(home, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix="ipp-apibench-"))
    env = {**os.environ, "IPP_DATA_DIR": str(tmp), "IPP_DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}",
           "IPP_SEARCH_BACKEND": "elasticsearch", "IPP_ENGINE_URL": f"http://127.0.0.1:{args.port}",
           "IPP_ENV": "development", "IPP_NIGHTLY_MATCH_HOUR": str((time.gmtime().tm_hour + 12) % 24)}
    jieba_cache = ROOT / ".data" / "jieba"
    if jieba_cache.exists():
        shutil.copytree(jieba_cache, tmp / "jieba")
    onnx_cache = ROOT / ".data" / "onnx"  # the exported encoder: no need to export it again
    if onnx_cache.exists():
        shutil.copytree(onnx_cache, tmp / "onnx")
    app = None
    try:
        engine.start(args.port, home)
        print(f"demo with {args.patents} patents in {tmp}:", flush=True)
        if args.seeded:
            shutil.copy(args.seeded, tmp / "demo.sqlite3")
        run([PY, "-m", "ipplatform.migrate", "upgrade"], env)
        if not args.seeded:
            run([PY, "-m", "ipplatform.seed", "--patents", str(args.patents)], env)
        run([PY, "-m", "ipplatform.search.reindex"], env)
        port = free_port()
        app = subprocess.Popen([str(ROOT / ".venv" / "bin" / "uvicorn"), "--factory", "ipplatform.main:create_app",
                                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                               env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(600):
                try:
                    if client.get("/api/search/offers", params={"q": "预热"}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            offers = client.get("/api/search/offers", params={"page_size": 1}).json()["total"]
            print(f"app up at {base}: {offers} published offers; settling {args.settle:.0f} s", flush=True)
            time.sleep(args.settle)
            qs = make_queries(args.queries, rng)
            warm, kw_qs, hy_qs = qs[:20], qs[20:20 + args.queries], qs[20 + args.queries:20 + 2 * args.queries]
            # a server that has answered queries before: the engine's JIT and caches warm in every mode
            for q in warm + warm_up_queries(args.warm, random.Random(29), qs):
                for mode in ("keyword", "hybrid"):
                    client.get("/api/search/offers", params={"q": q, "mode": mode})
            times: dict[str, list[float]] = {}
            stages: dict[str, dict[str, list[float]]] = {}
            for mode, mode_qs in (("keyword", kw_qs), ("hybrid", hy_qs)):
                for q in mode_qs:
                    t0 = time.perf_counter()
                    resp = client.get("/api/search/offers", params={"q": q, "mode": mode})
                    times.setdefault(mode, []).append((time.perf_counter() - t0) * 1000)
                    assert resp.status_code == 200, resp.text
                    for k, v in server_timing(resp.headers.get("server-timing", "")).items():
                        stages.setdefault(mode, {}).setdefault(k, []).append(v)
        embedder = Embedder()  # the app's model and runtime, in this process, the app idle
        embedder._encode(warm)
        encode = []
        for q in hy_qs:
            t0 = time.perf_counter()
            embedder._encode([q])
            encode.append((time.perf_counter() - t0) * 1000)
    finally:
        if app is not None:
            app.terminate()
            app.wait(30)
        engine.stop(home)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    row = {"patents": args.patents, "offers": offers, "queries_per_mode": args.queries,
           "runtime": embedder.runtime, **{f"{m}_p{q}": pct(t, q) for m, t in times.items() for q in (50, 95)},
           "bare_encode_p50": pct(encode, 50), "bare_encode_p95": pct(encode, 95)}
    row["hybrid_limit_p95"] = round(row["bare_encode_p95"] + row["keyword_p95"], 1)
    row["hybrid_within_limit"] = row["hybrid_p95"] <= row["hybrid_limit_p95"]
    print(json.dumps(row, ensure_ascii=False))
    print("\nServer-Timing means (ms):")
    for mode, st in stages.items():
        print(f"  {mode}: " + ", ".join(f"{k} {np.mean(v):.1f}" for k, v in st.items()))
    print(f"\n| through the API, {offers} offers | keyword p50/p95 | hybrid p50/p95 | bare encode p50/p95 | "
          "encode p95 + keyword p95 |")
    print("|---|---|---|---|---|")
    print(f"| Elasticsearch, {embedder.runtime} | {row['keyword_p50']}/{row['keyword_p95']} | {row['hybrid_p50']}/"
          f"{row['hybrid_p95']} | {row['bare_encode_p50']}/{row['bare_encode_p95']} | {row['hybrid_limit_p95']} |")


if __name__ == "__main__":
    main()
