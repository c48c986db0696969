"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

FTS5's ``unicode61`` tokenizer treats a run of Chinese characters as one token,
so "复议" would never match a sentence containing it. We index a *spaced* form
of the text instead, one token per CJK character (Latin words and numbers stay
whole), and turn every query into phrase queries over the same tokens:
``复议`` becomes ``"复 议"``, which matches exactly the documents holding the two
characters side by side. One- and two-character queries work, unlike with the
``trigram`` tokenizer. Index and query go through the same normalizer as the
extractors, so Kangxi-radical and full-width text match ordinary queries.
"""

from __future__ import annotations

import re

from extractors.normalize import normalize_text

# Ideographs (BMP and extension planes), kana and hangul: one token per character.
CJK_CHAR = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f])"
)
QUERY_PART = re.compile(r'"([^"]*)"?|(\S+)')
# Bump when index_text() changes: the loader then rebuilds the whole index.
SEARCH_VERSION = "1"


def spaced(text: str) -> str:
    """Put spaces around each CJK character of already-normalized ``text``."""
    return CJK_CHAR.sub(r" \1 ", text)


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
