"""The evaluate command end to end on a tiny corpus with known answers (real model, both backends)."""

from __future__ import annotations

import json

import pytest

from ipplatform.matching import evaluate

CORPUS = """publication_number,kind,title_zh,ipc_subclasses
CN000000001A,A,一种锂电池储能系统的液冷热管理装置,H01M|H02J
CN000000002U,U,一种信阳毛尖茶叶杀青机,A23F
CN000000003U,U,一种池塘养殖用增氧装置,A01K
CN000000004B,B,羽绒清洗节水工艺,D06F
CN000000005U,U,一种LED路灯照明控制装置,F21S|H05B
CN000000006B,B,可降解聚乳酸包装薄膜及其制备方法,C08L|B65D
"""
QUERIES = [{"id": "Q1", "text": "我们厂做储能电池柜，夏天电池温度太高，想找散热降温的技术"},
           {"id": "Q2", "text": "茶厂春季鲜叶多，需要茶叶杀青加工设备"},
           {"id": "Q3", "text": "想找火箭发动机燃烧室的涂层技术"}]
QRELS = [{"query_id": "Q1", "publication_number": "CN000000001A", "grade": 2},
         {"query_id": "Q2", "publication_number": "CN000000002U", "grade": 2},
         {"query_id": "Q3", "publication_number": "CN000000006B", "grade": 0}]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "patents.csv").write_text(CORPUS, encoding="utf-8")
    (tmp_path / "demands.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUERIES), "utf-8")
    (tmp_path / "qrels.jsonl").write_text("\n".join(json.dumps(q) for q in QRELS), "utf-8")
    return tmp_path


@pytest.mark.parametrize("backend", ["embedded", "elasticsearch"])
def test_evaluate_command(files, backend, request, capsys, embedder):
    extra = []
    if backend == "elasticsearch":
        extra = ["--engine-url", request.getfixturevalue("es_url")]
    out = files / "run.jsonl"
    code = evaluate.main(["--corpus", str(files / "patents.csv"), "--queries", str(files / "demands.jsonl"),
                          "--out", str(out), "--backend", backend, "--qrels", str(files / "qrels.jsonl"),
                          "--top", "5", "--cache", str(files / "cache.sqlite3"), "--quiet", *extra])
    assert code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["query_id"] for line in lines] == ["Q1", "Q2", "Q3"]
    first = {line["query_id"]: line["results"][0]["publication_number"] for line in lines}
    assert first["Q1"] == "CN000000001A" and first["Q2"] == "CN000000002U"
    for line in lines:
        scores = [r["score"] for r in line["results"]]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 5
        assert isinstance(line["strong_match"], bool)
    by_id = {line["query_id"]: line for line in lines}
    assert by_id["Q1"]["strong_match"] and by_id["Q2"]["strong_match"]
    assert not by_id["Q3"]["strong_match"]  # nothing in the corpus answers it
    printed = capsys.readouterr().out
    assert "matcher" in printed and "bm25" in printed and "dense" in printed
    assert "precision 1.00" in printed  # the one flagged demand truly has no answer


def test_evaluate_rejects_bad_corpus(tmp_path):
    (tmp_path / "bad.csv").write_text("id,title\n1,x\n", encoding="utf-8")
    (tmp_path / "q.jsonl").write_text('{"id": "1", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(Exception) as exc:
        evaluate.main(["--corpus", str(tmp_path / "bad.csv"), "--queries", str(tmp_path / "q.jsonl"),
                       "--out", str(tmp_path / "o.jsonl"), "--quiet"])
    assert "missing column" in str(exc.value)
