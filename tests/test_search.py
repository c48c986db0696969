"""Chinese search over a real FTS5 index built the way the loader builds it."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nianbao.search import fts_query, index_text

DOCS = {
    1: ("天坛街道办事处2023年政府信息公开工作年度报告", "本年度没有收到行政复议申请。行政处罚31件。"),
    2: ("交道口街道2023年政府信息公开工作年度报告", "发生行政诉讼1件，复议后起诉。ICP备案号京ICP备05012345号"),
    # Kangxi radicals and full-width digits, as CJK-font PDFs give them.
    3: ("⻄⾼皇街道２０２３年政府信息公开⼯作年度报告", "⽆依申请公开。收费为０。"),
    4: ("塔铺街道2024年政府信息公开工作年度报告", "政务公开 工作要点；信息处理费 未收取"),
}


@pytest.fixture(scope="module")
def conn():
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table fts using fts5(title, text, content='', tokenize='unicode61 remove_diacritics 2')")
    for rowid, (title, text) in DOCS.items():
        conn.execute("insert into fts (rowid, title, text) values (?, ?, ?)", [rowid, index_text(title), index_text(text)])
    return conn


def search(conn, query):
    rows = conn.execute("select rowid from fts where fts match ? order by rowid", [fts_query(query)])
    return [row[0] for row in rows]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("复", [1, 2]),  # one character
        ("复议", [1, 2]),  # two characters: the commonest query
        ("诉讼", [2]),
        ("收费", [3]),
        ("行政处罚", [1]),
        ("工作年度报告", [1, 2, 3, 4]),  # matches Kangxi-radical text too
        ("西高皇", [3]),
        ("２０２３", [1, 2, 3]),  # full-width query, half-width text and vice versa
        ("2023", [1, 2, 3]),
        ("icp", [2]),
        ("ICP", [2]),
        ("复议 诉讼", [2]),  # AND
        ('"工作要点"', [4]),
        ('"要点工作"', []),  # phrase order matters
        ("天坛 塔铺", []),
        ("处理费", [4]),
        ("OR", []),  # FTS5 syntax is never interpreted
        ('"unbalanced', []),
        ("", []),
        ("   ", []),
        ("（）", []),
    ],
)
def test_queries_find_exactly_the_documents_holding_them(conn, query, expected):
    assert search(conn, query) == expected


@given(st.text(max_size=30))
def test_any_query_is_valid_fts5(query):
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table fts using fts5(text, content='')")
    conn.execute("insert into fts (rowid, text) values (1, ?)", [index_text("政府信息公开 annual report 2023")])
    conn.execute("select rowid from fts where fts match ?", [fts_query(query)]).fetchall()


@given(st.text(alphabet="政府信息公开工作年度报告复议诉讼收费", min_size=1, max_size=8))
def test_every_substring_of_indexed_text_is_found(fragment):
    text = "政府信息公开工作年度报告复议诉讼收费"
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table fts using fts5(text, content='')")
    conn.execute("insert into fts (rowid, text) values (1, ?)", [index_text(text)])
    found = conn.execute("select count(*) from fts where fts match ?", [fts_query(fragment)]).fetchone()[0]
    assert found == (1 if fragment in text else 0)
