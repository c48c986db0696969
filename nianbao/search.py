"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

FTS5's ``unicode61`` tokenizer treats a run of Chinese characters as one token,
so "复议" would never match a sentence containing it. We index a *spaced* form
of the text instead, one token per CJK character (Latin words and numbers stay
whole), and turn every query into phrase queries over the same tokens:
``复议`` becomes ``"复 议"``, which matches exactly the documents holding the two
characters side by side. One- and two-character queries work, unlike with the
``trigram`` tokenizer. Index and query go through the same normalizer as the
extractors, so Kangxi-radical and full-width text match ordinary queries.

Contentless indexes cannot give FTS5's snippet() or highlight(), so
``snippet`` finds the same phrases in the stored text with a regex built from
the same tokens (``query_pattern``) and returns escaped HTML with <mark> tags;
the Datasette plugin registers it as the SQL function ``nianbao_snippet``.
``DOCUMENT_RANK`` / ``TITLE_HIT`` order results with title hits first.
"""

from __future__ import annotations

import re

from extractors.normalize import normalize_chars, normalize_text

# Ideographs (BMP and extension planes), kana and hangul: one token per character.
CJK_CHAR = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f])"
)
QUERY_PART = re.compile(r'"([^"]*)"?|(\S+)')
# Bump when index_text() changes: the loader then rebuilds the whole index.
SEARCH_VERSION = "2"  # 2: pages_fts, title-weighted rank (DOCUMENT_RANK)


class _SpacingTable(dict):
    """``str.translate`` table: a CJK character maps to itself between spaces, any
    other to itself; filled in as characters are first seen. Translating runs in C,
    where ``CJK_CHAR.sub`` ran a Python template per character (most of the
    index-building time)."""

    def __missing__(self, code: int):
        char = chr(code)
        value = f" {char} " if CJK_CHAR.fullmatch(char) else code
        self[code] = value
        return value


_SPACING = _SpacingTable()


def spaced(text: str) -> str:
    """Put spaces around each CJK character of already-normalized ``text``."""
    return text.translate(_SPACING)


def index_text(text: str | None) -> str:
    """The string to put into the FTS index for ``text``."""
    if not text:
        return ""
    return spaced(normalize_text(text))


def query_tokens(term: str) -> list[str]:
    """The index tokens a query term stands for, in order."""
    return re.findall(r"\w+", spaced(normalize_text(term)).lower())


def fts_query(query: str | None) -> str:
    """Translate a user's query into an FTS5 MATCH expression.

    Words separated by spaces must all occur (AND); a "quoted phrase" must occur
    as written; FTS5 syntax characters in the query are never interpreted.
    A query with no searchable characters matches nothing.
    """
    phrases = []
    for quoted, bare in QUERY_PART.findall(query or ""):
        tokens = query_tokens(quoted or bare)
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"')
    return " ".join(phrases) if phrases else '""'


# --- Ranking and snippets -------------------------------------------------------

# Ranking. FTS5's bm25 works from the index alone, so it works on our contentless
# tables. It adds up a phrase's weighted hits per column *before* saturating them,
# so a modest title weight loses to a report that repeats the word thirty times
# in its tables; weighting the title 1000:1 puts title hits first in practice,
# and the SQL we write ourselves (search page, canned query) makes it exact by
# sorting on TITLE_HIT first. Stored as documents_fts's default rank, so
# ``order by rank`` (and document_search.rank) uses it.
DOCUMENT_RANK = "bm25(1000.0, 1.0)"
# 1 when the title holds the query (an FTS5 column filter over the same phrases).
TITLE_HIT = (
    "(documents_fts.rowid in (select rowid from documents_fts "
    "where documents_fts match '{title} : (' || escape_fts(:q) || ')'))"
)

_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
# Between two tokens of a phrase the index skips anything that is not a token
# (spaces, punctuation, line breaks); a Latin token must stand alone, as in the index.
_GAP = r"[^\w]*"
_LATIN_EDGE_BEFORE = rf"(?<![^\W{_CJK_RANGES}])"
_LATIN_EDGE_AFTER = rf"(?![^\W{_CJK_RANGES}])"


def _token_pattern(token: str) -> str:
    if CJK_CHAR.fullmatch(token):
        return re.escape(token)
    return _LATIN_EDGE_BEFORE + re.escape(token) + _LATIN_EDGE_AFTER


def query_pattern(query: str | None) -> re.Pattern | None:
    """A regex matching, in normalized text, every place ``fts_query(query)`` matches."""
    phrases = []
    for quoted, bare in QUERY_PART.findall(query or ""):
        tokens = query_tokens(quoted or bare)
        if tokens:
            phrases.append(_GAP.join(_token_pattern(token) for token in tokens))
    if not phrases:
        return None
    # Longest first, so a longer phrase wins over a shorter one at the same place.
    phrases.sort(key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def snippet(text: str | None, query: str | None, width: int = 120) -> str:
    """HTML: about ``width`` characters of ``text`` around the first match, matches in <mark>.

    The text is normalized first (as the index was), everything but the <mark>
    tags is HTML-escaped, so a report whose text holds markup cannot inject it.
    With no match (the hit was in the title, say) it is the start of the text.
    """
    if not text:
        return ""
    # Only the character folding of normalize_text (cheap): the pattern skips
    # whatever spacing lies between the characters, as the index does.
    text = " ".join(normalize_chars(text).split())
    pattern = query_pattern(query)
    first = pattern.search(text) if pattern else None
    if first is None:
        start, end = 0, min(len(text), width)
    else:
        start = max(0, first.start() - width // 3)
        end = min(len(text), start + width)
        start = max(0, min(start, end - width))
    window = text[start:end]
    parts, last = [], 0
    if pattern is not None:
        for match in pattern.finditer(window):
            if match.end() == match.start():
                continue
            parts.append(_escape(window[last:match.start()]))
            parts.append("<mark>" + _escape(match.group()) + "</mark>")
            last = match.end()
    parts.append(_escape(window[last:]))
    return ("…" if start > 0 else "") + "".join(parts) + ("…" if end < len(text) else "")


def count_matches(text: str | None, query: str | None) -> int:
    """How many times the query's phrases occur in ``text`` (for "N hits on this page")."""
    pattern = query_pattern(query)
    if not text or pattern is None:
        return 0
    return sum(1 for _ in pattern.finditer(" ".join(normalize_chars(text).split())))
