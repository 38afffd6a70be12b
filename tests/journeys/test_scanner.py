"""The page scanner the journeys use finds what it is meant to find (and leaves Chinese text alone)."""

from tests.journeys.conftest import page_problems


def test_finds_internal_field_names_and_reprs():
    assert page_problems("budget_max：请输入数字") == ["internal name 'budget_max'"]
    assert page_problems("preferred_ipc.0：格式有误") == ["internal name 'preferred_ipc.0'"]
    assert page_problems("专利 ['CN114081026B'] 已失效") == ["Python repr \"['\"", "Python repr \"']\""]
    assert page_problems("预算：None") == ["Python repr 'None'"]


def test_leaves_chinese_pages_alone():
    assert page_problems("一种信阳毛尖杀青机 · A23F 3/06 · 预算 50 万元 · 2025-03-01") == []
