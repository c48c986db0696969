"""Every fixture portal that needs no browser, crawled together twice: each report's date is
read, and the unchanged recrawl transfers not one byte of a document file (by the servers' logs)."""

from __future__ import annotations

import json
from contextlib import ExitStack

from nianbao.demo import SAMPLE_SITE, PortalServer
from tests.support import TEST_PORTALS, crawl, journal_rows

SITES = [SAMPLE_SITE] + sorted(
    site for site in TEST_PORTALS.iterdir()
    if (site / "_manifest.json").exists() and not json.loads((site / "_manifest.json").read_text())["render"]
)


def test_every_portal_dates_its_reports_and_recrawls_without_document_bytes(tmp_path):
    data = tmp_path / "data"
    with ExitStack() as stack:
        servers = {site.name: stack.enter_context(PortalServer(site)) for site in SITES}
        portals = [{"id": name, "start_urls": [server.url]} for name, server in servers.items()]
        first = crawl(portals, data, timeout=300)
        for server in servers.values():
            server.clear_log()
        second = crawl(portals, data, timeout=300)
    assert first["reports_found"] == second["reports_found"] > 40
    assert (second["new"], second["changed"], second["bytes_downloaded"]) == (0, 0, 0)
    for site in SITES:
        manifest = json.loads((site / "_manifest.json").read_text(encoding="utf-8"))
        # Web-page reports change on every request and carry no validator: nothing can ask for them
        # conditionally (their content key tells them unchanged, tests/crawler/test_crawl_webpages.py).
        documents = {path for report in manifest["reports"] if report["style"] != "page"
                     for path in (report["url"], report.get("final_url"))}
        for entry in servers[site.name].requests:
            if entry["path"] in documents and entry["status"] != 302:
                assert (entry["status"], entry["bytes"]) == (304, 0), (site.name, entry)
    # Every report URL has its date from some page linking it; only the sample's 最新年报 box
    # links a report that no page dates.
    sample = json.loads((SAMPLE_SITE / "_manifest.json").read_text(encoding="utf-8"))
    dateless = {servers["sample"].url.rstrip("/") + entry["url"] for entry in sample["duplicates"]}
    undated = {row["url"] for row in journal_rows(data, "select url from sources group by url having max(published) is null")}
    assert undated <= dateless, undated - dateless
