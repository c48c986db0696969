"""Search queries: a user's words to an FTS5 MATCH, and highlighted snippets.

The index (``loader.search_index``) holds one token per CJK character; a query
becomes phrase queries over the same tokens: ``复议`` becomes ``"复 议"``, which
matches exactly the documents holding the two characters side by side, so one-
and two-character queries work (unlike with the ``trigram`` tokenizer).

Contentless indexes cannot give FTS5's snippet() or highlight(), so
``snippet`` finds the same phrases in the stored text with a regex built from
the same tokens (``query_pattern``) and returns escaped HTML with <mark> tags;
the Datasette plugin registers it as the SQL function ``nianbao_snippet``.
``TITLE_HIT`` orders results with title hits first.
"""

from __future__ import annotations

import re

from extractors.normalize import normalize_chars
from loader.search_index import CJK_CHAR, CJK_RANGES, query_tokens

QUERY_PART = re.compile(r'"([^"]*)"?|(\S+)')


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

# 1 when the title holds the query (an FTS5 column filter over the same phrases): the
# SQL we write ourselves sorts on it first, making "title hits first" exact.
TITLE_HIT = (
    "(documents_fts.rowid in (select rowid from documents_fts "
    "where documents_fts match '{title} : (' || escape_fts(:q) || ')'))"
)

# Between two tokens of a phrase the index skips anything that is not a token
# (spaces, punctuation, line breaks); a Latin token must stand alone, as in the index.
_GAP = r"[^\w]*"
_LATIN_EDGE_BEFORE = rf"(?<![^\W{CJK_RANGES}])"
_LATIN_EDGE_AFTER = rf"(?![^\W{CJK_RANGES}])"


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
