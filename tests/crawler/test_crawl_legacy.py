"""The legacy fixture portal (tests/crawler/portals/legacy): GBK declared only in <meta>,
the listing in an iframe, a TRS ``createPageHTML`` pager, a redirect."""

from __future__ import annotations

import json

from nianbao.demo import PortalServer
from tests.support import TEST_PORTALS, crawl, journal_rows


def test_legacy_portal_gbk_iframe_scripted_pager(tmp_path):
    site = TEST_PORTALS / "legacy"
    manifest = json.loads((site / "_manifest.json").read_text(encoding="utf-8"))
    with PortalServer(site) as server:
        summary = crawl([{"id": "legacy", "start_urls": [server.url]}], tmp_path / "data")
        requested = set(server.requested_paths())
    found = {row["url"]: row for row in journal_rows(tmp_path / "data", "select url, sha256, page_title from sources")}
    for report in manifest["reports"]:
        row = found[server.url.rstrip("/") + report["url"]]
        assert row["sha256"] == report["sha256"]
        assert row["page_title"] == report["title"]  # decoded from GBK, site suffix stripped
    assert len(found) == len(manifest["reports"])
    assert not set(manifest["non_reports"]) & requested
    assert "/zwgk/nb/list_1.htm" in requested
    assert summary["per_portal"]["legacy"]["status"] == "ok"
