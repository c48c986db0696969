"""crawler.listings: links in script attributes, ASP.NET postback pagers, JSON listing APIs."""

from __future__ import annotations

import json

import pytest

from crawler.discovery import is_pagination_text
from crawler.listings import attribute_links, json_listing, postback_pages

PAGE = "http://www.example.gov.cn/xxgk/ndbg/index.html"


@pytest.mark.parametrize(
    "attributes, expected",
    [
        ({"onclick": "window.open('/uploads/2024/a.PDF')"}, ["http://www.example.gov.cn/uploads/2024/a.PDF"]),
        ({"onclick": "location.href='./t20240126_1.html';return false;"},
         ["http://www.example.gov.cn/xxgk/ndbg/t20240126_1.html"]),
        ({"onclick": 'downloadFile("P020240126.pdf")'}, ["http://www.example.gov.cn/xxgk/ndbg/P020240126.pdf"]),
        ({"href": "javascript:openFile('/files/get?id=7')"}, ["http://www.example.gov.cn/files/get?id=7"]),
        ({"data-url": "/attachment/0/501/501.pdf", "href": "javascript:void(0)"},
         ["http://www.example.gov.cn/attachment/0/501/501.pdf"]),
        ({"data-href": "http://other.gov.cn/a.docx"}, ["http://other.gov.cn/a.docx"]),
        # Not link targets: counters, labels, postbacks, other schemes.
        ({"onclick": "tj('点击', 2)"}, []),
        ({"onclick": "show(3); return false"}, []),
        ({"href": "javascript:__doPostBack('ctl00$pager','2')"}, []),
        ({"onclick": "window.open('mailto:x@example.gov.cn')"}, []),
        ({"data-url": "not a url"}, []),
    ],
)
def test_attribute_links(attributes, expected):
    assert attribute_links(attributes, PAGE) == expected


ASPX = """<html><body>
<form action="/search.jsp"><input name="q" value=""></form>
<form name="aspnetForm" method="post" action="./list.aspx?col=3" id="aspnetForm">
<input type="hidden" name="__VIEWSTATE" value="dDwtMTA4" /><input type="hidden" name="__EVENTVALIDATION" value="/wEd" />
<input type="hidden" name="__EVENTTARGET" value="" /><input type="hidden" name="__EVENTARGUMENT" value="" />
<input type="checkbox" name="remember" value="1" />
<table><tr><td><a href="show_1.aspx">2023年政府信息公开工作年度报告</a></td></tr></table>
<div class="pager"><span>1</span> <a href="javascript:__doPostBack('ctl00$Pager','2')">2</a>
<a href="javascript:__doPostBack('ctl00$Pager','3')">3</a>
<a href="javascript:__doPostBack('ctl00$Pager','2')">下一页</a>
<a href="javascript:__doPostBack('ctl00$Sort','date')">按日期排序</a></div>
</form></body></html>"""


def test_postback_pages_post_the_view_state_form_for_each_pager_link():
    pages = postback_pages(ASPX, "http://www.example.gov.cn/gk/list.aspx?col=3", is_pagination_text)
    assert [(p.label, p.formdata["__EVENTARGUMENT"]) for p in pages] == [("2", "2"), ("3", "3")]
    first = pages[0]
    assert first.url == "http://www.example.gov.cn/gk/list.aspx?col=3"
    assert first.formdata == {
        "__VIEWSTATE": "dDwtMTA4", "__EVENTVALIDATION": "/wEd", "__EVENTTARGET": "ctl00$Pager", "__EVENTARGUMENT": "2",
    }


def test_postback_pages_of_a_page_without_postbacks():
    assert postback_pages("<form><input name=a></form><a href='2.html'>2</a>", PAGE, is_pagination_text) == []


def test_json_listing_items_anywhere_in_the_answer_with_their_dates():
    answer = {
        "code": 0,
        "data": {
            "total": 12, "pageSize": 5,
            "list": [
                {"title": "2023年政府信息公开工作年度报告", "url": "/content/post_1.html", "publish_time": 1706227200},
                {"DOCTITLE": " 2022年 年度报告 ", "DOCURL": "http://x.gov.cn/c/2.html", "docRelTime": "2023-01-20 10:00"},
                {"name": "no link here"},
            ],
        },
    }
    listing = json_listing(json.dumps(answer), "http://x.gov.cn/api/list?page=1&col=9")
    assert [(i.url, i.title, i.date) for i in listing.items] == [
        ("http://x.gov.cn/content/post_1.html", "2023年政府信息公开工作年度报告", "2024-01-26"),
        ("http://x.gov.cn/c/2.html", "2022年 年度报告", "2023-01-20 10:00"),
    ]
    assert listing.pages == ("http://x.gov.cn/api/list?page=2&col=9", "http://x.gov.cn/api/list?page=3&col=9")


def test_json_listing_pages_from_a_page_count_bounded_by_the_limit():
    answer = {"pages": 500, "rows": [{"title": "a", "url": "/a.html"}]}
    listing = json_listing(json.dumps(answer), "http://x.gov.cn/api?pageNo=1", limit=3)
    assert listing.pages == tuple(f"http://x.gov.cn/api?pageNo={n}" for n in (2, 3, 4))


def test_json_listing_without_a_page_parameter_or_total_has_no_other_pages():
    answer = {"rows": [{"title": "a", "url": "/a.html"}]}
    assert json_listing(json.dumps(answer), "http://x.gov.cn/api?page=1").pages == ()
    assert json_listing(json.dumps({"total": 40, **answer}), "http://x.gov.cn/api/all").pages == ()


def test_not_json_is_none():
    assert json_listing("<html></html>", "http://x.gov.cn/api") is None
