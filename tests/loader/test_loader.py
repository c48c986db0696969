"""The loader builds reports.db from an archive and a journal.

DATA (the ``small_data`` fixture) is assembled through the real Archive and Journal
APIs (no crawler), so these tests pin the loader's contracts on their own.
"""

from __future__ import annotations

import hashlib
import sqlite3

from archive import Archive
from crawler.journal import Journal
from extractors import EXTRACTOR_VERSION
from loader import load
from tests.support import fixture_files, portal_definitions, record_fetches
from tests.support import reports_tuples as rows
from website.search import fts_query


def test_documents_sources_errors_and_crawls(small_data):
    tiantan_sha = hashlib.sha256(small_data.tiantan["path"].read_bytes()).hexdigest()
    assert rows(small_data, "select count(*) from documents") == [(3,)]
    assert rows(small_data, "select count(*) from sources where sha256 = ?", [tiantan_sha]) == [(2,)]
    (document,) = rows(
        small_data,
        "select format, year, agency, consistent, extract_error, original, portal, extractor_version from documents where sha256 = ?",
        [tiantan_sha],
    )
    assert document == (
        "docx", small_data.tiantan["year"], small_data.tiantan["agency"],
        int(small_data.tiantan["consistent"]), None, f"/-/files/{tiantan_sha}", "p", EXTRACTOR_VERSION,
    )
    (broken,) = rows(small_data, "select format, extract_error, title from documents where url like '%broken.pdf'")
    assert broken[0] == "pdf" and broken[1]
    assert broken[2] == "某某2022年政府信息公开工作年度报告"  # falls back to the link text
    assert rows(small_data, "select kind, url from fetch_errors") == [("http_404", "http://p.test/gone.pdf")]
    assert rows(small_data, "select status, reports_found from crawls") == [("completed", 4)]


def test_report_stats_match_ground_truth(small_data):
    for expected in (small_data.tiantan, small_data.busy):
        sha = hashlib.sha256(expected["path"].read_bytes()).hexdigest()
        got = {
            f"{section}.{item}.{measure}": value
            for section, item, measure, value in rows(
                small_data, "select section, item, measure, value from report_stats where sha256 = ?", [sha]
            )
        }
        assert got == expected["stats"], expected["file"]


def test_loading_again_changes_nothing(small_data):
    def snapshot():
        conn = sqlite3.connect(small_data / "reports.db")
        try:
            return "\n".join(
                line for line in conn.iterdump() if "extracted_at" not in line and "nianbao_meta" not in line
            )
        finally:
            conn.close()

    before = snapshot()
    summary = load(small_data)
    assert (summary.sources_added, summary.extracted) == (0, 0)
    assert snapshot() == before


def test_new_extractor_version_reextracts_and_keeps_search_consistent(small_data):
    conn = sqlite3.connect(small_data / "reports.db")
    with conn:
        conn.execute("update documents set extractor_version = 'old'")
    conn.close()
    summary = load(small_data)
    assert summary.extracted == 3
    assert rows(small_data, "select distinct extractor_version from documents") == [(EXTRACTOR_VERSION,)]
    assert len(search_rowids(small_data, "年度报告")) == 3


def search_rowids(small_data, query):
    return rows(small_data, "select rowid from documents_fts where documents_fts match ?", [fts_query(query)])


def test_a_later_fetch_updates_only_its_document(small_data):
    tiantan_sha = hashlib.sha256(small_data.tiantan["path"].read_bytes()).hexdigest()
    before = dict(rows(small_data, "select sha256, first_seen || '|' || last_seen from documents"))
    journal = Journal(small_data / "journal.db")
    crawl = journal.begin_crawl("test.yml", portal_definitions({"id": "p", "start_urls": ["http://p.test/"]}))
    journal.record_source(
        crawl_id=crawl, portal="p", url="http://p.test/ndbg/天坛2023.docx", sha256=tiantan_sha,
        outcome="unchanged", http_status=304, fetched_at="2099-01-01T00:00:00+00:00",
    )
    journal.finish_crawl(crawl, "completed", {"reports_found": 1, "unchanged": 1})
    journal.close()
    summary = load(small_data)
    assert (summary.sources_added, summary.extracted) == (1, 0)
    after = dict(rows(small_data, "select sha256, first_seen || '|' || last_seen from documents"))
    first_seen = before[tiantan_sha].split("|")[0]
    assert after.pop(tiantan_sha) == f"{first_seen}|2099-01-01T00:00:00+00:00"
    assert after == {sha: value for sha, value in before.items() if sha != tiantan_sha}


def test_portals_hold_each_portals_newest_definition(tmp_path):
    first = {"id": "p", "name": "旧名", "start_urls": ["http://p.test/"], "kind": "government", "region": "某市"}
    record_fetches(tmp_path, [], portals=[first, {"id": "q", "start_urls": ["http://q.test/"]}])
    record_fetches(tmp_path, [], portals=[{**first, "name": "新名", "kind": "department"}])
    load(tmp_path)
    portals = {row[0]: row[1:] for row in rows(tmp_path, "select portal, name, kind, region, crawl_id from portals")}
    assert portals == {"p": ("新名", "department", "某市", 2), "q": ("q", None, None, 1)}


def test_a_journal_of_the_previous_version_is_upgraded_and_loaded(tmp_path):
    """Journals written before the rename kept fetches in a table called ``fetches``."""
    report = next(f for f in fixture_files() if f.get("is_report") and f["format"] == "docx")
    stored = Archive(tmp_path / "archive").put_bytes(report["path"].read_bytes())
    conn = sqlite3.connect(tmp_path / "journal.db")
    conn.executescript(
        "create table crawls (id integer primary key, started_at text, status text, portals integer);"
        "create table fetches (id integer primary key, crawl_id integer, portal text, url text, sha256 text,"
        " outcome text, fetched_at text);"
        "insert into crawls values (1, '2024-01-01T00:00:00+00:00', 'finished', 1);"
    )
    conn.execute("insert into fetches values (1, 1, 'p', 'http://p.test/a.docx', ?, 'new', '2024-01-01T00:00:00+00:00')",
                 [stored.sha256])
    conn.commit()
    conn.close()
    summary = load(tmp_path)
    assert (summary.sources_added, summary.extracted) == (1, 1)
    assert rows(tmp_path, "select url, portal from documents") == [("http://p.test/a.docx", "p")]
