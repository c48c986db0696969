"""The Chinese full-text index of reports.db: its tokens, and every write to it.

FTS5's ``unicode61`` tokenizer treats a run of Chinese characters as one token,
so "复议" would never match a sentence containing it. We index a *spaced* form
of the text instead, one token per CJK character (Latin words and numbers stay
whole); the site turns every query into phrase queries over the same tokens
(``query_tokens``). Index and query go through the same normalizer as the
extractors, so Kangxi-radical and full-width text match ordinary queries.

``documents_fts`` and ``pages_fts`` are contentless (keyed by the rowid of
``documents`` / ``pages``), so a row can only be taken out with the exact text
it was indexed with: ``SearchIndex`` is the one place that adds, removes and
rebuilds entries.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Iterable

from extractors.normalize import normalize_text

# Ideographs (BMP and extension planes), kana and hangul: one token per character.
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
CJK_CHAR = re.compile(f"([{CJK_RANGES}])")
# Bump when index_text() changes: the loader then rebuilds the whole index.
SEARCH_VERSION = "2"  # 2: pages_fts, title-weighted rank (DOCUMENT_RANK)
# Ranking. FTS5's bm25 works from the index alone, so it works on contentless
# tables. It adds up a phrase's weighted hits per column *before* saturating them,
# so a modest title weight loses to a report that repeats the word thirty times
# in its tables; weighting the title 1000:1 puts title hits first in practice
# (the site's own SQL makes it exact). Stored as documents_fts's default rank, so
# ``order by rank`` (and document_search.rank) uses it.
DOCUMENT_RANK = "bm25(1000.0, 1.0)"


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


class SearchIndex:
    """Every write to documents_fts and pages_fts, on one connection to reports.db."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def add_document(self, rowid: int, title: str | None, text: str | None) -> None:
        self.conn.execute(
            "insert into documents_fts (rowid, title, text) values (?, ?, ?)", [rowid, index_text(title), index_text(text)]
        )

    def remove_document(self, rowid: int, title: str | None, text: str | None) -> None:
        """Take a document out of the index; title and text must be what it was indexed with."""
        self.conn.execute(
            "insert into documents_fts (documents_fts, rowid, title, text) values ('delete', ?, ?, ?)",
            [rowid, index_text(title), index_text(text)],
        )

    def add_pages(self, pages: Iterable[tuple[int, str | None]]) -> None:
        """Index (rowid, text) rows of ``pages``."""
        self.conn.executemany(
            "insert into pages_fts (rowid, text) values (?, ?)", ((rowid, index_text(text)) for rowid, text in pages)
        )

    def remove_pages(self, pages: Iterable[tuple[int, str | None]]) -> None:
        self.conn.executemany(
            "insert into pages_fts (pages_fts, rowid, text) values ('delete', ?, ?)",
            ((rowid, index_text(text)) for rowid, text in pages),
        )

    def rebuild(self) -> None:
        """Index every document and page afresh (the tokenization changed)."""
        self.conn.execute("insert into documents_fts (documents_fts) values ('delete-all')")
        self.conn.executemany(
            "insert into documents_fts (rowid, title, text) values (?, ?, ?)",
            (
                (rowid, index_text(title), index_text(text))
                for rowid, title, text in self.conn.execute("select rowid, title, text from documents").fetchall()
            ),
        )
        self.conn.execute("insert into pages_fts (pages_fts) values ('delete-all')")
        self.add_pages(self.conn.execute("select rowid, text from pages").fetchall())
        self.conn.execute("insert into documents_fts (documents_fts, rank) values ('rank', ?)", [DOCUMENT_RANK])
