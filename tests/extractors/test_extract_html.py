"""extractors.html: a web-page report's article to text and grids (rowspan/colspan, &nbsp;,
GBK), and hostile pages refused in one line."""

from __future__ import annotations

import pytest

from extractors import ExtractionError, extract
from extractors.html import MAX_CELLS, read_html


def page(tmp_path, body: str, encoding: str = "utf-8", name: str = "p.html"):
    path = tmp_path / name
    path.write_bytes(f"<html><head><meta charset='{encoding}'></head><body>{body}</body></html>".encode(encoding))
    return path


def test_spans_expand_to_a_grid_with_merged_positions_none(tmp_path):
    table = ("<div class='TRS_Editor'><p>" + "正文" * 30 + "</p><table>"
             "<tr><td rowspan='2' colspan='2'>本列</td><td colspan='2'>申请人情况</td></tr>"
             "<tr><td>自然人</td><td>&nbsp;</td></tr>"
             "<tr><td>一、本年新收</td><td></td><td><p>6</p></td><td><span>1</span>2</td></tr></table></div>")
    _, (grid,) = read_html(page(tmp_path, table))
    assert grid.rows == [["本列", None, "申请人情况", None], [None, None, "自然人", ""], ["一、本年新收", "", "6", "12"]]
    assert grid.reading == "html" and grid.page is None


def test_gbk_page_and_layout_tables_are_not_data(tmp_path):
    body = ("<table><tr><td><div id='zoom'><p>" + "政府信息公开工作年度报告正文。" * 10 + "</p>"
            "<table><tr><th>信息内容</th><th>本年制发件数</th></tr><tr><td>规章</td><td>0</td></tr></table>"
            "</div></td></tr></table>")
    texts, tables = read_html(page(tmp_path, body, "gbk"))
    assert "政府信息公开工作年度报告正文" in texts[0]
    assert [t.rows for t in tables] == [[["信息内容", "本年制发件数"], ["规章", "0"]]]


def test_an_absurd_table_is_refused_in_one_line(tmp_path):
    rows = "".join(f"<tr><td rowspan='100' colspan='100'>{i}</td></tr>" for i in range(MAX_CELLS // 10000 + 5))
    with pytest.raises(ExtractionError, match="table of over") as info:
        read_html(page(tmp_path, "<div id='zoom'>" + "字" * 60 + f"<table>{rows}</table></div>"))
    assert "\n" not in str(info.value)


def test_a_page_that_is_not_a_report_has_text_and_no_report(tmp_path):
    result = extract(page(tmp_path, "<div class='nav'><a href='/'>首页</a></div><p>关于开展春季植树活动的通知</p>"))
    assert (result.format, result.report) == ("html", None)
    assert result.text == "关于开展春季植树活动的通知"
