"""A listing built by JavaScript: invisible without ``render: true``, complete with it."""

from __future__ import annotations

import json

import pytest

from crawler.settings import find_chromium
from nianbao.demo import PortalServer
from tests.support import TEST_PORTALS, crawl, journal_rows

SITE = TEST_PORTALS / "scripted"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SITE / "_manifest.json").read_text(encoding="utf-8"))


def test_without_rendering_the_listing_holds_no_report(tmp_path, manifest):
    with PortalServer(SITE) as server:
        summary = crawl([{"id": "scripted", "start_urls": [server.url]}], tmp_path / "data")
    assert summary["per_portal"]["scripted"]["status"] == "empty"
    assert journal_rows(tmp_path / "data", "select sha256 from sources") == []


def test_rendered_listing_finds_every_report_and_nothing_else(tmp_path, manifest):
    if not find_chromium():
        pytest.skip("no chromium")
    with PortalServer(SITE) as server:
        summary = crawl([{"id": "scripted", "start_urls": [server.url], "render": True}], tmp_path / "data")
        requested = set(server.requested_paths())
    found = {row["sha256"] for row in journal_rows(tmp_path / "data", "select sha256 from sources")}
    assert found == {report["sha256"] for report in manifest["reports"]}
    assert "/api/nb/list.json" in requested  # the browser really ran the listing's script
    assert not set(manifest["non_reports"]) & requested
    assert summary["per_portal"]["scripted"]["status"] == "ok"
