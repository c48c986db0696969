"""The CMS-style fixture portals (tests/crawler/portals/cms-*, built by fixtures/build_cms_portals.py):
pagers written by scripts, ASP.NET postbacks, a JSON listing API, links in script attributes,
redirect chains. Each is crawled twice through ``nianbao crawl`` against the real fixture server:
every report found and nothing else, robots.txt obeyed, the date each was published, one source
row per page linking a report, and a recrawl that transfers no document byte."""

from __future__ import annotations

import asyncio
import json
import re
import shutil

import pytest

from nianbao import DataDir
from nianbao.demo import PortalServer
from tests.support import ROOT, TEST_PORTALS, crawl, journal_rows, sha256_of

PORTALS = ("cms-trs", "cms-aspx", "cms-gkmlpt", "cms-redirect")


@pytest.fixture(scope="module", params=PORTALS)
def runs(request, tmp_path_factory):
    name = request.param
    site = TEST_PORTALS / name
    manifest = json.loads((site / "_manifest.json").read_text(encoding="utf-8"))
    data = tmp_path_factory.mktemp(name) / "data"
    with PortalServer(site) as server:
        portals = [{"id": name, "start_urls": [server.url]}]
        first = crawl(portals, data)
        first_log = list(server.requests)
        server.clear_log()
        second = crawl(portals, data)
        second_log = list(server.requests)
    return {
        "name": name, "manifest": manifest, "data": data, "base": server.url.rstrip("/"),
        "first": first, "second": second, "first_log": first_log, "second_log": second_log,
    }


def sources(runs, crawl: str) -> list[dict]:
    return journal_rows(runs["data"], "select * from sources where crawl_id = ?", [runs[crawl]["crawl_id"]])


def test_every_report_found_and_nothing_else(runs):
    for report in runs["manifest"]["reports"]:
        assert report["sha256"] == sha256_of(ROOT / report["file"]), "rerun fixtures/build_cms_portals.py"
    found = {row["url"]: row for row in sources(runs, "first")}
    expected = {runs["base"] + report["url"]: report for report in runs["manifest"]["reports"]}
    assert set(found) == set(expected)
    for url, report in expected.items():
        assert found[url]["sha256"] == report["sha256"], url
    requested = {entry["path"] for entry in runs["first_log"]}
    assert not requested & set(runs["manifest"]["non_reports"])
    assert runs["first"]["per_portal"][runs["name"]]["status"] == "ok"


def test_robots_txt_is_never_violated(runs):
    forbidden = [line.split(":", 1)[1].strip() for line in (TEST_PORTALS / runs["name"] / "robots.txt").read_text().splitlines()
                 if line.lower().startswith("disallow:") and line.split(":", 1)[1].strip()]
    for entry in runs["first_log"] + runs["second_log"]:
        assert not any(entry["path"].startswith(prefix) for prefix in forbidden), entry["path"]
    if runs["manifest"]["robots_disallowed"]:
        errors = journal_rows(runs["data"], "select url from fetch_errors where kind = 'robots'")
        assert {runs["base"] + url for url in runs["manifest"]["robots_disallowed"]} <= {e["url"] for e in errors}


def test_published_dates(runs):
    found = {row["url"]: row for row in sources(runs, "first")}
    for report in runs["manifest"]["reports"]:
        row = found[runs["base"] + report["url"]]
        assert (row["published"], bool(row["published_from"])) == (report["published"], bool(report["published"]))


def test_one_source_row_per_page_linking_a_report(runs):
    rows = sources(runs, "first")
    for url, pages in runs["manifest"]["linked_from"].items():
        linking = sorted(row["page_url"] for row in rows if row["url"] == runs["base"] + url)
        assert linking == sorted(runs["base"] + page for page in pages)
    # Every other report: one row.
    counted = {}
    for row in rows:
        counted[row["url"]] = counted.get(row["url"], 0) + 1
    for report in runs["manifest"]["reports"]:
        if report["url"] not in runs["manifest"]["linked_from"]:
            assert counted[runs["base"] + report["url"]] == 1


def test_redirect_chains_are_recorded(runs):
    for row in sources(runs, "first"):
        report = next(r for r in runs["manifest"]["reports"] if runs["base"] + r["url"] == row["url"])
        if "final_url" in report:
            assert row["final_url"] == runs["base"] + report["final_url"]
            chain = json.loads(row["redirects"])
            assert chain[0] == row["url"] and chain[-1] == row["final_url"] and len(chain) == 3
        else:
            assert row["redirects"] is None


def test_unchanged_recrawl_transfers_no_document_byte(runs):
    second = runs["second"]
    reports = len(runs["manifest"]["reports"])
    assert (second["new"], second["changed"], second["unchanged"]) == (0, 0, reports)
    assert second["bytes_downloaded"] == 0
    documents = {report.get("final_url", report["url"]) for report in runs["manifest"]["reports"]}
    for entry in runs["second_log"]:
        if entry["path"] in documents:
            assert entry["status"] == 304 and entry["bytes"] == 0, entry
    # Pages too come back as 304 wherever the portal gives validators.
    assert second["bytes_transferred"] < runs["first"]["bytes_transferred"] / 4
    assert second["requests"] == len(runs["second_log"])


def test_requests_per_report(runs):
    first = runs["first"]
    assert first["requests_per_report"] == round(first["requests"] / first["reports_found"], 2)
    # A redirect hop is a request of its own, but the portal's doing: it does not count against the crawler.
    hops = sum(1 for entry in runs["first_log"] if 300 <= entry["status"] < 400)
    assert (first["requests"] - hops) / first["reports_found"] <= 3


def test_a_portal_that_finds_fewer_reports_is_flagged_regressed(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(TEST_PORTALS / "cms-redirect", site)
    data = tmp_path / "data"
    with PortalServer(site) as server:
        portals = [{"id": "redesigned", "start_urls": [server.url]}]
        first = crawl(portals, data)
        listing = site / "xxgk" / "ndbg" / "index.html"
        listing.write_text(re.sub(r"<li><a href=\"/files/get\?id=[45]\".*?</li>", "", listing.read_text(encoding="utf-8")),
                           encoding="utf-8")
        second = crawl(portals, data)
    assert not first["per_portal"]["redesigned"]["regressed"]
    entry = second["per_portal"]["redesigned"]
    assert entry["regressed"] and entry["previous_reports"] == first["reports_found"] > entry["reports_found"]
    assert second["portals_regressed"] == ["redesigned"]
    (row,) = journal_rows(data, "select regressed, previous_reports from portal_runs where crawl_id = ?", [second["crawl_id"]])
    assert row == {"regressed": 1, "previous_reports": first["reports_found"]}
    saved = json.loads((data / "last-crawl.json").read_text(encoding="utf-8"))
    assert saved == {key: value for key, value in second.items() if key != "load"}
    # The site's home page says so, without anyone reading a log.
    DataDir(data).load(workers=1)
    home = asyncio.run(DataDir(data).datasette().client.get("/"))
    row = re.search(r'<tr class="status-ok regressed">(.*?)</tr>', home.text, re.S)
    assert row and "redesigned" in row.group(1) and f"previous run {first['reports_found']}" in row.group(1)
