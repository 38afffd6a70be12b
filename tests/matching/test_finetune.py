"""The encoder fine-tuning command: training pairs from shared IPC groups, a short real training run that
writes a model the embedder loads, with its provenance."""

from __future__ import annotations


from ipplatform.matching import finetune
from ipplatform.search.embeddings import Embedder

CORPUS = """publication_number,kind,title_zh,ipc_subclasses
CN1A,A,一种池塘增氧机,A01K
CN2A,A,一种鱼塘溶解氧监测装置,A01K
CN3A,A,一种水产养殖投饵机,A01K
CN4A,A,一种茶叶杀青机,A23F
CN5A,A,一种茶叶揉捻机,A23F
CN6A,A,一种茶叶烘干提香机,A23F
CN7A,A,一种储能电池液冷板,H01M
CN8A,A,一种锂电池热管理系统,H01M
"""


def test_pairs_share_an_ipc_group_and_spread_over_groups():
    docs = [("增氧机", ["A01K 63/04"]), ("溶解氧监测", ["A01K 63/00"]), ("投饵机", ["A01K 61/80"]),
            ("杀青机", ["A23F 3/06"]), ("揉捻机", ["A23F 3/06"]), ("孤立的专利", ["B65G 47/00"])]
    pairs = finetune.make_pairs(docs, 10)
    group = {t: {finetune.ipc_group(c) for c in codes} for t, codes in docs}
    assert pairs and all(group[a] & group[b] for a, b in pairs)
    assert all(a != b for a, b in pairs) and "孤立的专利" not in {t for p in pairs for t in p}
    assert len({a for a, _ in pairs}) == len(pairs)  # each text anchors one pair at most
    assert finetune.ipc_group("A01K 63/04") == "A01K 63" and finetune.ipc_group("A23F") == "A23F"


def test_a_short_training_run_writes_a_loadable_model(tmp_path):
    (tmp_path / "patents.csv").write_text(CORPUS, encoding="utf-8")
    out = tmp_path / "encoder"
    pairs = finetune.make_pairs(finetune.load_docs(tmp_path / "patents.csv"), 8)
    stats = finetune.train(pairs, "m3e-small", out, minutes=2, batch=2, max_len=32)
    assert stats["steps"] >= 1 and stats["pairs_seen"] == 2 * stats["steps"]
    adapted = Embedder(str(out))
    vecs = adapted.encode_documents(["一种池塘增氧机", "一种茶叶杀青机"])
    assert vecs.shape == (2, adapted.dims)


def test_the_command_refuses_too_few_pairs(tmp_path):
    (tmp_path / "patents.csv").write_text(CORPUS, encoding="utf-8")
    assert finetune.main(["--corpus", str(tmp_path / "patents.csv"), "--out", str(tmp_path / "x")]) == 1
    assert not (tmp_path / "x" / "provenance.json").exists()
