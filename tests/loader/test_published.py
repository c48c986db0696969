"""Publication dates: from the journal's sources to documents.published and to the
on-time judgement of ``report_coverage``.

DATA is built through the real Archive and Journal (``record_fetches``); every report is
first seen long after its deadline, as when the archive starts, so only a date the
portal gave can show it on time.
"""

from __future__ import annotations

import sqlite3

import pytest

from loader import load
from loader.loader import open_db
from tests.support import fixture_files, record_fetches, sha256_of
from tests.support import reports_tuples as rows

PORTALS = [
    {"id": "dept", "start_urls": ["http://dept.test/"], "kind": "department"},
    {"id": "gov", "start_urls": ["http://gov.test/"], "kind": "government"},
]


def fixture(name: str) -> dict:
    return next(f for f in fixture_files() if f["file"] == name)


@pytest.fixture(scope="module")
def dated_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("dated")
    tiantan, qingxi, dhsjj = fixture("tiantan-2023.docx"), fixture("qingxi-zjj-2020.docx"), fixture("dhsjj-2022.docx")
    jiaodaokou, tapu = fixture("jiaodaokou-2023.docx"), fixture("tapu-2024.docx")

    def fetch(report, portal, url, at, published=None, published_from=None):
        return {"body": report["path"].read_bytes(), "portal": portal, "url": f"http://{portal}.test/{url}",
                "fetched_at": at, "published": published, "published_from": published_from}

    record_fetches(data, [
        # 2023, department, deadline 2024-01-31: three sources, the earliest date wins, a tie to the page.
        fetch(tiantan, "dept", "ndbg/tiantan.docx", "2024-06-01T08:00:00+00:00", "2024-01-26", "listing"),
        fetch(tiantan, "dept", "202401/P020240120.docx", "2024-06-01T08:01:00+00:00", "2024-01-20", "url"),
        fetch(tiantan, "dept", "art/tiantan.docx", "2024-06-01T08:02:00+00:00", "2024-01-20", "page"),
        # 2020, no date anywhere: judged by the first sighting, and says so.
        fetch(qingxi, "dept", "ndbg/qingxi.docx", "2024-06-01T09:00:00+00:00"),
        # 2022, published after its deadline of 2023-01-31.
        fetch(dhsjj, "dept", "ndbg/dhsjj.docx", "2024-06-01T10:00:00+00:00", "2023-03-01", "listing"),
        # 2023, government: a "publication" in the report year itself cannot be this report's.
        fetch(jiaodaokou, "gov", "ndbg/jiaodaokou.docx", "2024-06-01T11:00:00+00:00", "2023-06-01", "meta"),
        # 2024, government, deadline 2025-03-31: the portal's date is later than our own sighting.
        fetch(tapu, "gov", "ndbg/tapu.docx", "2025-02-01T12:00:00+00:00", "2025-03-05", "page"),
    ], portals=PORTALS)
    load(data, workers=2)
    return data


def sha(name: str) -> str:
    return sha256_of(fixture(name)["path"])


def test_documents_take_the_earliest_date_of_their_sources(dated_data):
    published = {sha: (day, source) for sha, day, source in rows(dated_data, "select sha256, published, published_from from documents")}
    assert published == {
        sha("tiantan-2023.docx"): ("2024-01-20", "page"),
        sha("qingxi-zjj-2020.docx"): (None, None),
        sha("dhsjj-2022.docx"): ("2023-03-01", "listing"),
        sha("jiaodaokou-2023.docx"): ("2023-06-01", "meta"),
        sha("tapu-2024.docx"): ("2025-03-05", "page"),
    }


def test_coverage_judges_on_time_by_the_publication_date(dated_data):
    coverage = {
        (portal, year): rest for portal, year, *rest in rows(
            dated_data,
            "select portal, year, deadline, first_seen, published, judged_on, judged_by, status from report_coverage "
            "where reports > 0")
    }
    assert coverage == {
        # published before the deadline, first crawled after it: on time
        ("dept", 2023): ["2024-01-31", "2024-06-01T08:00:00+00:00", "2024-01-20", "2024-01-20", "published", "ok"],
        ("dept", 2020): ["2021-01-31", "2024-06-01T09:00:00+00:00", None, "2024-06-01", "first_seen (fallback)", "late"],
        ("dept", 2022): ["2023-01-31", "2024-06-01T10:00:00+00:00", "2023-03-01", "2023-03-01", "published", "late"],
        ("gov", 2023): ["2024-03-31", "2024-06-01T11:00:00+00:00", None, "2024-06-01", "first_seen (fallback)", "late"],
        ("gov", 2024): ["2025-03-31", "2025-02-01T12:00:00+00:00", "2025-03-05", "2025-02-01", "first_seen", "ok"],
    }
    missing = rows(dated_data, "select judged_by, judged_on, status from report_coverage where reports = 0")
    assert missing and set(missing) == {(None, None, "missing")}


def test_a_later_source_with_an_earlier_date_moves_the_documents_date(tmp_path):
    """Loading again changes nothing; a new source giving an earlier date moves the document's
    date (and here makes it on time)."""
    body = fixture("dhsjj-2022.docx")["path"].read_bytes()
    first = {"body": body, "portal": "dept", "url": "http://dept.test/ndbg/dhsjj.docx",
             "fetched_at": "2024-06-01T10:00:00+00:00", "published": "2023-03-01", "published_from": "listing"}
    record_fetches(tmp_path, [first], portals=PORTALS)
    load(tmp_path)
    load(tmp_path)
    assert rows(tmp_path, "select published, published_from from documents") == [("2023-03-01", "listing")]
    assert rows(tmp_path, "select status from report_coverage where year = 2022 and portal = 'dept'") == [("late",)]
    record_fetches(tmp_path, [{**first, "url": "http://dept.test/old/dhsjj.docx", "fetched_at": "2024-07-01T00:00:00+00:00",
                               "published": "2023-01-15", "published_from": "url"}], portals=PORTALS)
    summary = load(tmp_path)
    assert (summary.sources_added, summary.extracted) == (1, 0)
    assert rows(tmp_path, "select published, published_from, first_seen from documents") == [
        ("2023-01-15", "url", "2024-06-01T10:00:00+00:00")]
    assert rows(tmp_path, "select judged_by, status from report_coverage where year = 2022 and portal = 'dept'") == [
        ("published", "ok")]


def test_an_older_reports_db_gets_the_columns_and_the_new_view(tmp_path):
    conn = sqlite3.connect(tmp_path / "reports.db")
    conn.executescript(
        "create table documents (sha256 text primary key, title text, year integer, first_seen text, portal text);"
        "create table sources (id integer primary key, portal text, url text, sha256 text, fetched_at text);"
        "create view report_coverage as select portal, 'late' as status from sources;"
    )
    conn.close()
    db = open_db(tmp_path / "reports.db")
    try:
        assert {"published", "published_from"} <= set(db["documents"].columns_dict)
        assert {"published", "published_from"} <= set(db["sources"].columns_dict)
        assert {"published", "judged_on", "judged_by", "status"} <= {c.name for c in db["report_coverage"].columns}
    finally:
        db.conn.close()
