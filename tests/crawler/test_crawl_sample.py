"""Crawl the bundled sample portal for real: Scrapy engine, HTTP server on 127.0.0.1, no mocks.

Each crawl is a ``nianbao crawl`` subprocess, as a user runs it. One module fixture
runs three crawls of a copy of the site: the first finds everything, the second
must be all 304s, and before the third one report's bytes change on the server.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nianbao.demo import SAMPLE_SITE, PortalServer
from tests.support import ROOT, crawl, journal_rows, sha256_of

SITE = SAMPLE_SITE


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SITE / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory, manifest):
    """Three crawls of a private copy of the sample site, with the server's request log of each."""
    root = tmp_path_factory.mktemp("crawl")
    site = root / "site"
    shutil.copytree(SITE, site)
    data = root / "data"
    result = {"data": data, "site": site}
    with PortalServer(site) as server:
        portals = [
            {"id": "sample", "name": "示例区人民政府", "start_urls": [server.url]},
            {"id": "refused", "name": "拒绝连接", "start_urls": ["http://127.0.0.1:1/"]},
            {"id": "nodns", "name": "无法解析", "start_urls": ["http://nonexistent.invalid/"]},
        ]
        result["first"] = crawl(portals, data)
        result["first_log"] = list(server.requests)
        server.clear_log()

        result["second"] = crawl(portals[:1], data)
        result["second_log"] = list(server.requests)
        server.clear_log()

        # One plain-URL report gets new bytes on the server.
        target = next(r for r in manifest["reports"] if r["url"].startswith("/uploads/"))
        path = site / target["url"].lstrip("/")
        old = path.read_bytes()
        path.write_bytes(old + b"\n%% revised by the portal\n")
        result["changed_url"] = server.url.rstrip("/") + target["url"]
        result["old_sha"], result["new_sha"] = sha256_of(old), sha256_of(path.read_bytes())
        result["third"] = crawl(portals[:1], data)
        result["third_log"] = list(server.requests)
        result["base"] = server.url.rstrip("/")
    return result


def test_sample_site_is_in_sync_with_the_report_fixtures(manifest):
    for report in manifest["reports"]:
        on_disk = sha256_of(ROOT / report["file"])
        assert report["sha256"] == on_disk, f"{report['file']} changed: rerun python fixtures/build_portals.py"


def test_every_report_found_with_the_bytes_on_disk(runs, manifest):
    fetched = journal_rows(runs["data"], "select url, sha256, outcome from sources where crawl_id = ?", [runs["first"]["crawl_id"]])
    by_url = {row["url"]: row["sha256"] for row in fetched}
    for report in manifest["reports"]:
        url = runs["base"] + report["url"]
        assert url in by_url, f"report not found: {report['title']} at {report['url']}"
        assert by_url[url] == report["sha256"]
    expected = {r["sha256"] for r in manifest["reports"]}
    assert {row["sha256"] for row in fetched} == expected  # precision: nothing else archived
    assert runs["first"]["per_portal"]["sample"]["status"] == "ok"
    assert all(row["outcome"] == "new" for row in fetched)


def test_download_endpoint_names_come_from_content_disposition(runs, manifest):
    fetched = {
        row["url"]: row
        for row in journal_rows(runs["data"], "select url, filename, link_text, page_title from sources where crawl_id = ?",
                        [runs["first"]["crawl_id"]])
    }
    endpoints = [r for r in manifest["reports"] if r["style"] in ("downfile", "gbk_download")]
    assert {r["style"] for r in endpoints} == {"downfile", "gbk_download"}
    for report in endpoints:
        row = fetched[runs["base"] + report["url"]]
        assert row["filename"] == report["title"] + Path(report["file"]).suffix  # RFC 5987 and raw GBK
        assert row["page_title"] == report["title"]  # the evidence: the detail page's heading


def test_archive_holds_exactly_the_reports(runs, manifest):
    archived = {path.name[:64] for path in (runs["data"] / "archive").glob("*/*/*") if path.is_file()}
    assert {r["sha256"] for r in manifest["reports"]} <= archived


def test_no_non_report_and_no_robots_disallowed_path_requested(runs, manifest):
    requested = {entry["path"] for entry in runs["first_log"]}
    for path in manifest["non_reports"]:
        assert path not in requested, f"non-report downloaded: {path}"
    for path in manifest["robots_disallowed"]:
        assert path not in requested
    assert "/robots.txt" in requested
    assert all(entry["headers"].get("User-Agent", "").startswith("nianbao/") for entry in runs["first_log"])


