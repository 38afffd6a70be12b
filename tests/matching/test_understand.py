"""Query understanding: need vs context, IDF key phrases, the glossary's hits (no model, no database)."""

from __future__ import annotations

from ipplatform.matching.glossary_models import INDUSTRIES
from ipplatform.matching.glossary_seed import SEED, SEED_0017
from ipplatform.matching.understand import (Glossary, GlossaryEntry, Idf, split_clauses, title_coverage, understand,
                                            weighted_coverage)

GLOSSARY = Glossary([GlossaryEntry(1, "aquaculture", ("浮头", "泛塘"), ("增氧", "溶解氧")),
                     GlossaryEntry(2, "energy", ("存便宜电",), ("谷电储能",)),
                     GlossaryEntry(3, "equipment", ("便宜",), ("低成本",))])


def test_budget_and_cooperation_clauses_are_context_and_the_introduction_stays():
    u = understand("我们是光山县一家羽绒服加工厂，充绒靠人工称量，想找自动充绒设备，可以技术合作也可以直接采购，预算30万以内。")
    assert u.context == ["可以技术合作也可以直接采购", "预算30万以内"]
    assert u.clauses[0] == "我们是光山县一家羽绒服加工厂"  # what the company makes names the field
    assert "充绒" in u.need and "预算" not in u.need
    assert "预算" not in u.tokens and "采购" not in u.tokens and "充绒" in u.tokens


def test_a_clause_that_asks_for_something_is_need_even_with_a_budget():
    u = understand("想找能自动分选茶叶的色选设备，预算不限")
    assert u.need.startswith("想找能自动分选茶叶的色选设备")


def test_very_short_pieces_join_the_clause_before():
    assert split_clauses("人工浇水，费工，不均匀。想上滴灌") == ["人工浇水，费工，不均匀", "想上滴灌"]


def test_glossary_hits_add_technical_terms_to_both_legs_and_explain_themselves():
    u = understand("鱼塘一到闷热天后半夜就浮头，想找能自动处理的设备", GLOSSARY)
    assert [h.colloquial for h in u.hits] == ["浮头"]
    assert u.hits[0].explanation == "“浮头”按“增氧、溶解氧”检索"
    assert "增氧" in u.tokens and "溶解氧" in u.tokens  # keyword leg
    assert "增氧" in u.query_text and "浮头" in u.query_text  # semantic leg: need plus the technical terms


def test_a_word_inside_a_longer_hit_does_not_fire_again():
    u = understand("想把夜里的存便宜电用起来", GLOSSARY)
    assert [h.colloquial for h in u.hits] == ["存便宜电"]  # not also 便宜 → 低成本


def test_idf_weights_rare_words_over_common_ones():
    idf = Idf.from_texts(["一种茶叶烘干装置", "一种茶叶杀青机", "一种茶叶揉捻机", "一种饲料粉碎装置"])
    assert idf.weight("杀青") > idf.weight("茶叶")
    u = understand("茶叶杀青设备", idf=idf)
    assert u.keyphrases[0][0] == "杀青"
    assert weighted_coverage(u.keyphrases, "一种茶叶杀青机") == 1.0
    assert 0 < weighted_coverage(u.keyphrases, "一种茶叶烘干装置") < 0.5  # only the common word
    assert title_coverage("一种茶叶杀青机", "茶叶杀青设备", idf) > title_coverage("一种饲料粉碎装置", "茶叶杀青设备", idf)


def test_the_seed_covers_the_issue_examples_and_each_industry():
    seed = SEED + SEED_0017
    glossary = Glossary(GlossaryEntry(i, *entry) for i, entry in enumerate(seed))
    for text, term in (("鱼浮头了", "增氧"), ("谷壳怎么处理", "稻壳"), ("机器老趴窝", "故障预警"), ("想存便宜电", "谷电储能"),
                       ("羽绒服老是钻绒", "防钻绒"), ("家里墙返潮", "防潮"), ("村卫生室的医疗垃圾", "医疗废物"),
                       ("电路板虚焊", "焊点")):
        assert any(term in h.technical for h in glossary.find(text)), text
    assert {industry for industry, _, _ in seed} == set(INDUSTRIES)
    words = [(industry, w) for industry, colloquial, _ in seed for w in colloquial]
    assert len(words) == len(set(words)), "a colloquial word heads one entry per industry"
