"""Unit tests of crawler.discovery: report-ness, link classification and byte chores."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.discovery import (
    LinkKind,
    assess_report,
    blocked_reason,
    classify_link,
    content_disposition_filename,
    JpageSetup,
    hanweb_records,
    is_document_url,
    is_neutral_name,
    jpage_ranges,
    jpage_setup,
    jpage_url,
    link_priority,
    plausible_years,
    url_filename,
    viewer_target,
)

TODAY = date(2025, 3, 1)
PAGE = "http://www.example.gov.cn/xxgk/ndbg/index.html"


# --- report-ness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, year",
    [
        ("天坛街道办事处2023年政府信息公开工作年度报告", 2023),
        ("济源市2019年政府信息公开工作年度报告.pdf", 2019),
        ("某某局2021年度政府信息公开工作报告", 2021),
        ("2012年政府信息公开年报", 2012),
        ("东湖市卫生和计划生育委员会2015年政府信息公开工作年度报告", 2015),  # 计划 is in the name
        ("2024年度政务公开工作年度报告", 2024),
        ("2026年政府信息公开工作年度报告", 2026),  # next year is still plausible
    ],
)
def test_report_titles_are_reports(text, year):
    verdict = assess_report([text], today=TODAY)
    assert verdict.is_report, verdict.reason
    assert verdict.year == year


@pytest.mark.parametrize(
    "text",
    [
        "示例区2024年政务公开工作要点",
        "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知",
        "2023年度政府信息公开工作年度报告考核结果",
        "天坛街道办事处政府信息公开指南",
        "2023年政府工作报告",  # the report to the People's Congress, not ours
        "政府信息公开年报",  # the column name: no year
        "2005年政府信息公开工作年度报告",  # before the 条例
        "2030年政府信息公开工作年度报告",  # the future
        "2023年部门决算",
        "关于2023年政府信息公开工作年度报告的解读",
        "2023年度政府信息公开工作年度报告模板",
    ],
)
def test_non_reports_are_not_reports(text):
    assert not assess_report([text], today=TODAY).is_report


def test_neutral_anchor_defers_to_the_page_title():
    page = ["天坛街道办事处2023年政府信息公开工作年度报告"]
    assert assess_report(["附件1"], page, "http://x.gov.cn/uploads/P020240131512345.pdf").is_report
    assert assess_report(["P020240131512345.pdf"], page).is_report
    assert assess_report(["下载附件"], page).year == 2023


def test_neutral_anchor_on_a_non_report_page_is_not_a_report():
    page = ["关于做好2024年政府信息公开工作年度报告编制发布工作的通知"]
    assert not assess_report(["附件1"], page).is_report
    assert not assess_report(["附件1"], ["政务公开工作要点"]).is_report


def test_specific_negative_beats_a_report_page():
    page = ["天坛街道办事处2023年政府信息公开工作年度报告"]
    assert not assess_report(["附件2：2023年政务公开工作要点.pdf"], page).is_report


def test_file_name_in_url_counts_as_evidence():
    url = "http://x.gov.cn/files/2023%E5%B9%B4%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80%E5%B9%B4%E6%8A%A5.pdf"
    assert url_filename(url) == "2023年政府信息公开年报.pdf"
    assert assess_report(["下载"], [], url).is_report


def test_nothing_named_is_not_a_report():
    assert not assess_report(["附件1"], ["首页"]).is_report


def test_plausible_years():
    assert plausible_years("2007年 2008年 2019 P0202401315 2026年", TODAY) == [2008, 2019, 2026]


def test_neutral_names():
    assert is_neutral_name("附件1")
    assert is_neutral_name("P020240131512345.pdf")
    assert is_neutral_name("下载")
    assert not is_neutral_name("2023年政府信息公开工作年度报告.pdf")


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://x.gov.cn/uploads/2024/01/P020240131512345.pdf",
        "http://x.gov.cn/a/b.DOCX",
        "http://x.gov.cn/a/b.doc",
        "http://x.gov.cn/a/b.wps",
        "http://x.gov.cn/downfile.jsp?filename=20240131_0006",
        "http://x.gov.cn/common/download.jsp?id=8806",
        "http://x.gov.cn/attachment/download.do?attachId=12",
        "http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.pdf",
        "http://x.gov.cn/getFile.aspx?fileid=77",
    ],
)
def test_attachments(url):
    assert is_document_url(url)
    assert classify_link(url, "附件1", "", PAGE) is LinkKind.ATTACHMENT


def test_pdf_viewer_points_at_its_document():
    url = "http://x.gov.cn/pdfjs/web/viewer.html?file=/uploads/a.pdf"
    assert viewer_target(url) == "http://x.gov.cn/uploads/a.pdf"


@pytest.mark.parametrize(
    "url, text",
    [
        ("http://www.example.gov.cn/xxgk/ndbg/index_1.html", "下一页"),
        ("http://www.example.gov.cn/xxgk/ndbg/index_9.html", "尾页"),
        ("http://www.example.gov.cn/xxgk/ndbg/index_2.html", "3"),
        ("http://www.example.gov.cn/xxgk/ndbg/index.html?page=2", "下一页"),
        ("http://www.example.gov.cn/xxgk/ndbg/list.jsp?pageNum=3", ""),
    ],
)
def test_pagination(url, text):
    assert classify_link(url, text, "", PAGE) is LinkKind.PAGINATION


def test_a_page_number_elsewhere_on_the_site_is_not_pagination():
    assert classify_link("http://www.example.gov.cn/news/index_2.html", "2", "", PAGE) is LinkKind.SKIP


@pytest.mark.parametrize(
    "text",
    ["政府信息公开", "信息公开", "政务公开", "政府信息公开年报", "年度报告", "天坛街道2023年政府信息公开工作年度报告"],
)
def test_navigation_towards_the_column(text):
    assert classify_link("http://x.gov.cn/col/123.html", text, "", PAGE) is LinkKind.NAVIGATE


@pytest.mark.parametrize(
    "url, text",
    [
        ("http://x.gov.cn/xxgk/zn/", "政府信息公开指南"),
        ("http://x.gov.cn/xxgk/gzyd/", "政务公开工作要点"),
        ("http://x.gov.cn/news/", "新闻动态"),
        ("http://x.gov.cn/bsfw/", "办事服务"),
        ("mailto:a@x.gov.cn", "信息公开"),
        ("http://x.gov.cn/logo.png", "信息公开"),
        ("http://x.gov.cn/xxgk/tz.html", "关于做好2024年政府信息公开工作年度报告编制发布工作的通知"),
    ],
)
def test_links_not_followed(url, text):
    assert classify_link(url, text, "", PAGE) is LinkKind.SKIP


def test_report_column_links_come_first():
    assert link_priority("政府信息公开年报") > link_priority("政府信息公开")


def test_title_attribute_counts_for_navigation():
    assert classify_link("http://x.gov.cn/col/9.html", "更多", "政府信息公开年报", PAGE) is LinkKind.NAVIGATE


# --- bytes ---------------------------------------------------------------------------------


def test_content_disposition_rfc5987():
    header = b"attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf"
    assert content_disposition_filename(header) == "年报.pdf"


def test_content_disposition_raw_gbk_and_utf8_bytes():
    assert content_disposition_filename('attachment; filename="2023年年报.pdf"'.encode("gbk")) == "2023年年报.pdf"
    assert content_disposition_filename('attachment; filename="2023年年报.pdf"'.encode("utf-8")) == "2023年年报.pdf"


def test_content_disposition_percent_encoded_plain_filename():
    assert content_disposition_filename(b"attachment;filename=%E5%B9%B4%E6%8A%A5.docx") == "年报.docx"
    assert content_disposition_filename(None) is None
    assert content_disposition_filename(b"inline") is None


def test_blocked_walls():
    assert blocked_reason(412, b"<script>$_ts=window['$_ts'];</script>")
    assert blocked_reason(521, b"")
    assert blocked_reason(200, b"<html><script>document.cookie='__jsl_clearance=1';location.reload()</script></html>")
    assert blocked_reason(200, b"<html><body><a href='/'>x</a><a href='/b'>y</a></body></html>") is None
    assert blocked_reason(404, b"not found") is None


# --- Hanweb (大汉) jpage listings ----------------------------------------------------------

HANWEB = "http://www.example.gov.cn/col/col1229/index.html"
HANWEB_PAGE = """<html><head><title>政府信息公开年报</title></head><body>
<div id="5432"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;appid=1&amp;webid=3&amp;path=/&amp;columnid=1229&amp;unitid=5432&amp;webname=%E7%A4%BA%E4%BE%8B&amp;permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/1/31/art_1229_123.html" title="2023年政府信息公开工作年度报告">2023年…</a></li>]]></record>
<record><![CDATA[<li><a href="/art/2024/3/1/art_1229_124.html" title="2024年政务公开工作要点">2024年…</a></li>]]></record>
</recordset></datastore></script></div>
<script>$('#5432').jpage({dataStore: dataStore, perPage: 15, totalRecord: 40, groupSize: 3});</script>
</body></html>"""


def test_hanweb_records_from_a_listing_page_and_a_dataproxy_answer():
    records = hanweb_records(HANWEB_PAGE)
    assert len(records) == 2 and 'href="/art/2024/1/31/art_1229_123.html"' in records[0]
    answer = '<?xml version="1.0"?><datastore><recordset><record>&lt;li&gt;&lt;a href="/art/1.html"&gt;x&lt;/a&gt;</record>' \
        "<record><![CDATA[<li><a href='/art/2.html'>y</a>]]></record></recordset></datastore>"
    assert hanweb_records(answer) == ['<li><a href="/art/1.html">x</a>', "<li><a href='/art/2.html'>y</a>"]
    assert hanweb_records("<html><p>no datastore <record>x</record></p></html>") == []


def test_jpage_setup_from_the_nextgroup_link_and_the_jpage_call():
    setup = jpage_setup(HANWEB_PAGE, HANWEB)
    assert setup is not None
    assert setup.proxy_url == "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp"
    assert setup.form == {
        "col": "1", "appid": "1", "webid": "3", "path": "/", "columnid": "1229", "sourceContentType": "1",
        "unitid": "5432", "webname": "示例", "permissiontype": "0",
    }
    assert (setup.per_page, setup.step, setup.embedded, setup.total) == (15, 45, 2, 40)


def test_jpage_setup_from_script_parameters_only():
    page = """<script type="text/xml"><datastore><recordset></recordset></datastore></script>
