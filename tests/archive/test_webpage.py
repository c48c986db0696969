"""archive.webpage: a page's charset, its article by the stated rule, and the content key
that tells a new version from a new visit count."""

from __future__ import annotations

import re

import pytest

from archive import webpage
from archive.webpage import decode_html
from tests.support import REPORTS

PAGES = sorted(REPORTS.glob("*.html"))


def article_of(body: bytes) -> webpage.Article:
    return webpage.article(webpage.parse(body))


def test_decode_gbk_declared_in_meta():
    body = '<html><head><meta charset="gb2312"><title>政府信息公开年报</title></head></html>'.encode("gbk")
    text, encoding = decode_html(body)
    assert "政府信息公开年报" in text and encoding == "gb18030"


def test_decode_misdeclared_utf8_header_with_gbk_bytes():
    body = "<html><head><title>政府信息公开工作年度报告</title></head><body>镕</body></html>".encode("gb18030")
    text, _ = decode_html(body, "text/html; charset=utf-8")
    assert "政府信息公开工作年度报告" in text


def test_decode_undeclared():
    body = "<html><body>" + "天坛街道办事处政府信息公开工作年度报告。" * 20 + "</body></html>"
    assert "天坛街道" in decode_html(body.encode("utf-8"))[0]
    assert "天坛街道" in decode_html(body.encode("gbk"))[0]


def test_decode_utf8_page_whose_meta_still_says_gb2312():
    """What a browser hands back after rendering a GBK page: UTF-8 bytes, the old <meta>."""
    body = '<html><head><meta charset="gb2312"></head><body>天坛街道办事处年度报告</body></html>'.encode("utf-8")
    assert decode_html(body) == (body.decode("utf-8"), "utf-8")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_article_is_the_report_without_the_site(path):
    found = article_of(path.read_bytes())
    assert found.title.endswith("政府信息公开工作年度报告")
    text = found.text
    assert any("总体情况" in line for line in text.splitlines()[:3])
    assert "本年新收政府信息公开申请数量" in text
    for furniture in ("当前位置", "首页", "分享到", "相关文章", "扫一扫", "打印本页", "网站地图", "alert(", "学习贯彻", "今天是"):
        assert furniture not in text, furniture
    assert len(found.tables()) >= 3


def test_a_page_without_a_known_container_is_read_where_its_text_is():
    body = ("<html><body><div class=a><a href=/>首页</a> <a href=/x>新闻</a></div><div class=b><div class=c>"
            + "<p>" + "正文内容很长的一段话。" * 30 + "</p></div><div class=d><a href=/y>下一篇</a></div></div>"
            + "<div class=e>版权所有</div></body></html>").encode()
    found = article_of(body)
    assert found.element.get("class") == "c"
    assert "首页" not in found.text and "版权所有" not in found.text and "下一篇" not in found.text


def test_content_key_ignores_counters_clocks_tokens_and_ads_but_not_the_report():
    original = (REPORTS / "tiantan-2023-web-trs.html").read_bytes()
    key = article_of(original).content_key
    visit = re.sub(rb'(<span id="visits">)\d+', rb"\g<1>99231", original)
    visit = re.sub(rb"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", b"2026-12-02 13:14:15", visit)
    visit = re.sub(rb"token=[0-9a-f]+", b"token=00ff00ff00ff00ff00ff00ff00ff00ff", visit)
    visit = re.sub(rb"<!--ad-->.*?<!--/ad-->", b"<!--ad-->AD-1234<!--/ad-->", visit, flags=re.S)
    assert visit != original and article_of(visit).content_key == key
    edited = original.replace("予以公开".encode(), "予以公开。".encode(), 1)
    assert article_of(edited).content_key != key
    refigured = original.replace(b"<span>31</span>", b"<span>32</span>", 1)
    assert refigured != original and article_of(refigured).content_key != key


def test_broken_and_empty_pages_give_an_empty_article():
    for body in (b"", b"<html><body></body></html>", b"<?xml version='1.0' encoding='gbk'?><html/>"):
        found = article_of(body)
        assert (found.title, found.text, found.tables()) == ("", "", [])
    assert article_of(b"\x00\xff\xfe garbage").tables() == []
