"""Small portals built in each test: a GBK portal, a portal behind an anti-bot wall, one
with no report, a server answering 503 with Retry-After, one that never answers."""

from __future__ import annotations

import pytest

from nianbao.demo import PortalServer
from tests.support import crawl, journal_rows

pytestmark = pytest.mark.slow  # retries and timeouts take their time

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
    (fetch,) = journal_rows(tmp_path / "data", "select link_text, page_title from sources")
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
        summary = crawl(
            [{"id": "busy", "start_urls": [server.url]}, {"id": "slow", "start_urls": [server.url + "slow/"]}],
            tmp_path / "data", "--set", "RETRY_TIMES=2", "--set", "DOWNLOAD_TIMEOUT=1", timeout=60,
        )
        log = [(entry["path"], entry["status"]) for entry in server.requests]
    assert log.count(("/", 503)) == 3  # first try + RETRY_TIMES
    assert summary["per_portal"]["busy"]["status"] == "failed"
    assert summary["per_portal"]["busy"]["errors_by_kind"] == {"http_5xx": 1}
    assert summary["per_portal"]["slow"]["status"] == "failed"
    assert summary["per_portal"]["slow"]["errors_by_kind"] == {"timeout": 1}


