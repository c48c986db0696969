"""The webpages fixture portal (tests/crawler/portals/webpages): reports published as the
detail page itself, in three CMS templates (UTF-8 and GBK), each page changing on every
request (visit counter, clock, token, ad)."""

from __future__ import annotations

import json
import shutil

from archive.webpage import decode_html
from nianbao.demo import PortalServer
from tests.support import TEST_PORTALS, crawl, journal_rows

SITE = TEST_PORTALS / "webpages"


def manifest() -> dict:
    return json.loads((SITE / "_manifest.json").read_text(encoding="utf-8"))


def test_page_reports_found_kept_and_unchanged_on_recrawl(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    data = tmp_path / "data"
    pages = [r for r in manifest()["reports"] if r["style"] == "page"]
    with PortalServer(site) as server:
        base = server.url.rstrip("/")
        first = crawl([{"id": "web", "start_urls": [server.url]}], data)
        served_first = {r["path"] for r in server.requests if r["path"].startswith("/art/")}
        second = crawl([{"id": "web", "start_urls": [server.url]}], data)
        # The same report, edited on the portal: a new version.
        edited = site / pages[0]["url"].lstrip("/")
        text, encoding = decode_html(edited.read_bytes())
        edited.write_bytes(text.replace("总体情况", "总体情况概述").encode(encoding))
        third = crawl([{"id": "web", "start_urls": [server.url]}], data)

    rows = journal_rows(data, "select crawl_id, url, sha256, outcome, content_key, page_title from sources order by id")
    runs = {n: {r["url"]: r for r in rows if r["crawl_id"] == n} for n in (1, 2, 3)}
    expected_urls = {base + r["url"] for r in manifest()["reports"]}
    assert set(runs[1]) == expected_urls  # 100% recall: 3 pages and the attachment of the 4th
    assert not {p for p in manifest()["non_reports"]} & {u.removeprefix(base) for u in runs[1]}
    assert first["per_portal"]["web"]["status"] == "ok"
    for report in pages:
        row = runs[1][base + report["url"]]
        assert row["outcome"] == "new" and row["content_key"] and row["page_title"] == report["title"]
        kept = (data / "archive").rglob(row["sha256"] + "*")
        assert next(kept).read_bytes() != (SITE / report["url"].lstrip("/")).read_bytes()  # bytes as served (counter filled)
    assert served_first  # the pages were fetched, not skipped
    # Unchanged recrawl: every page served other bytes, none became a new version.
    assert {r["outcome"] for r in runs[2].values()} == {"unchanged"}
    assert all(runs[2][u]["sha256"] == runs[1][u]["sha256"] for u in runs[2])
    assert second["per_portal"]["web"].get("new", 0) == 0
    # An edit of the report itself is a new version; the others stay unchanged.
    changed = base + pages[0]["url"]
    assert runs[3][changed]["outcome"] == "changed" and runs[3][changed]["sha256"] != runs[1][changed]["sha256"]
    assert {r["outcome"] for u, r in runs[3].items() if u != changed} == {"unchanged"}
    assert third["per_portal"]["web"]["status"] == "ok"
    objects = {p.name.split(".")[0] for p in (data / "archive").rglob("*") if p.is_file()}
    assert len(objects & {r["sha256"] for r in rows}) == len(expected_urls) + 1  # both versions of the edited one