<script>$('#9').jpage({perPage:20, proxyUrl:'/module/web/jpage/dataproxy.jsp',
  ajaxParam:{col:1, appid:1, webid:'7', path:'/', columnid:'3021', unitid:'9', webname:'某市', permissiontype:0}});</script>"""
    setup = jpage_setup(page, HANWEB)
    assert setup is not None and setup.form["columnid"] == "3021" and setup.form["webid"] == "7"
    assert setup.form["webname"] == "某市" and setup.total is None
    assert (setup.per_page, setup.step, setup.embedded) == (20, 20, 0)


def test_no_jpage_setup_without_a_column():
    assert jpage_setup("<html><a href='/xxgk/'>信息公开</a></html>", HANWEB) is None
    assert jpage_setup("<script>$('#1').jpage({perPage: 15})</script>", HANWEB) is None  # no columnid


def test_jpage_ranges_and_urls():
    setup = JpageSetup("http://h/module/web/jpage/dataproxy.jsp", {"columnid": "1"}, 15, 45, 45, 100)
    assert jpage_ranges(setup) == [(46, 90), (91, 135)]
    assert jpage_ranges(setup, limit=1) == [(46, 90)]
    assert jpage_url(setup, 46, 90) == "http://h/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    unknown = JpageSetup("http://h/p.jsp", {}, 10, 10, 10, None)
    assert jpage_ranges(unknown) == [(11, 20)]  # only the next: the spider asks on while answers are full
    assert jpage_ranges(JpageSetup("http://h/p.jsp", {}, 15, 45, 30, 30)) == []  # all embedded already


@pytest.mark.parametrize(
    "name",
    ["示例区财政局2024年度部门预算及2023年度报告.pdf", "2023年度部门决算年度报告", "某某公司2023年企业年度报告"],
)
def test_another_subjects_annual_report_is_not_ours(name):
    verdict = assess_report([name])
    assert not verdict.is_report and "not a report" in verdict.reason


def test_a_body_named_after_its_subject_still_publishes_reports():
    assert assess_report(["示例区审计局2023年度报告"]).is_report
    assert assess_report(["示例区财政局2023年政府信息公开工作年度报告"]).is_report
