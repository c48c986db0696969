"""Crawl the bundled sample portal for real: Scrapy engine, HTTP server on 127.0.0.1, no mocks.

Each crawl runs in a subprocess (``python -m crawler``) because Twisted's reactor
cannot restart. One module fixture runs three crawls of a copy of the site:
the first finds everything, the second must be all 304s, and before the third
one report's bytes change on the server.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nianbao.portalserver import PortalServer, fixtures_dir

ROOT = Path(__file__).resolve().parent.parent
SITE = fixtures_dir() / "portals" / "sample"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def crawl(portals: list[dict], data: Path) -> dict:
    """Run one crawl in a subprocess; return its summary."""
    config = data.parent / f"{data.name}-portals.yml"
    config.write_text(yaml.safe_dump({"portals": portals}, allow_unicode=True), encoding="utf-8")
    summary_path = data.parent / f"{data.name}-summary.json"
    finished = subprocess.run(
        [sys.executable, "-m", "crawler", str(config), "--data", str(data), "--fast", "--summary", str(summary_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(summary_path.read_text(encoding="utf-8"))


def rows(data: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(f"file:{data / 'journal.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


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
        on_disk = sha256_of((ROOT / report["file"]).read_bytes())
        assert report["sha256"] == on_disk, f"{report['file']} changed: rerun python fixtures/build_portals.py"


def test_every_report_found_with_the_bytes_on_disk(runs, manifest):
    fetched = rows(runs["data"], "select url, sha256, outcome from fetches where crawl_id = ?", [runs["first"]["crawl_id"]])
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
        for row in rows(runs["data"], "select url, filename, link_text, page_title from fetches where crawl_id = ?",
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
        for row in rows(runs["data"], "select url, kind from fetch_errors where crawl_id = ?", [runs["first"]["crawl_id"]])
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
    portal_rows = {r["portal"]: r for r in rows(runs["data"], "select * from portal_runs where crawl_id = ?", [first["crawl_id"]])}
    assert portal_rows["nodns"]["status"] == "failed" and portal_rows["sample"]["status"] == "ok"
    (crawl,) = rows(runs["data"], "select * from crawls where id = ?", [first["crawl_id"]])
    assert crawl["status"] == "finished" and crawl["portals_failed"] == 2


def test_same_bytes_from_two_urls_are_one_object_two_fetches(runs, manifest):
    for duplicate in manifest["duplicates"]:
        fetches = rows(
            runs["data"],
            "select url from fetches where sha256 = ? and crawl_id = ?",
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
    fetched = rows(
        runs["data"], "select url, sha256, outcome from fetches where crawl_id = ?", [runs["third"]["crawl_id"]]
    )
    outcomes = {row["url"]: (row["outcome"], row["sha256"]) for row in fetched}
    assert outcomes[runs["changed_url"]] == ("changed", runs["new_sha"])
    assert runs["third"]["changed"] == 1
    archive = runs["data"] / "archive"
    assert list(archive.glob(f"*/*/{runs['old_sha']}*")) and list(archive.glob(f"*/*/{runs['new_sha']}*"))


# --- small purpose-built portals ---------------------------------------------------------------

GBK_HOME = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>政府信息公开_某县人民政府</title></head><body>
<a href="/ndbg/2023.pdf">某县2023年政府信息公开工作年度报告</a>
<a href="/gzyd.pdf">某县2024年政务公开工作要点</a></body></html>"""
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_gbk_portal_blocked_portal_and_empty_portal(tmp_path):
    gbk = tmp_path / "gbk"
    (gbk / "ndbg").mkdir(parents=True)
    (gbk / "index.html").write_bytes(GBK_HOME.encode("gbk"))
    (gbk / "ndbg" / "2023.pdf").write_bytes(PDF)
    (gbk / "gzyd.pdf").write_bytes(PDF + b"plan")
    walled = tmp_path / "walled"
    walled.mkdir()
    (walled / "index.html").write_text("<a href='/xxgk/'>政府信息公开</a>", encoding="utf-8")
    (walled / "_site.yml").write_text("blocked: [/]\n", encoding="utf-8")
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "index.html").write_text("<p>欢迎访问</p><a href='/news/'>新闻动态</a>", encoding="utf-8")
    with PortalServer(gbk) as one, PortalServer(walled) as two, PortalServer(bare) as three:
        summary = crawl(
            [
                {"id": "gbk", "start_urls": [one.url]},
                {"id": "walled", "start_urls": [two.url]},
                {"id": "bare", "start_urls": [three.url]},
            ],
            tmp_path / "data",
        )
        assert summary["per_portal"]["gbk"]["reports_found"] == 1
        assert "/gzyd.pdf" not in one.requested_paths()
        walled_paths = two.requested_paths()
    assert summary["per_portal"]["walled"]["status"] == "blocked"
    assert summary["per_portal"]["walled"]["errors_by_kind"] == {"blocked": 1}
    assert walled_paths.count("/") == 1  # a wall is not retried
    assert summary["per_portal"]["bare"]["status"] == "empty"
    assert summary["portals_empty"] == 1 and summary["portals_failed"] == 1
    (fetch,) = rows(tmp_path / "data", "select link_text, page_title from fetches")
    assert fetch["link_text"] == "某县2023年政府信息公开工作年度报告"
    assert fetch["page_title"] == "政府信息公开"


