"""Query understanding for long, colloquial demands.

A demand such as "我们是浉河区一家茶厂，春茶季鲜叶多……想找一套烘干设备，可以技术合作也可以直接采购，
预算20万以内" mixes the *need* with *context* (who we are, budget, how we would cooperate). This module

- splits the text into clauses and sets context clauses aside (budgets, cooperation modes; a company's
  introduction stays: what it makes names the field), so retrieval and clause similarity see the need;
- weights the need's words by their IDF in the platform's own offer corpus (``Idf``): 烘干 counts,
  一家 does not;
- applies the industry glossary (``Glossary``: 浮头 → 增氧), whose technical terms join both retrieval
  legs and are shown in the explanation ("“浮头”按“增氧”检索").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ipplatform.search import text as textmod

# Words that say nothing about the technology a demand needs (on top of search's own stopwords).
DEMAND_STOPWORDS = frozenset("""
我们 我司 我厂 本厂 公司 单位 一家 一个 需要 希望 想要 想 找 寻求 寻找 预算 左右 以内 万元 万 元 可以 购买 采购 合作 技术合作
欢迎 高校 厂家 联系 洽谈 引进 转让 许可 直接 或者 或是 还是 现在 目前 今年 去年 每天 天天 老是 总是 一直 比较 特别 非常 越来越
问题 办法 东西 情况 方面 这种 那种 这样 那样 什么 有没有 能不能 靠谱 成熟 一套 一种 一些 好多 很多 不少 大家 心里 我们村 村里
""".split())

_CLAUSE_SPLIT = re.compile(r"[。！？!?；;，,\n]+")
_CONTEXT_PATTERNS = [
    re.compile(r"预算|万元|万以内|万左右|经费|资金|投入\d|\d+万"),  # budget
    re.compile(r"(技术)?合作|直接采购|可以购买|买断|转让|许可|作价入股|欢迎.{0,8}(高校|厂家|单位|团队)|联系我们|洽谈"),  # modes
    re.compile(r"^(我们|我司|本公司|本厂|我厂|我单位|我们单位|我们公司)?(是|为)?.{0,12}(一家|一个)?.{0,12}"
               r"(公司|企业|工厂|厂|合作社|基地|作坊|医院|学校|单位|园区|协会|村委|镇政府)$"),  # who we are
]
# clauses that still say what is needed although they mention cooperation or money
_NEED_MARKERS = re.compile(r"想找|需要|寻求|希望|想要|想上|想用|想改|想给|解决|提高|降低|减少|避免|防止|替代|改进|实现|自动|设备|系统|装置|工艺|方法")


@dataclass(frozen=True)
class GlossaryEntry:
    id: int | None
    industry: str
    colloquial: tuple[str, ...]
    technical: tuple[str, ...]


@dataclass(frozen=True)
class GlossaryHit:
    colloquial: str  # the word found in the demand
    technical: tuple[str, ...]
    entry_id: int | None = None

    @property
    def explanation(self) -> str:
        return f"“{self.colloquial}”按“{'、'.join(self.technical)}”检索"


class Glossary:
    """Colloquial ↔ technical terms; ``find`` returns the entries whose colloquial words occur in a text
    (longest word first; a word inside a longer one already found is not counted again)."""

    def __init__(self, entries: Iterable[GlossaryEntry] = ()):
        self.entries = [e for e in entries if e.colloquial and e.technical]
        self._words = sorted({(w, i) for i, e in enumerate(self.entries) for w in e.colloquial if w},
                             key=lambda x: (-len(x[0]), x[0]))

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str) -> list[GlossaryHit]:
        hits, seen, taken = [], set(), []
        lowered = text.lower()
        for word, i in self._words:
            start = lowered.find(word.lower())
            if start < 0 or i in seen:
                continue
            end = start + len(word)
            if any(s <= start and end <= e for s, e in taken):
                continue
            seen.add(i)
            taken.append((start, end))
            e = self.entries[i]
            hits.append(GlossaryHit(word, e.technical, e.id))
        return sorted(hits, key=lambda h: lowered.find(h.colloquial.lower()))


class Idf:
    """Inverse document frequency of search tokens over the platform's offers (title and text)."""

    def __init__(self, df: Counter | None = None, n: int = 0):
        self.df = df or Counter()
        self.n = n

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Idf:
        df: Counter = Counter()
        n = 0
        for t in texts:
            df.update(set(textmod.tokens(t)))
            n += 1
        return cls(df, n)

    def weight(self, token: str) -> float:
        """BM25's IDF, floored at 0.1; a word the corpus never uses gets the rarest weight."""
        if self.n == 0:
            return 1.0
        df = self.df.get(token, 0)
        return max(0.1, math.log(1 + (self.n - df + 0.5) / (df + 0.5)))


