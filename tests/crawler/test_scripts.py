"""crawler.scripts: listing pages' inline scripts run in real V8; what their pagers lead to."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.scripts import TIME_BUDGET, ScriptFindings, anchors, inline_scripts, run_listing_scripts, trs_pages

PAGE = "http://www.example.gov.cn/xxgk/ndbg/index.html"
BASE = "http://www.example.gov.cn/xxgk/ndbg/"
HOST = "http://www.example.gov.cn"
FIXTURES = Path(__file__).parent / "scripts"


def run(body: str, limit: int = 30, page: str = PAGE) -> ScriptFindings:
    return run_listing_scripts(f"<html><body>{body}</body></html>", page, limit)


def pages(*names: str) -> tuple[str, ...]:
    return tuple(BASE + name for name in names)


# --- TRS createPageHTML ---------------------------------------------------------------------


def test_literal_create_page_html_names_the_other_pages():
    found = run('<script>createPageHTML(3, 0, "index", "html");</script>')
    assert found == ScriptFindings(pages=pages("index_1.html", "index_2.html"))


def test_variables_are_evaluated():
    found = run('<script>var countPage = 3; var currentPage = 0; '
                'createPageHTML(countPage, currentPage, "index", "html");</script>')
    assert found.pages == pages("index_1.html", "index_2.html")
    assert found.error is None


def test_six_argument_form_with_quotes_and_a_later_page():
    found = run("<script>createPageHTML('page_div', 4, 2, 'index', 'shtml', 57);</script>", page=BASE + "index_2.shtml")
    assert found.pages == pages("index.shtml", "index_1.shtml", "index_3.shtml")


def test_page_count_from_an_expression_and_another_page_name():
    found = run("<script>var total = 45, size = 15; createPageHTML(Math.ceil(total / size), 0, 'list', 'htm');</script>")
    assert found.pages == pages("list_1.htm", "list_2.htm")


def test_an_inline_create_page_html_is_observed_and_its_links_kept():
    text = (FIXTURES / "trs_listing.html").read_text(encoding="utf-8")
    found = run_listing_scripts(text, PAGE)
    assert found.pages == pages("index_1.html", "index_2.html")
    assert found.links == ((BASE + "index_1.html", "下一页"), (BASE + "index_2.html", "尾页"))
    assert found.apis == () and found.error is None


def test_gbk_page_decoded_to_text():
    raw = '<p>第1页 共3页</p><script>createPageHTML(3, 0, "index", "html"); // 分页</script>'.encode("gbk")
    assert run(raw.decode("gbk")).pages == pages("index_1.html", "index_2.html")


def test_trs_pages_reads_the_shape_of_any_call():
    assert trs_pages(["pager", 3, 0, "index", "html", 25]) == ["index_1.html", "index_2.html"]
    assert trs_pages(["3", "1", "index", "jsp"]) == ["index.jsp", "index_2.jsp"]
    assert trs_pages([3, 0, "index"]) == []
    assert trs_pages([3, 0, "index", "pdf"]) == []
    assert trs_pages([True, 0, "index", "html"]) == []


# --- links the scripts write ----------------------------------------------------------------


def test_document_write_loop_yields_its_links():
    found = run('<script>for (var i = 0; i < 4; i++) { document.write("<a href=\\"" + (i ? "index_" + i : "index")'
                ' + ".html\\">" + (i + 1) + "</a> "); }</script>')
    assert found.links == ((BASE + "index_1.html", "2"), (BASE + "index_2.html", "3"), (BASE + "index_3.html", "4"))
    assert found.pages == ()


def test_inner_html_and_appended_anchors():
    found = run('<div id="pager"></div><ul id="list"></ul><script>'
                'var h = ""; for (var i = 1; i < 3; i++) h += "<a href=\'list_" + i + ".html\'>" + (i + 1) + "</a>";'
                'document.getElementById("pager").innerHTML = h;'
                'var a = document.createElement("a"); a.href = "/art/2024/1/t1.html"; a.innerText = "2023年年度报告";'
                'document.getElementById("list").appendChild(a);'
                "document.querySelector('#more').insertAdjacentHTML('beforeend', '<a href=\"javascript:;\">x</a>"
                "<a href=\"more.html\">更多</a>');</script>")
    assert found.links == (
        (BASE + "list_1.html", "2"), (BASE + "list_2.html", "3"),
        (HOST + "/art/2024/1/t1.html", "2023年年度报告"), (BASE + "more.html", "更多"),
    )


def test_script_anchors_are_clicked():
    found = run('<a href="javascript:goPage(2)">下一页</a> <span onclick="goPage(3)">3</span>'
                '<script>function goPage(n) { location.href = n == 1 ? "index.html" : "index_" + (n - 1) + ".html"; }'
                '</script>')
    assert found.links == ((BASE + "index_1.html", "下一页"), (BASE + "index_2.html", "3"))


def test_top_level_navigation_is_a_link():
    found = run("<script>window.location.href = '/xxgk/ndbg/list.shtml';</script>")
    assert found.links == ((BASE + "list.shtml", ""),)


def test_anchors_of_a_fragment():
    assert anchors('<a href="a.html" title="t">一 <b>二</b></a><a href="javascript:go(2)">2</a>') == [
        ("a.html", "一 二", ""), ("", "2", "go(2)"),
    ]


# --- pagers with callbacks ------------------------------------------------------------------


def test_laypage_jump_leads_to_the_pages():
    found = run("<script>layui.use(['laypage'], function(){ var laypage = layui.laypage;"
                "laypage.render({elem: 'page', count: 57, limit: 15, curr: 1, jump: function(obj, first){"
                "if (!first) { location.href = obj.curr == 1 ? 'index.html' : 'index_' + (obj.curr - 1) + '.html'; }"
                "}}); });</script>")
    assert found.pages == pages("index_1.html", "index_2.html", "index_3.html")


def test_twbs_pagination_on_page_click():
    found = run("<script>$(function(){ $('#p').twbsPagination({totalPages: 5, visiblePages: 5,"
                "onPageClick: function(event, page){ if (page > 1) window.location.href = '?page=' + page; }}); });"
                "</script>")
    assert found.pages == tuple(f"{PAGE}?page={n}" for n in (2, 3, 4, 5))


def test_jquery_pagination_callback_counts_from_zero():
    found = run("<script>function pageselectCallback(page_index, jq){"
                "$.getJSON('/api/list', {page: page_index + 1}, function(data){}); return false; }"
                "$('#pager').pagination(45, {callback: pageselectCallback, items_per_page: 15});</script>")
    assert found.apis == (HOST + "/api/list?page=2", HOST + "/api/list?page=3")
    assert found.pages == ()


def test_a_pager_of_the_pages_own_making():
    found = run("<script>var Pager = {init: function(options){ this.options = options; }};</script>"
                "<script>Pager.init({pageCount: 3, current: 1, onChange: function(p){"
                "location.assign('list.jsp?pageNo=' + p); }});</script>")
    # The page's own object, left behind by one script, has its methods observed in the next.
    assert found.pages == (BASE + "list.jsp?pageNo=2", BASE + "list.jsp?pageNo=3")


def test_an_observed_library_pager_with_a_config():
    found = run("<script>kkpager.generPageHtml({pno: 1, total: 3, totalRecords: 30, mode: 'click',"
                "click: function(n){ this.selectPage(n); window.open('list.jsp?pageNo=' + n); return false; }});</script>")
    assert found.pages == (BASE + "list.jsp?pageNo=2", BASE + "list.jsp?pageNo=3")


def test_page_count_is_capped_by_the_limit():
    start = time.perf_counter()
    found = run("<script>createPageHTML(10000, 0, 'index', 'html'); laypage.render({count: 1000000, limit: 10,"
                "jump: function(obj){ location.href = 'p' + obj.curr + '.html'; }});</script>", limit=4)
    assert found.pages == pages("index_1.html", "index_2.html", "index_3.html", "index_4.html")
    assert time.perf_counter() - start < TIME_BUDGET


# --- what the scripts fetch -----------------------------------------------------------------


def test_api_calls_are_recorded_with_their_data():
    found = run("<script>$.getJSON('/gkmlpt/api/all/2849?page=1', function(d){});"
                "$.ajax({url: '/api/ajax', data: {page: 1, size: 20}, success: function(d){}});"
                "$.ajax({url: '/api/post.do', type: 'POST', data: {pageNo: 2}});"
                "fetch('/api/list?page=1').then(function(r){ return r.json(); });"
                "var x = new XMLHttpRequest(); x.open('GET', 'data/list.json?p=1'); x.send();"
                "axios.get('/api/ax', {params: {p: 2}});</script>")
    assert found.apis == (
        HOST + "/gkmlpt/api/all/2849?page=1", HOST + "/api/ajax?page=1&size=20", HOST + "/api/post.do?pageNo=2",
        HOST + "/api/list?page=1", BASE + "data/list.json?p=1", HOST + "/api/ax?p=2",
    )


def test_a_vue_shell_loads_its_list_when_mounted():
    found = run("<div id='app'></div><script>new Vue({el: '#app', data: function(){ return {pageNo: 1}; },"
                "mounted: function(){ this.load(); }, methods: {load: function(){"
                "axios.post('/api/vue/list', {pageNo: this.pageNo}); }}});</script>")
    assert found.apis == (HOST + "/api/vue/list?pageNo=1",)


# --- robustness -----------------------------------------------------------------------------


def test_an_endless_script_is_stopped_and_the_others_still_count():
    start = time.perf_counter()
    found = run('<script>createPageHTML(3, 0, "index", "html");</script><script>while (true) {}</script>'
                '<script>createPageHTML(2, 0, "list", "html");</script>')
    assert time.perf_counter() - start < TIME_BUDGET + 0.5
    assert "out of time" in found.error
    assert found.pages == pages("index_1.html", "index_2.html", "list_1.html")


def test_a_script_that_eats_memory_is_stopped():
    found = run("<script>var a = []; while (true) a.push(new Array(100000).fill(1));</script>")
    assert found.pages == () and "memory" in found.error


def test_failing_scripts_leave_the_others_running():
    found = run('<script>null.x;</script><script>this is not ( JavaScript</script>'
                '<script>createPageHTML(2, 0, "index", "html");</script>')
    assert found == ScriptFindings(pages=pages("index_1.html"))


def test_no_inline_script_means_no_engine():
    html = '<script src="/js/pager.js"></script><script type="text/javascript" src="a.js">  </script><p>x</p>'
    assert inline_scripts(html) == []
    assert run_listing_scripts(html, PAGE) == ScriptFindings()


def test_data_scripts_and_external_ones_are_not_run():
    html = ('<script type="text/xml"><datastore><record>createPageHTML(3, 0, "index", "html")</record></datastore>'
            '</script><script type="text/html" id="tpl"><a href="{{url}}">{{title}}</a></script>'
            '<script src="pager.js">createPageHTML(5, 0, "list", "html");</script>'
            '<script type="application/json">{"pages": 3}</script>')
    assert inline_scripts(html) == []
    assert run_listing_scripts(html, PAGE) == ScriptFindings()


@pytest.mark.parametrize("script", ["throw new Error('x')", "document.write(undefined); $(null).html()",
                                    "window.location = null; open(); fetch();", "$.ajax(); new XMLHttpRequest().send()"])
def test_odd_scripts_never_raise(script):
    found = run(f"<script>{script}</script>")
    assert found.pages == () and found.error is None


def test_listings_run_from_many_threads_at_once_in_a_fresh_process():
    # The crawl runs scripts off the reactor in a thread pool; V8's first start must survive that.
    program = """
import concurrent.futures
from crawler.scripts import run_listing_scripts
page = '<html><body><script>createPageHTML(3, 0, "index", "html");</script></body></html>'
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    found = list(pool.map(lambda _: run_listing_scripts(page, %r).pages, range(8)))
print(len(set(found)), len(found[0]))
""" % PAGE
    for _ in range(3):
        finished = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                                  cwd=Path(__file__).parents[2])
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert finished.stdout.split() == ["1", "2"]
