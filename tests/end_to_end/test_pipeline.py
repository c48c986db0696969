"""End to end: the real pipeline over the bundled sample portal served on 127.0.0.1.

`nianbao crawl` runs as a user runs it (a subprocess, real Scrapy engine, real HTTP
server), then the tests look at DATA as a user would: reports.db, the archive,
`nianbao verify`, and a live `nianbao serve`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from nianbao.demo import SAMPLE_SITE, PortalServer
from tests.support import NIANBAO, free_port, ground_truth, sha256_of, write_portals

SITE = SAMPLE_SITE
pytestmark = pytest.mark.slow


def crawl(config: Path, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NIANBAO), "crawl", str(config), "--data", str(data), "--no-throttle"],
        capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SITE / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def portal():
    with PortalServer(SITE) as server:
        yield server


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, portal):
    """DATA after one crawl of the sample portal plus one portal that cannot be reached."""
    data = tmp_path_factory.mktemp("e2e") / "data"
    config = write_portals(data.parent / "portals.yml", [
        {"id": "sample", "name": "示例区人民政府", "start_urls": [portal.url]},
        {"id": "unreachable", "name": "不可达门户", "start_urls": ["http://127.0.0.1:1/xxgk/"]},
    ])
    started = time.monotonic()
    finished = crawl(config, data)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return {"data": data, "config": config, "stdout": finished.stdout, "seconds": time.monotonic() - started}


def query(data: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{data / 'reports.db'}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_summary_line_names_every_count(crawled):
    summary = crawled["stdout"]
    for words in ("portals", "pages fetched", "reports found", "new", "unchanged", "changed", "errors"):
        assert words in summary
    assert "unreachable: FAILED" in summary


def test_every_report_found_and_nothing_else(crawled, manifest, portal):
    data = crawled["data"]
    expected = {report["sha256"] for report in manifest["reports"]}
    archived = {sha for (sha,) in query(data, "select sha256 from documents")}
    assert archived == expected
    fetched_urls = {url for (url,) in query(data, "select url from sources")}
    for path in manifest["non_reports"]:
        assert portal.url.rstrip("/") + path not in fetched_urls
    requested = set(portal.requested_paths())
    for path in manifest["robots_disallowed"]:
        assert path not in requested


def test_archived_bytes_are_the_served_bytes(crawled, manifest):
    archive = crawled["data"] / "archive"
    for report in manifest["reports"]:
        (path,) = archive.glob(f"*/*/{report['sha256']}*")
        assert sha256_of(path) == report["sha256"]
        served = SITE / report["url"].lstrip("/") if not report["url"].startswith("/down") else None
        if served is not None and served.exists():
            assert sha256_of(served) == report["sha256"]


def test_same_report_from_two_urls_is_one_document_two_sources(crawled, manifest, portal):
    for duplicate in manifest["duplicates"]:
        urls = {url for (url,) in query(crawled["data"], "select url from sources where sha256 = ?", [duplicate["sha256"]])}
        assert portal.url.rstrip("/") + duplicate["url"] in urls
        assert len(urls) >= 2


def test_404_and_soft_404_are_errors_not_reports(crawled, manifest, portal):
    errors = dict(query(crawled["data"], "select url, kind from fetch_errors where portal = 'sample'"))
    base = portal.url.rstrip("/")
    for path in manifest["http_404"]:
        assert errors[base + path] == "http_404"
    for path in manifest["soft_404"]:
        assert errors[base + path] == "soft_404"
    (status,) = query(crawled["data"], "select status from portal_runs where portal = 'unreachable'")
    assert status == ("failed",)


def test_report_figures_are_right(crawled):
    data = crawled["data"]
    truth = ground_truth()
    documents = query(data, "select sha256, year, consistent, ocr from documents")
    assert documents and any(ocr for *_, ocr in documents)
    for sha, year, consistent, ocr in documents:
        expected = truth[sha]
        got = {
            f"{section}.{item}.{measure}": value
            for section, item, measure, value in query(
                data, "select section, item, measure, value from report_stats where sha256 = ?", [sha]
            )
        }
        assert year == expected["year"]
        if ocr:  # a scan: no figure wrong; one OCR is unsure of is null (and then nothing is "consistent")
            assert all(value is None or value == expected["stats"][key] for key, value in got.items()), expected["file"]
            assert sum(got.get(key) == value for key, value in expected["stats"].items()) >= 0.99 * len(expected["stats"])
            assert consistent in (None, int(expected["consistent"]))
            continue
        assert got == expected["stats"], expected["file"]
        assert consistent == (None if expected["consistent"] is None else int(expected["consistent"]))


@pytest.mark.parametrize(
    "agency_like,year,item,measure,value",
    [
        ("%天坛%", 2023, "penalty", "decisions", 31),
        ("%天坛%", 2023, "received", "natural_person", 6),
        ("%交道口%", 2023, "penalty", "decisions", 850),
        ("%交道口%", 2023, "partially_granted", "total", 2),
    ],
)
def test_seed_figures_named_in_the_issue(crawled, agency_like, year, item, measure, value):
    values = query(
        crawled["data"],
        "select distinct s.value from report_stats s join documents d using (sha256) "
        "where d.title like ? and d.year = ? and s.item = ? and s.measure = ?",
        [agency_like, year, item, measure],
    )
    assert values == [(value,)]


def test_live_datasette_serves_search_and_originals(crawled, manifest):
    port = free_port()
    server = subprocess.Popen(
        [str(NIANBAO), "serve", str(crawled["data"]), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        found = httpx.get(base + "/reports/documents.json", params={"_search": "行政处罚", "_shape": "objects"}).json()
        hits = {row["sha256"] for row in found["rows"]}
        holding = {sha for (sha,) in query(crawled["data"], "select sha256 from documents where text like '%行政处罚%'")}
        assert holding and hits == holding
        report = manifest["reports"][0]
        original = httpx.get(f"{base}/-/files/{report['sha256']}")
        assert original.status_code == 200
        assert hashlib.sha256(original.content).hexdigest() == report["sha256"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_verify_passes_then_names_a_damaged_object(crawled, tmp_path):
    data = tmp_path / "copy"
    shutil.copytree(crawled["data"], data)
    ok = subprocess.run([str(NIANBAO), "verify", str(data)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout
    victim = next((data / "archive").glob("*/*/*"))
    victim.chmod(0o644)
    content = bytearray(victim.read_bytes())
    content[len(content) // 2] ^= 0xFF
    victim.write_bytes(bytes(content))
    bad = subprocess.run([str(NIANBAO), "verify", str(data)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert f"FAILED {victim.name[:64]}" in bad.stdout


def test_second_crawl_downloads_nothing_new(crawled, portal):
    data = crawled["data"]
    before = query(data, "select count(*) from documents")
    portal.clear_log()
    finished = crawl(crawled["config"], data)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert query(data, "select count(*) from documents") == before
    (latest,) = query(data, "select new, changed from crawls order by id desc limit 1")
    assert latest == (0, 0)
    outcomes = {outcome for (outcome,) in query(
        data, "select outcome from sources where crawl_id = (select max(id) from crawls)")}
    assert outcomes == {"unchanged"}


def test_every_kind_of_original_is_searchable_shown_counted_and_served(crawled, manifest):
    """One original of each kind the sample portal publishes (PDF, DOCX, a web page…): found by
    a search for its body's name, its report page, its coverage cell, its original."""
    from tests.support import serve_live

    data = crawled["data"]
    kinds = dict(query(data, "select format, min(sha256) from documents where title is not null group by format"))
    assert {"pdf", "docx", "html", "ofd"} <= set(kinds)
    (scan,) = query(data, "select min(sha256) from documents where ocr = 1 and title is not null")[0]
    kinds["scan"] = scan
    with serve_live(data) as base:
        for fmt, sha in kinds.items():
            title, agency, year = query(data, "select title, agency, year from documents where sha256 = ?", [sha])[0]
            found = httpx.get(base + "/reports/documents.json", trust_env=False,
                              params={"_search": agency, "_shape": "objects", "_size": "max"}).json()
            assert sha in {row["sha256"] for row in found["rows"]}, fmt
            page = httpx.get(f"{base}/-/reports/{sha}", trust_env=False)
            assert page.status_code == 200 and title in page.text and 'id="table-3"' in page.text, fmt
            original = httpx.get(f"{base}/-/files/{sha}", trust_env=False)
            assert original.status_code == 200 and sha256_of(original.content) == sha, fmt
        coverage = httpx.get(base + "/-/coverage", trust_env=False)
        assert coverage.status_code == 200
    counted = dict(query(data, "select year, reports from report_coverage where portal = 'sample'"))
    for fmt, sha in kinds.items():
        (year,) = query(data, "select year from documents where sha256 = ?", [sha])[0]
        assert counted[year] >= 1, fmt
