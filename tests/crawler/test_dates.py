"""Publication dates read from a listing item, a detail page and a URL (crawler/dates.py)."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.dates import listing_date, page_date, url_date

TODAY = date(2025, 6, 1)
D = date(2024, 1, 26)


@pytest.mark.parametrize("item", [
    '<li><a href="/ndbg/1.html">2023年度政府信息公开工作年度报告</a><span>2024-01-26</span></li>',
    '<tr><td><a href="/a.pdf">2023年度报告</a></td><td>[2024-01-26]</td></tr>',
    "2023年度政府信息公开工作年度报告 2024/01/26",
    "2023年度政府信息公开工作年度报告 2024年1月26日",
    "2023年度政府信息公开工作年度报告 2024 年 01 月 26 日",
    "2023年度政府信息公开工作年度报告 2024.01.26",
    "2023年度政府信息公开工作年度报告（2024-1-26）",
    "２０２４－０１－２６",  # full width
    "2024-01-26 10:30",
    "成文日期：2024-01-20 发布日期：2024-01-26",  # 发布 beats 成文 though later
    "发布时间：2024-01-26 更新：2024-02-01",
    '<li><a href="/2023/01/02/x.html">2023年度报告</a><span>2024-01-26</span></li>',  # the href is no text
])
def test_listing_item_dates(item):
    assert listing_date(item, TODAY) == D


@pytest.mark.parametrize("item", [
    "2023年度政府信息公开工作年度报告",  # the subject year is never a date
    "<li><a>2023年度报告</a><span>2023年度</span></li>",
    "2023年度报告 2099-01-26",  # implausible: after tomorrow
    "2023年度报告 2007-12-31",  # before the 条例
    "2023年度报告 浏览次数：20240126",  # a visit counter
    "联系电话：0371-12345678 传真：010-20240126",  # phone numbers
    "2024-13-01",  # no month 13
    "2024-02-30",  # no such day
    "2024年1月",  # no day
    "2024-01/26",  # mixed separators
    "version 1.2024.01.26",
    '<li><a href="/a.pdf">截至2023年12月31日的年度报告</a></li>',  # a date in the title only
    "",
])
def test_listing_items_without_a_date(item):
    assert listing_date(item, TODAY) is None


def test_several_dates_the_first_wins_unless_one_is_labelled_published():
    assert listing_date("2024-01-26 2024-02-01", TODAY) == D
    assert listing_date("2024-02-01 发布日期：2024-01-26", TODAY) == D
    assert listing_date("2099-01-01 2024-01-26", TODAY) == D  # the implausible one skipped


def test_tomorrow_is_plausible_and_the_day_after_is_not():
    assert listing_date("2025-06-02", TODAY) == date(2025, 6, 2)
    assert listing_date("2025-06-03", TODAY) is None


def page(head: str = "", body: str = "") -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}<title>x</title></head><body>{body}</body></html>"


@pytest.mark.parametrize("head", [
    '<meta name="PubDate" content="2024-01-26 10:00">',
    '<meta name="pubdate" content="2024-01-26">',
    '<META NAME="PUBLISHDATE" CONTENT="2024/01/26">',
    '<meta name="publishdate" content="20240126">',
    '<meta name="firstpublishedtime" content="2024-01-26-10:00:00">',
    '<meta property="article:published_time" content="2024-01-26T10:00:00+08:00">',
])
def test_page_meta(head):
    assert page_date(page(head, "<p>发布日期：2024-02-02</p>"), "http://x.test/20240101/a.html", TODAY) == (D, "meta")


@pytest.mark.parametrize("body", [
    "<div>发布时间：2024-01-26</div>",
    "<div>发布日期:2024年01月26日</div>",
    "<div>日期：2024-01-26</div>",
    "<div>发文日期：2024-01-26</div>",
    "<div>成文日期：2024-01-26</div>",
    "<span>时间：2024-01-26</span><p>联系电话：0371-12345678</p>",
    '<div class="info">发布日期：2024-01-26 来源：某某局 浏览次数：1234</div>',  # Hanweb's article info line
    "<table><tr><td>成文日期：</td><td>2024-01-20</td></tr><tr><td>发布日期：</td><td>2024-01-26</td></tr></table>",
    "<p>成文日期：2024-01-20</p><p>发布日期：2024-01-26</p>",
    "<p>发布日期：2024-01-26</p><p>成文日期：2024-01-20</p>",
    "<p>本报告统计期限自2023年1月1日起至2023年12月31日止。</p><p>日期：2024-01-26</p>",
])
def test_page_labelled_dates(body):
    assert page_date(page(body=body), "", TODAY) == (D, "page")


@pytest.mark.parametrize("body", [
    "<p>2023年度政府信息公开工作年度报告</p>",
    "<p>本报告统计期限自2023年1月1日起至2023年12月31日止。</p>",  # dates, but no label
    "<p>截止日期：2024-01-26</p>",  # 日期 as part of another word
    "<p>发布日期：2099-01-26</p>",
    "<p>浏览次数：20240126</p>",
    '<script>var published = "发布日期：2024-01-26";</script><!-- 发布日期：2024-01-26 -->',
])
def test_pages_without_a_date_fall_back_to_the_url(body):
    assert page_date(page(body=body), "http://x.test/art/2024/1/25/art_1_2.html", TODAY) == (date(2024, 1, 25), "url")
    assert page_date(page(body=body), "", TODAY) is None


def test_a_meta_with_no_date_or_an_implausible_one_is_passed_over():
    head = '<meta name="PubDate" content="2099-01-01"><meta name="keywords" content="2024-01-01">'
    assert page_date(page(head, "<p>发布日期：2024-01-26</p>"), "", TODAY) == (D, "page")


@pytest.mark.parametrize("html_text", ["", "   ", '<?xml version="1.0" encoding="utf-8"?><html><body>发布日期：2024-01-26</body></html>'])
def test_odd_documents(html_text):
    assert page_date(html_text, "", TODAY) == ((D, "page") if html_text.strip() else None)


@pytest.mark.parametrize("url", [
    "http://x.gov.cn/zwgk/202401/t20240126_123456.html",
    "http://x.gov.cn/2024/01/26/a.html",
    "http://x.gov.cn/art/2024/1/26/art_1229_5678.html",
    "http://x.gov.cn/zhengce/2024-01/26/content_1.htm",
    "http://x.gov.cn/n1/2024/0126/c1001-1.html",
    "http://x.gov.cn/ndbg/20240126/report.pdf",
    "http://x.gov.cn/zwgk/202401/P020240126385474351234.pdf",
])
def test_url_dates(url):
    assert url_date(url, TODAY) == D


@pytest.mark.parametrize("url", [
    "http://x.gov.cn/2023/ndbg.html",  # a year alone
    "http://x.gov.cn/ndbg/2023nd.pdf",
    "http://x.gov.cn/2099/01/26/a.html",
    "http://x.gov.cn/a.html?date=2024-01-26",  # the query is not the path
    "http://x.gov.cn/download/20241301.pdf",
    "http://x.gov.cn/id/120240126999/",
    "",
])
def test_urls_without_a_date(url):
    assert url_date(url, TODAY) is None