def test_404_soft_404_and_robots_are_journalled_errors(runs, manifest):
    errors = {
        row["url"]: row["kind"]
        for row in journal_rows(runs["data"], "select url, kind from fetch_errors where crawl_id = ?", [runs["first"]["crawl_id"]])
    }
    for path in manifest["http_404"]:
        assert errors[runs["base"] + path] == "http_404"
    for path in manifest["soft_404"]:
        assert errors[runs["base"] + path] == "soft_404"
    for path in manifest["robots_disallowed"]:
        assert errors[runs["base"] + path] == "robots"


def test_unreachable_portals_fail_and_the_run_completes(runs):
    first = runs["first"]
    assert first["portals"] == 3 and first["portals_failed"] == 2
    assert first["per_portal"]["refused"]["status"] == "failed"
    assert first["per_portal"]["refused"]["errors_by_kind"] == {"connection": 1}
    assert first["per_portal"]["nodns"]["status"] == "failed"
    assert "dns" in first["per_portal"]["nodns"]["reason"]
    portal_rows = {r["portal"]: r for r in journal_rows(runs["data"], "select * from portal_runs where crawl_id = ?", [first["crawl_id"]])}
    assert portal_rows["nodns"]["status"] == "failed" and portal_rows["sample"]["status"] == "ok"
    (crawl,) = journal_rows(runs["data"], "select * from crawls where id = ?", [first["crawl_id"]])
    assert crawl["status"] == "finished" and crawl["portals_failed"] == 2


def test_same_bytes_from_two_urls_are_one_object_two_fetches(runs, manifest):
    for duplicate in manifest["duplicates"]:
        fetches = journal_rows(
            runs["data"],
            "select url from sources where sha256 = ? and crawl_id = ?",
            [duplicate["sha256"], runs["first"]["crawl_id"]],
        )
        assert len({row["url"] for row in fetches}) >= 2
        assert len(list((runs["data"] / "archive").glob(f"*/*/{duplicate['sha256']}*"))) == 1


def test_recrawl_transfers_no_document_body(runs, manifest):
    second = runs["second"]
    report_count = len(manifest["reports"]) + len(manifest["duplicates"])
    assert second["unchanged"] == report_count and second["new"] == 0 and second["changed"] == 0
    documents = {r["url"] for r in manifest["reports"]} | {d["url"] for d in manifest["duplicates"]}
    for entry in runs["second_log"]:
        if entry["path"] in documents:
            # A report behind a redirect answers 302 (no body), then 304 where it really is.
            assert entry["status"] in (302, 304) and entry["bytes"] == 0
            assert "If-None-Match" in entry["headers"]
    assert second["bytes_downloaded"] == 0


def test_changed_bytes_make_a_second_object_and_keep_the_old(runs):
    fetched = journal_rows(
        runs["data"], "select url, sha256, outcome from sources where crawl_id = ?", [runs["third"]["crawl_id"]]
    )
    outcomes = {row["url"]: (row["outcome"], row["sha256"]) for row in fetched}
    assert outcomes[runs["changed_url"]] == ("changed", runs["new_sha"])
    assert runs["third"]["changed"] == 1
    archive = runs["data"] / "archive"
    assert list(archive.glob(f"*/*/{runs['old_sha']}*")) and list(archive.glob(f"*/*/{runs['new_sha']}*"))


@pytest.mark.browser
def test_render_portal_goes_through_chromium(tmp_path, manifest):
    from crawler.settings import find_chromium

    if not find_chromium():
        pytest.skip("no chromium")
    from archive import webpage

    with PortalServer(SITE) as server:
        summary = crawl([{"id": "rendered", "start_urls": [server.url], "render": True}], tmp_path / "data")
        base = server.url.rstrip("/")
    # A web-page report is kept as the browser rendered it: other bytes, the same report.
    pages = {base + r["url"]: r for r in manifest["reports"] if r["style"] == "page"}
    assert pages
    expected = {r["sha256"] for r in manifest["reports"] if r["style"] != "page"}
    rows = journal_rows(tmp_path / "data", "select url, sha256, content_key from sources")
    assert {row["sha256"] for row in rows if row["url"] not in pages} == expected
    for url, report in pages.items():
        (row,) = [row for row in rows if row["url"] == url]
        served = (SITE / report["url"].lstrip("/")).read_bytes()
        assert row["content_key"] == webpage.article(webpage.parse(served)).content_key
    assert summary["per_portal"]["rendered"]["status"] == "ok"


