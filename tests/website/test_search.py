"""Chinese search: queries (website.search) over a real FTS5 index built the way the loader builds it."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loader.search_index import DOCUMENT_RANK, index_text
from website.search import count_matches, fts_query, snippet

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


# --- snippets ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,query,expected",
    [
        ("本年度没有收到行政复议申请。", "复议", "本年度没有收到行政<mark>复议</mark>申请。"),
        ("⾏政复议", "行政", "<mark>行政</mark>复议"),  # Kangxi radical in the text
        ("２０２３年", "2023", "<mark>2023</mark>年"),  # full-width digits in the text
        ("京ICP备05012345号 icpx", "icp", "京<mark>ICP</mark>备05012345号 icpx"),  # whole Latin tokens only
        ("复，议 复议", '"复议"', "<mark>复，议</mark> <mark>复议</mark>"),  # the index skips punctuation too
        ("<b>复议</b> & 收费", "复议 收费", "&lt;b&gt;<mark>复议</mark>&lt;/b&gt; &amp; <mark>收费</mark>"),
        ("没有匹配", "复议", "没有匹配"),
        ("", "复议", ""),
    ],
)
def test_snippet_highlights_what_the_index_matches_and_escapes_the_rest(text, query, expected):
    assert snippet(text, query) == expected


def test_snippet_is_a_window_around_the_first_match():
    text = "甲" * 500 + "行政复议" + "乙" * 500
    result = snippet(text, "复议", width=60)
    assert result.startswith("…") and result.endswith("…")
    assert "<mark>复议</mark>" in result
    assert len(result.replace("<mark>", "").replace("</mark>", "")) <= 62


@given(st.text(max_size=60), st.text(max_size=10))
def test_snippet_never_lets_markup_through(text, query):
    result = snippet(text, query)
    stripped = result.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


@given(st.text(alphabet="政府信息公开复议诉讼收费 ，。", min_size=1, max_size=40),
       st.text(alphabet="政府信息公开复议诉讼收费", min_size=1, max_size=4))
def test_snippet_marks_exactly_when_the_index_matches(text, query):
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table fts using fts5(text, content='')")
    conn.execute("insert into fts (rowid, text) values (1, ?)", [index_text(text)])
    found = conn.execute("select count(*) from fts where fts match ?", [fts_query(query)]).fetchone()[0]
    assert ("<mark>" in snippet(text, query, width=1000)) == bool(found)
    assert (count_matches(text, query) > 0) == bool(found)


def test_ranking_puts_title_hits_first_with_the_loaders_schema():
    import sqlite_utils

    from loader.schema import create_schema

    conn = sqlite3.connect(":memory:")
    create_schema(sqlite_utils.Database(conn))
    conn.execute("insert into documents_fts (documents_fts, rank) values ('rank', ?)", [DOCUMENT_RANK])
    docs = [
        ("a", "某局年度报告", "复议" * 20),  # many body hits
        ("b", "行政复议工作报告", "其他内容" * 20),  # one title hit
        ("c", "某某报告", "没有"),
    ]
    for sha, title, text in docs:
        rowid = conn.execute("insert into documents (sha256, title, text) values (?, ?, ?)", [sha, title, text]).lastrowid
        conn.execute("insert into documents_fts (rowid, title, text) values (?, ?, ?)", [rowid, index_text(title), index_text(text)])
    ranked = conn.execute(
        "select sha256 from document_search where fts match ? order by rank", [fts_query("复议")]
    ).fetchall()
    assert [r[0] for r in ranked] == ["b", "a"]
    plan = " ".join(str(r) for r in conn.execute(
        "explain query plan select sha256 from document_search where fts match ? order by rank", [fts_query("复议")]))
    assert "VIRTUAL TABLE INDEX" in plan  # the MATCH is pushed into the index, not a scan