@dataclass
class Understood:
    text: str
    clauses: list[str]  # the need's clauses
    context: list[str]  # clauses set aside (who, budget, how to cooperate)
    hits: list[GlossaryHit]
    keyphrases: list[tuple[str, float]]  # need words by IDF weight, highest first
    tokens: tuple[str, ...]  # retrieval words: the need's, then the glossary's technical terms
    technical: tuple[str, ...] = field(default_factory=tuple)  # the glossary's technical terms' words
    idf: Idf | None = None

    @property
    def need(self) -> str:
        return "，".join(self.clauses)

    @property
    def query_text(self) -> str:
        """What the semantic leg embeds: the need, followed by the glossary's technical terms."""
        terms = [t for h in self.hits for t in h.technical]
        return self.need + ("。" + "、".join(dict.fromkeys(terms)) if terms else "")


def split_clauses(text: str) -> list[str]:
    parts = [p.strip() for p in _CLAUSE_SPLIT.split(text) if p.strip()]
    out: list[str] = []
    for p in parts:  # very short pieces (“费工”) belong with the clause before
        if out and len(p) < 4:
            out[-1] += "，" + p
        else:
            out.append(p)
    return out


def is_context(clause: str) -> bool:
    """Budget and cooperation clauses. A company's introduction stays with the need: what the company
    makes (羽绒服加工厂, 装配式建筑构件) is often the best clue to the technical field."""
    if not any(p.search(clause) for p in _CONTEXT_PATTERNS[:2]):
        return False
    stripped = _CONTEXT_PATTERNS[1].sub("", _CONTEXT_PATTERNS[0].sub("", clause))
    return not _NEED_MARKERS.search(stripped) or len(stripped) < 6


def need_tokens(text: str) -> list[str]:
    return [t for t in textmod.query_tokens(text) if t not in DEMAND_STOPWORDS]


def understand(text: str, glossary: Glossary | None = None, idf: Idf | None = None, *, max_chars: int = 500,
               split_context: bool = True) -> Understood:
    text = text[:max_chars]
    clauses = split_clauses(text)
    need = [c for c in clauses if not (split_context and is_context(c))] or clauses or [text]
    context = [c for c in clauses if c not in need]
    hits = (glossary or Glossary()).find(text)
    words = need_tokens("，".join(need))
    technical = tuple(dict.fromkeys(t for h in hits for term in h.technical for t in (need_tokens(term) or [term.lower()])))
    idf = idf or Idf()
    keyphrases = sorted(((w, idf.weight(w)) for w in words), key=lambda x: -x[1])
    tokens = tuple(dict.fromkeys([*words, *technical]))
    return Understood(text, need, context, hits, keyphrases, tokens, technical, idf)


@lru_cache(maxsize=100_000)
def offer_title_words(title: str) -> tuple[str, ...]:
    """``need_tokens`` of an offer title, kept in process: the same candidates come back at every
    re-match, and segmenting their titles was a fifth of a re-match's time."""
    return tuple(need_tokens(title))


def title_coverage(title: str, need: str, idf: Idf | None) -> float:
    """Share of the IDF mass of an offer's title words that the demand's need (with its glossary terms)
    contains: a title all about what the demand asks for scores 1."""
    idf = idf or Idf()
    words = offer_title_words(title)
    total = sum(idf.weight(w) for w in words)
    return sum(idf.weight(w) for w in words if w in need) / total if total else 0.0


def weighted_coverage(weights: list[tuple[str, float]], text: str) -> float:
    """Share of the IDF mass of ``weights``' words found in ``text``."""
    total = sum(w for _, w in weights)
    if not total:
        return 0.0
    lowered = text.lower()
    return sum(w for t, w in weights if t in lowered) / total
