"""The loader builds reports.db from an archive and a journal; Datasette publishes it.

DATA is assembled here through the real Archive and Journal APIs (no crawler), so
these tests pin the loader's and the plugin's contracts on their own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from datasette.app import Datasette

from archive import Archive
from crawler.journal import Journal
from extractors import EXTRACTOR_VERSION
from nianbao.loader import load

from .conftest import REPORTS, ROOT


def expected_reports() -> list[dict]:
    found = []
    for path in sorted(REPORTS.glob("*.expected.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        if expected.get("is_report"):
            expected["path"] = REPORTS / expected["file"]
            found.append(expected)
    return found


def fixture(name: str) -> dict:
    expected = json.loads((REPORTS / f"{name}.expected.json").read_text(encoding="utf-8"))
    expected["path"] = REPORTS / name
    return expected


class DataDir(type(Path())):
    """A DATA path that also carries the fixtures it was built from."""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """DATA with two reports (one fetched from two URLs), a broken file and a 404."""
    data = DataDir(tmp_path_factory.mktemp("data"))
    archive = Archive(data / "archive")
    journal = Journal(data / "journal.db")
    crawl = journal.begin_crawl("test.yml", ["p"])
    tiantan = fixture("tiantan-2023.docx")
    busy = next(e for e in expected_reports() if e["format"] == "pdf" and e.get("consistent") is True
                and any(v not in (0, None) for v in e["stats"].values()))
    files = [
        (tiantan["path"].read_bytes(), "http://p.test/ndbg/天坛2023.docx", "天坛街道2023年年报"),
        (tiantan["path"].read_bytes(), "http://p.test/mirror/report.docx", "附件1"),
        (busy["path"].read_bytes(), "http://p.test/ndbg/busy.pdf", busy["title"]),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog", "http://p.test/ndbg/broken.pdf", "某某2022年政府信息公开工作年度报告"),
    ]
    for body, url, link_text in files:
        stored = archive.put_bytes(body, filename=url)
        journal.record_fetch(
            crawl_id=crawl, portal="p", url=url, final_url=url, page_url="http://p.test/ndbg/",
            link_text=link_text, sha256=stored.sha256, outcome="new" if stored.created else "unchanged",
            http_status=200, content_type="application/octet-stream", size=len(body),
        )
    journal.record_error(crawl_id=crawl, portal="p", url="http://p.test/gone.pdf", kind="http_404", reason="HTTP 404", http_status=404)
    journal.finish_crawl(crawl, "completed", {"reports_found": 4, "new": 3, "unchanged": 1, "errors": 1})
    journal.close()
    summary = load(data)
    assert summary.extracted == 3 and summary.sources_added == 4
    data.tiantan, data.busy = tiantan, busy
    return data


def rows(data_dir: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(data_dir / "reports.db")
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_documents_sources_errors_and_crawls(data_dir):
    tiantan_sha = hashlib.sha256(data_dir.tiantan["path"].read_bytes()).hexdigest()
    assert rows(data_dir, "select count(*) from documents") == [(3,)]
    assert rows(data_dir, "select count(*) from sources where sha256 = ?", [tiantan_sha]) == [(2,)]
    (document,) = rows(
        data_dir,
        "select format, year, agency, consistent, extract_error, original, portal, extractor_version from documents where sha256 = ?",
        [tiantan_sha],
    )
    assert document == (
        "docx", data_dir.tiantan["year"], data_dir.tiantan["agency"],
        int(data_dir.tiantan["consistent"]), None, f"/-/files/{tiantan_sha}", "p", EXTRACTOR_VERSION,
    )
    (broken,) = rows(data_dir, "select format, extract_error, title from documents where url like '%broken.pdf'")
    assert broken[0] == "pdf" and broken[1]
    assert broken[2] == "某某2022年政府信息公开工作年度报告"  # falls back to the link text
    assert rows(data_dir, "select kind, url from fetch_errors") == [("http_404", "http://p.test/gone.pdf")]
    assert rows(data_dir, "select status, reports_found from crawls") == [("completed", 4)]


def test_report_stats_match_ground_truth(data_dir):
    for expected in (data_dir.tiantan, data_dir.busy):
        sha = hashlib.sha256(expected["path"].read_bytes()).hexdigest()
        got = {
            f"{section}.{item}.{measure}": value
            for section, item, measure, value in rows(
                data_dir, "select section, item, measure, value from report_stats where sha256 = ?", [sha]
            )
        }
        assert got == expected["stats"], expected["file"]


def test_loading_again_changes_nothing(data_dir):
    def snapshot():
        conn = sqlite3.connect(data_dir / "reports.db")
        try:
            return "\n".join(
                line for line in conn.iterdump() if "extracted_at" not in line and "nianbao_meta" not in line
            )
        finally:
            conn.close()

    before = snapshot()
    summary = load(data_dir)
    assert (summary.sources_added, summary.extracted) == (0, 0)
    assert snapshot() == before


def test_new_extractor_version_reextracts_and_keeps_search_consistent(data_dir):
    conn = sqlite3.connect(data_dir / "reports.db")
    with conn:
        conn.execute("update documents set extractor_version = 'old'")
    conn.close()
    summary = load(data_dir)
    assert summary.extracted == 3
    assert rows(data_dir, "select distinct extractor_version from documents") == [(EXTRACTOR_VERSION,)]
    assert len(search_rowids(data_dir, "年度报告")) == 3


def search_rowids(data_dir, query):
    from nianbao.search import fts_query

    return rows(data_dir, "select rowid from documents_fts where documents_fts match ?", [fts_query(query)])


def datasette(data_dir: Path) -> Datasette:
    metadata = yaml.safe_load((ROOT / "datasette-metadata.yml").read_text(encoding="utf-8"))
    return Datasette([str(data_dir / "reports.db")], metadata=metadata)


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


@pytest.mark.parametrize("query", ["复议", "诉", "行政处罚", "年度报告"])
def test_table_search_through_datasette(data_dir, query):
    response = get(datasette(data_dir), f"/reports/documents.json?_search={quote(query)}&_shape=objects")
    assert response.status_code == 200
    titles = {row["sha256"] for row in response.json()["rows"]}
    expected = {
        sha for (sha,) in rows(data_dir, "select sha256 from documents where text like ? or title like ?",
                               [f"%{query}%", f"%{query}%"])
    }
    assert expected and titles == expected


def test_search_box_is_offered_and_escapes_fts_syntax(data_dir):
    ds = datasette(data_dir)
    page = get(ds, "/reports/documents")
    assert page.status_code == 200 and 'name="_search"' in page.text
    response = get(ds, "/reports/documents.json?_search=" + quote('NEAR( "复议" OR'))
    assert response.status_code == 200


def test_originals_are_served_with_type_and_chinese_file_name(data_dir):
    ds = datasette(data_dir)
    sha = hashlib.sha256(data_dir.tiantan["path"].read_bytes()).hexdigest()
    response = get(ds, f"/-/files/{sha}")
    assert response.status_code == 200
    assert response.content == data_dir.tiantan["path"].read_bytes()
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "filename*=UTF-8''" + quote("天坛2023.docx") in response.headers["content-disposition"]
    download = get(ds, f"/-/files/{sha}?download=1")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert get(ds, "/-/files/" + "0" * 64).status_code == 404
    assert get(ds, "/-/files/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_document_rows_link_to_their_original(data_dir):
    sha = hashlib.sha256(data_dir.tiantan["path"].read_bytes()).hexdigest()
    page = get(datasette(data_dir), f"/reports/documents/{sha}")
    assert page.status_code == 200
    assert f'href="/-/files/{sha}"' in page.text


def test_a_later_fetch_updates_only_its_document(data_dir):
    tiantan_sha = hashlib.sha256(data_dir.tiantan["path"].read_bytes()).hexdigest()
    before = dict(rows(data_dir, "select sha256, first_seen || '|' || last_seen from documents"))
    journal = Journal(data_dir / "journal.db")
    crawl = journal.begin_crawl("test.yml", ["p"])
    journal.record_fetch(
        crawl_id=crawl, portal="p", url="http://p.test/ndbg/天坛2023.docx", sha256=tiantan_sha,
        outcome="unchanged", http_status=304, fetched_at="2099-01-01T00:00:00+00:00",
    )
    journal.finish_crawl(crawl, "completed", {"reports_found": 1, "unchanged": 1})
    journal.close()
    summary = load(data_dir)
    assert (summary.sources_added, summary.extracted) == (1, 0)
    after = dict(rows(data_dir, "select sha256, first_seen || '|' || last_seen from documents"))
    first_seen = before[tiantan_sha].split("|")[0]
    assert after.pop(tiantan_sha) == f"{first_seen}|2099-01-01T00:00:00+00:00"
    assert after == {sha: value for sha, value in before.items() if sha != tiantan_sha}
