"""Crawl the Hanweb (大汉) fixture portal for real: jpage listings fed by dataproxy.jsp.

The 年报 columns hold their records only as CDATA in a ``<script type="text/xml">``
datastore, most of them served by POSTs to ``/module/web/jpage/dataproxy.jsp``;
the attachments sit behind downfile.jsp with the name only in Content-Disposition.
One crawl (a ``nianbao crawl`` subprocess) must find every
report file and nothing else, and must have asked dataproxy.jsp for the later records.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from nianbao.demo import PortalServer
from tests.support import ROOT, TEST_PORTALS, crawl, journal_rows, sha256_of

SITE = TEST_PORTALS / "hanweb"
PROXY = "/module/web/jpage/dataproxy.jsp"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SITE / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One crawl of the Hanweb site, with the server's request log."""
    root = tmp_path_factory.mktemp("hanweb")
    data = root / "data"
    with PortalServer(SITE) as server:
        summary = crawl([{"id": "hanweb", "name": "示例省人民政府", "start_urls": [server.url]}], data)
        log = list(server.requests)
        base = server.url.rstrip("/")
    fetched = journal_rows(data, "select url, sha256, filename, page_title from sources where crawl_id = ?", [summary["crawl_id"]])
    return {"summary": summary, "log": log, "base": base, "fetched": fetched, "data": data}


def test_hanweb_site_is_in_sync_with_the_report_fixtures(manifest):
    for report in manifest["reports"]:
        assert report["sha256"] == sha256_of(ROOT / report["file"]), "rerun fixtures/build_portals.py"
    assert manifest["dataproxy_only"], "the fixture must hold records only dataproxy.jsp serves"


def test_dataproxy_slices_the_column_by_get_and_post():
    """The server's dataproxy.jsp answers records startrecord…endrecord, fields in query or form body."""
    with PortalServer(SITE) as server:
        proxy = server.url.rstrip("/") + PROXY
        form = urlencode({"col": 1, "appid": 1, "webid": 3, "columnid": 1229, "unitid": 5432}).encode()
        with urllib.request.urlopen(proxy + "?startrecord=5&endrecord=8&perpage=2", data=form) as answer:
            posted = answer.read().decode("utf-8")
            assert answer.headers["Content-Type"].startswith("text/xml")
        with urllib.request.urlopen(proxy + "?columnid=1229&startrecord=1&endrecord=2") as answer:
            got = answer.read().decode("utf-8")
        with urllib.request.urlopen(proxy + "?columnid=9999&startrecord=1&endrecord=2") as answer:
            unknown = answer.read().decode("utf-8")
        deadline = time.monotonic() + 5
        while len(server.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # the server logs a request just after answering it
        methods = [entry["method"] for entry in server.requests]
    assert posted.count("<record>") == 3 and "<totalrecord>7</totalrecord>" in posted  # 7 records: 5, 6, 7
    assert got.count("<record>") == 2 and "art_1229_4000" in got
    assert unknown.count("<record>") == 0
    assert methods == ["POST", "GET", "GET"]


def test_listings_have_no_plain_links_to_records(manifest):
    for listing in manifest["listing_pages"]:
        text = (SITE / listing.lstrip("/")).read_text(encoding="utf-8")
        outside_scripts = text.split('<script type="text/xml">')[0] + text.split("</datastore></script>")[-1]
        assert "/art/" not in outside_scripts and "downfile.jsp" not in outside_scripts


def test_recall_and_precision_are_complete(run, manifest):
    found = {row["url"]: row["sha256"] for row in run["fetched"]}
    for report in manifest["reports"]:
        url = run["base"] + report["url"]
        assert found.get(url) == report["sha256"], f"report not found: {report['title']} at {report['url']}"
    assert {row["sha256"] for row in run["fetched"]} == {r["sha256"] for r in manifest["reports"]}  # precision
    assert len(run["fetched"]) == len(manifest["reports"])
    assert run["summary"]["per_portal"]["hanweb"]["status"] == "ok"


def test_no_non_report_requested(run, manifest):
    requested = {entry["path"] for entry in run["log"]}
    for path in manifest["non_reports"]:
        assert path not in requested, f"non-report downloaded: {path}"


def test_later_records_come_from_dataproxy(run, manifest):
    calls = [entry for entry in run["log"] if urlsplit(entry["path"]).path == PROXY]
    assert calls and all(entry["method"] == "POST" and entry["status"] == 200 for entry in calls)
    asked = {(int(q["startrecord"][0]), int(q["endrecord"][0])) for q in (parse_qs(urlsplit(e["path"]).query) for e in calls)}
    for column in manifest["jpage_columns"].values():
        # Every range after the embedded records; without totalRecord, until an answer runs short.
        starts = range(column["embedded"] + 1, column["records"] + (1 if column["total_in_page"] else 2), column["step"])
        expected = {(start, start + column["step"] - 1) for start in starts}
        assert len(expected) >= (1 if column["total_in_page"] else 2)
        assert expected <= asked, column["listing"]
    requested = [entry["path"] for entry in run["log"]]
    for detail in manifest["dataproxy_only"]:
        if detail.startswith("/art/"):
            assert detail in requested, f"dataproxy-only record not followed: {detail}"
            assert requested.index(detail) > min(requested.index(entry["path"]) for entry in calls)


def test_downfile_names_come_from_content_disposition(run, manifest):
    rows_by_url = {row["url"]: row for row in run["fetched"]}
    endpoints = [r for r in manifest["reports"] if r["style"] == "hanweb_downfile"]
    assert endpoints
    for report in endpoints:
        row = rows_by_url[run["base"] + report["url"]]
        assert row["filename"] == report["title"] + Path(report["file"]).suffix
        assert row["page_title"] == report["title"]


def test_requests_per_report(run, manifest):
    """Few wasted requests: the report files plus the pages on the way (printed for the record)."""
    pages = [e for e in run["log"] if e["path"] != "/robots.txt"]
    ratio = len(pages) / len(manifest["reports"])
    print(f"hanweb: {len(pages)} requests for {len(manifest['reports'])} report files ({ratio:.2f} per report)")
    assert ratio < 3
