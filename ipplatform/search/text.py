"""Chinese text handling shared by every backend: jieba segmentation for indexing and querying,
and highlighting done in Python so both backends mark the same words.

Indexing uses ``jieba.cut_for_search`` (which also yields the 2-character words inside longer ones:
锂电池 → 锂电, 电池, 锂电池), so two-character queries such as 电池, 储能, 茶叶 hit. Tokens are
lower-cased and joined by spaces, ready for Elasticsearch's built-in ``whitespace`` analyzer or an
FTS5 table, so no server-side Chinese analyzer is needed.
"""

from __future__ import annotations

import html
import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba

from ipplatform.config import get_settings

USER_DICT = Path(__file__).resolve().parent / "userdict.txt"
_lock = threading.Lock()
_ready = False
# Words kept out of the index and of queries: they match almost everything.
STOPWORDS = frozenset("""
的 了 和 与 及 或 在 是 为 对 等 一种 一个 一套 所述 其 中 上 下 用 用于 以及 基于 通过 进行 能 能够 可以 可 我们 我司
本 该 此 之 由 将 并 把 被 从 到 想 找 希望 需要 需求 要 有 没有 也 都 很 还 又 就 而 但 如 若 方法 装置 系统 设备
技术 方案 一下 现在 目前 这个 那个 这些 什么 怎么 如何 一些 有关 相关 最好 能否 是否 公司 企业 我们 自己
""".split())
_TOKEN_RE = re.compile(r"[\w\u4e00-\u9fff]+", re.UNICODE)
# Chinese patent numbers as people type them: application numbers CN202211453592.3, ZL 2022114535923,
# 202211453592 (12 digits, the check digit optional) and publication numbers CN117151122A / CN117151122B.
# Each becomes one token, its digits without prefix, check digit or kind code, in the index and in queries,
# so any spelling of a number finds the offer of that patent (a publication and its grant alike).
_PATENT_NO = re.compile(
    r"(?<![0-9a-z])(?:(?:cn|zl)\s*(\d{12})(?:\.?[\dx])?|(\d{12})(?:\.[\dx]|[\dx])?|cn\s*(\d{9})(?:[a-z]\d?)?)"
    r"(?![0-9a-z])", re.IGNORECASE)


def _init() -> None:
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        tmp = get_settings().data_dir / "jieba"
        tmp.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(tmp)
        jieba.setLogLevel(60)
        jieba.initialize()
        if USER_DICT.exists():
            jieba.load_userdict(str(USER_DICT))
        _ready = True


def _number(m: re.Match) -> str:
    return f" {next(g for g in m.groups() if g)} "


def patent_number_tokens(numbers) -> str:
    """The tokens of patent numbers (application and publication numbers), space-joined."""
    return " ".join(tokens(" ".join(n for n in numbers if n)))


def is_number_query(text: str) -> bool:
    """Whether a query consists of patent numbers only (such a query has exactly one meaning)."""
    rest = _PATENT_NO.sub(" ", text or "")
    return rest != (text or "") and not _TOKEN_RE.search(rest)


def has_words(text: str) -> bool:
    """Whether a query has anything to search for (letters, digits, Chinese characters), not only
    punctuation or emoji."""
    return bool(_TOKEN_RE.search(text or ""))


def tokens(text: str) -> list[str]:
    """Search tokens of ``text``: jieba cut_for_search, lower-cased, without punctuation and stopwords;
    patent numbers normalised (see ``_PATENT_NO``)."""
    if not text:
        return []
    _init()
    text = _PATENT_NO.sub(_number, text)
    out = []
    for tok in jieba.cut_for_search(text):
        tok = tok.strip().lower()
        if not tok or not _TOKEN_RE.fullmatch(tok) or tok in STOPWORDS:
            continue
        if len(tok) == 1 and not tok.isascii():
            continue  # single Chinese characters are noise in both index and query
        out.append(tok)
    return out


_JOINERS = frozenset("的 了 和 与 及 或 等 及其 以及 其 并 在 用于 对 为 中 上 下 之".split())


def _content(token: str) -> bool:
    t = token.strip().lower()
    return len(t) >= 2 and t not in STOPWORDS and t not in _JOINERS and bool(_TOKEN_RE.fullmatch(t))


def phrases(text: str, *, words: int = 3, limit: int = 12) -> list[str]:
    """Autocomplete phrases of a title: from each word of two or more characters (jieba's precise cut),
    that word and the next ``words - 1`` tokens — 一种茶叶杀青机及其控制方法 → 茶叶杀青机, 杀青机及其, …
    so a whole word typed (茶叶) completes to what follows it, not only titles that start with it."""
    if not text:
        return []
    _init()
    toks = [(w, start, end) for w, start, end in jieba.tokenize(text)]
    out = []
    for i, (w, start, _end) in enumerate(toks):
        if not _content(w):
            continue
        span = toks[i:i + words]
        while len(span) > 1 and (span[-1][0].strip() in _JOINERS or not _TOKEN_RE.fullmatch(span[-1][0].strip())):
            span.pop()  # end on a word: not on punctuation, 的, 及其 …
        out.append(text[start:span[-1][2]].lower())
        if len(out) == limit:
            break
    return list(dict.fromkeys(out))


def segment(text: str) -> str:
    """Space-joined tokens for a whitespace-analysed field."""
    return " ".join(tokens(text))


@lru_cache(maxsize=4096)
def query_tokens(text: str) -> tuple[str, ...]:
    """Distinct search tokens of a query, in order of first occurrence."""
    return tuple(dict.fromkeys(tokens(text)))


def highlight(text: str | None, words: tuple[str, ...], *, max_len: int = 160) -> str:
    """HTML-escaped snippet of ``text`` around the first matched word, every match in <em>."""
    if not text:
        return ""
    words = tuple(sorted({w for w in words if w}, key=len, reverse=True))
    lowered = text.lower()
    first = min((i for i in (lowered.find(w) for w in words) if i >= 0), default=0)
    start = max(0, first - max_len // 4)
    snippet = text[start:start + max_len]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + max_len < len(text) else ""
    if not words:
        return prefix + html.escape(snippet) + suffix
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    parts, pos = [], 0
    for m in pattern.finditer(snippet):
        parts.append(html.escape(snippet[pos:m.start()]))
        parts.append(f"<em>{html.escape(m.group(0))}</em>")
        pos = m.end()
    parts.append(html.escape(snippet[pos:]))
    return prefix + "".join(parts) + suffix