def test_5xx_is_retried_with_retry_after_and_a_timeout_is_a_failure(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<a href='/xxgk/'>政府信息公开</a>", encoding="utf-8")
    (site / "_site.yml").write_text(
        "status: {/: 503}\nheaders: {/: {Retry-After: '1'}}\ndelay: {/slow/: 3}\n", encoding="utf-8"
    )
    with PortalServer(site) as server:
        config = tmp_path / "portals.yml"
        config.write_text(
            yaml.safe_dump(
                {"portals": [{"id": "busy", "start_urls": [server.url]}, {"id": "slow", "start_urls": [server.url + "slow/"]}]}
            ),
            encoding="utf-8",
        )
        summary_path = tmp_path / "summary.json"
        finished = subprocess.run(
            [
                sys.executable, "-m", "crawler", str(config), "--data", str(tmp_path / "data"), "--fast",
                "--set", "RETRY_TIMES=2", "--set", "DOWNLOAD_TIMEOUT=1", "--summary", str(summary_path),
            ],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )
        assert finished.returncode == 0, finished.stderr[-2000:]
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        log = [(entry["path"], entry["status"]) for entry in server.requests]
    assert log.count(("/", 503)) == 3  # first try + RETRY_TIMES
    assert summary["per_portal"]["busy"]["status"] == "failed"
    assert summary["per_portal"]["busy"]["errors_by_kind"] == {"http_5xx": 1}
    assert summary["per_portal"]["slow"]["status"] == "failed"
    assert summary["per_portal"]["slow"]["errors_by_kind"] == {"timeout": 1}


@pytest.mark.browser
def test_render_portal_goes_through_chromium(tmp_path, manifest):
    from crawler.settings import find_chromium

    if not find_chromium():
        pytest.skip("no chromium")
    with PortalServer(SITE) as server:
        summary = crawl([{"id": "rendered", "start_urls": [server.url], "render": True}], tmp_path / "data")
    expected = {r["sha256"] for r in manifest["reports"]}
    found = {row["sha256"] for row in rows(tmp_path / "data", "select sha256 from fetches")}
    assert found == expected
    assert summary["per_portal"]["rendered"]["status"] == "ok"


def test_legacy_portal_gbk_iframe_scripted_pager(tmp_path):
    site = fixtures_dir() / "portals" / "legacy"
    manifest = json.loads((site / "_manifest.json").read_text(encoding="utf-8"))
    with PortalServer(site) as server:
        summary = crawl([{"id": "legacy", "start_urls": [server.url]}], tmp_path / "data")
        requested = set(server.requested_paths())
    found = {row["url"]: row for row in rows(tmp_path / "data", "select url, sha256, page_title from fetches")}
    for report in manifest["reports"]:
        row = found[server.url.rstrip("/") + report["url"]]
        assert row["sha256"] == report["sha256"]
        assert row["page_title"] == report["title"]  # decoded from GBK, site suffix stripped
    assert len(found) == len(manifest["reports"])
    assert not set(manifest["non_reports"]) & requested
    assert "/zwgk/nb/list_1.htm" in requested
    assert summary["per_portal"]["legacy"]["status"] == "ok"
