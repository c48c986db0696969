"""The fixture portal server: validators, 304s, robots.txt, downloads, soft 404s, the request log."""

from __future__ import annotations

import http.client
import subprocess
import sys
from email.utils import formatdate
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from nianbao.demo import SAMPLE_SITE, PortalServer

PDF = b"%PDF-1.4\n%fixture\n%%EOF\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "a.pdf").write_bytes(PDF)
    (tmp_path / "_files").mkdir()
    (tmp_path / "_files" / "x.pdf").write_bytes(PDF + b"x")
    (tmp_path / "index.html").write_text("<html><title>首页</title></html>", encoding="utf-8")
    (tmp_path / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    (tmp_path / "_site.yml").write_text(
        """
charset: gb2312
redirects: {/old.html: /index.html}
status: {/gone.pdf: 404, /broken.html: 503}
soft_404: [/uploads/missing.pdf]
blocked: [/wall/]
downloads:
  /downfile.jsp:
    k1: {file: _files/x.pdf, name: 2023年政府信息公开工作年度报告.pdf}
    k2: {file: _files/x.pdf, name: 2023年年报.pdf, encoding: gbk}
""",
        encoding="utf-8",
    )
    return tmp_path


def get(server: PortalServer, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_etag_last_modified_and_304(site):
    with PortalServer(site) as server:
        response, body = get(server, "/uploads/a.pdf")
        assert response.status == 200 and body == PDF
        etag, last_modified = response.getheader("ETag"), response.getheader("Last-Modified")
        assert etag and last_modified and response.getheader("Content-Type") == "application/pdf"
        response, body = get(server, "/uploads/a.pdf", {"If-None-Match": etag})
        assert response.status == 304 and body == b""
        response, _ = get(server, "/uploads/a.pdf", {"If-Modified-Since": last_modified})
        assert response.status == 304
        response, _ = get(server, "/uploads/a.pdf", {"If-Modified-Since": formatdate(0, usegmt=True)})
        assert response.status == 200
        # If-None-Match wins over If-Modified-Since when both are sent.
        response, _ = get(server, "/uploads/a.pdf", {"If-None-Match": '"other"', "If-Modified-Since": last_modified})
        assert response.status == 200
        (site / "uploads" / "a.pdf").write_bytes(PDF + b"changed")
        response, _ = get(server, "/uploads/a.pdf", {"If-None-Match": etag})
        assert response.status == 200 and response.getheader("ETag") != etag
        log = server.requests
        assert log[1]["status"] == 304 and log[1]["bytes"] == 0
        assert log[1]["headers"]["If-None-Match"] == etag


def test_robots_charset_redirect_status_and_private_files(site):
    with PortalServer(site) as server:
        response, body = get(server, "/robots.txt")
        assert b"Disallow: /private/" in body
        response, _ = get(server, "/")
        assert response.getheader("Content-Type") == "text/html; charset=gb2312"
        response, _ = get(server, "/old.html")
        assert response.status == 302 and response.getheader("Location") == "/index.html"
        assert get(server, "/gone.pdf")[0].status == 404
        assert get(server, "/broken.html")[0].status == 503
        assert get(server, "/_site.yml")[0].status == 404
        assert get(server, "/_files/x.pdf")[0].status == 404
        assert get(server, "/../etc/passwd")[0].status == 404
        wall, body = get(server, "/wall/index.html")
        assert wall.status == 412 and b"$_ts" in body


def test_soft_404_is_a_200_html_page(site):
    with PortalServer(site) as server:
        response, body = get(server, "/uploads/missing.pdf")
        assert response.status == 200 and "页面不存在" in body.decode("utf-8")


def test_content_disposition_downloads(site):
    with PortalServer(site) as server:
        response, body = get(server, "/downfile.jsp?filename=k1")
        assert body == PDF + b"x"
        disposition = response.getheader("Content-Disposition")
        assert disposition == "attachment; filename*=UTF-8''" + quote("2023年政府信息公开工作年度报告.pdf")
        assert "k1" not in disposition and response.getheader("ETag")
        response, _ = get(server, "/downfile.jsp?filename=k2")
        raw = response.getheader("Content-Disposition").encode("latin-1")
        assert raw == 'attachment; filename="2023年年报.pdf"'.encode("gbk")
        response, body = get(server, "/downfile.jsp?filename=nope")
        assert response.status == 200 and b"<html" in body.lower()
        assert unquote(server.requested_paths()[0]) == "/downfile.jsp?filename=k1"


def test_cli_prints_the_url(site):
    process = subprocess.Popen(
        [sys.executable, "-m", "nianbao.demo.portalserver", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/uploads/a.pdf")
        assert conn.getresponse().read() == PDF
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_the_sample_portal_ships_with_the_demo_package():
    assert SAMPLE_SITE.parent.name == "demo"
    assert (SAMPLE_SITE / "index.html").is_file() and (SAMPLE_SITE / "robots.txt").is_file()
    assert (SAMPLE_SITE / "_manifest.json").is_file() and (SAMPLE_SITE / "_site.yml").is_file()
