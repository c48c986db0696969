"""The loader keeps both search indexes (documents_fts, pages_fts) exact through
re-extraction and tokenizer changes. Contentless FTS5 tables cannot check what a
'delete' removes, so a stale entry would silently find the wrong rows: these
tests compare every index answer with the stored text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loader import load
from nianbao import DataDir
from tests.support import fixture_files, oracle, record_fetches, sha256_of
from website.search import fts_query

QUERIES = ["复议", "诉", "行政处罚", "2023", '"主动公开"', "收费 诉讼"]


@pytest.fixture()
def data(tmp_path) -> Path:
    names = ["dhsjj-2022.pdf", "jiaodaokou-2023-web.pdf", "dhsjj-2022.docx"]  # two PDFs (one from Chromium), a DOCX
    chosen = [f for f in fixture_files() if f["file"] in names]
    assert len(chosen) == len(names), "fixture reports missing"
    record_fetches(tmp_path, [
        {"body": expected["path"].read_bytes(), "portal": "p", "url": f"http://p.test/{expected['file']}",
         "page_url": "http://p.test/", "content_type": "application/pdf"}
        for expected in chosen
    ])
    load(tmp_path, workers=1)
    return tmp_path


def assert_indexes_exact(data: Path) -> None:
    conn = sqlite3.connect(data / "reports.db")
    try:
        for query in QUERIES:
            match = fts_query(query)
            got = {r[0] for r in conn.execute("select rowid from documents_fts where documents_fts match ?", [match])}
            want = {r[0] for r in conn.execute("select rowid, title, text from documents") if oracle(query, r[1], r[2])}
            assert got == want, query
            got = {r[0] for r in conn.execute("select rowid from pages_fts where pages_fts match ?", [match])}
            want = {r[0] for r in conn.execute("select rowid, text from pages") if oracle(query, r[1])}
            assert got == want and want, query
        # No entries left for rows that are gone: the index holds exactly one entry per row.
        assert conn.execute("select count(*) from pages_fts where pages_fts match ?", [fts_query("的")]).fetchone()[0] == \
            sum(1 for r in conn.execute("select text from pages") if oracle("的", r[0]))
    finally:
        conn.close()


def test_indexes_match_the_text_after_loading(data):
    assert_indexes_exact(data)


def test_reextraction_replaces_index_entries(data):
    load(data, force=True, workers=1)
    load(data, force=True, workers=1)
    assert_indexes_exact(data)
    conn = sqlite3.connect(data / "reports.db")
    pages = conn.execute("select count(*) from pages").fetchone()[0]
    conn.close()
    assert pages > 3


def test_changed_tokenizer_version_rebuilds_both_indexes(data):
    conn = sqlite3.connect(data / "reports.db")
    with conn:
        conn.execute("insert into pages_fts (pages_fts) values ('delete-all')")
        conn.execute("insert into documents_fts (documents_fts) values ('delete-all')")
        conn.execute("update nianbao_meta set value = 'old' where key = 'search_version'")
    conn.close()
    load(data, workers=1)
    assert_indexes_exact(data)


def test_served_search_sees_documents_loaded_while_serving(data, tmp_path):
    """The match cache (search_cache.py) must notice the loader's commits."""
    import asyncio

    ds = DataDir(data).datasette()

    def found(query):
        response = asyncio.run(ds.client.get(f"/reports/documents.json?_search={query}&_shape=objects&_size=max&_col=title"))
        return {row["sha256"] for row in response.json()["rows"]}

    before = found("%E5%A4%8D%E8%AE%AE")  # 复议
    loaded = {r[0] for r in sqlite3.connect(data / "reports.db").execute("select sha256 from documents")}
    extra = next(f for f in fixture_files() if f.get("is_report") and sha256_of(f["path"]) not in loaded)
    record_fetches(data, [{"body": extra["path"].read_bytes(), "portal": "p", "url": "http://p.test/new",
                           "page_url": "http://p.test/", "link_text": "new", "content_type": "application/pdf"}])
    load(data, workers=1)
    after = found("%E5%A4%8D%E8%AE%AE")
    assert after == before | {sha256_of(extra["path"])}
