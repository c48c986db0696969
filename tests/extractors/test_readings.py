"""The readings of a report's tables and the choice among them.

On every fixture PDF each reading on its own must be right wherever it says anything
(0 wrong), the positioned-word reading complete everywhere and the ruled one wherever the
producer ruled the table; the chosen figures carry the box they were printed in; and the
rules that keep a wrong figure out are tested on tables built here.
"""

from __future__ import annotations

import json

import pdfplumber
import pypdfium2 as pdfium
import pytest

from extractors import extract
from extractors.figures import read_figures
from extractors.model import Table
from extractors.pdf import TABLE_MARKERS, page_tables
from extractors.pdfium_page import pdfium_page
from extractors.readings import choose
from extractors.report import parse_report
from tests.support import REPORTS

PDF_REPORTS = [path for path in sorted(REPORTS.glob("*.pdf.expected.json"))
               if json.loads(path.read_text(encoding="utf-8"))["is_report"]]
# Producers that leave (some of) a table's cells unruled: only the word reading reads them whole.
UNRULED = {"borderless", "wps-filled"}


def expected_of(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=PDF_REPORTS, ids=lambda p: p.name.removesuffix(".expected.json"))
def extracted(request):
    expected = expected_of(request.param)
    return expected, extract(REPORTS / expected["file"])


@pytest.mark.parametrize("name", ["ruled", "words"])
def test_each_reading_alone_is_never_wrong_and_complete_where_it_can_be(extracted, name):
    expected, result = extracted
    reading = read_figures([t for t in result.tables if t.reading == name], name)
    got = {key: stat.value for key, stat in reading.stats.items()}
    wrong = {key: (got[key], value) for key, value in expected["stats"].items() if key in got and got[key] != value}
    assert not wrong, wrong
    assert set(got) <= set(expected["stats"])
    if name == "words" or expected["producer"] not in UNRULED:
        assert set(got) == set(expected["stats"]), sorted(set(expected["stats"]) - set(got))[:10]


def test_every_table_complete_and_figures_located_where_they_were_printed(extracted):
    expected, result = extracted
    report = result.report
    assert [(q.section, q.status) for q in report.quality] == [(2, "complete"), (3, "complete"), (4, "complete")]
    assert report.figures_quality == "complete"
    assert report.consistent == expected["consistent"]
    for stat in report.stats:
        assert stat.page and stat.bbox and stat.cell and stat.reading in ("ruled", "words")
        if "cells" in expected:  # the generator knows each figure's cell
            page, x0, top, x1, bottom = expected["cells"][stat.key]
            sx0, stop, sx1, sbottom = stat.bbox
            # Inside the printed cell (within the table finder's 3 pt snapping), centred in it.
            assert stat.page == page and x0 - 3 <= sx0 and sx1 <= x1 + 3 and top - 3 <= stop and sbottom <= bottom + 3, (
                stat.key, stat.bbox, expected["cells"][stat.key])
            assert x0 <= (sx0 + sx1) / 2 <= x1 and top <= (stop + sbottom) / 2 <= bottom, stat.key


def visible_paint(page):
    """A pdfplumber page without what cannot be a rule: white paint, and filled boxes without a
    stroke (cell shading, the white box WPS puts behind a line of text) — the rule of pdfium_page."""

    def white(color) -> bool:
        values = tuple(color) if isinstance(color, (tuple, list)) else (color,) if color is not None else ()
        if len(values) == 4:  # CMYK
            return all(v <= 0.08 for v in values)
        return bool(values) and all(isinstance(v, (int, float)) and v >= 0.92 for v in values)

    def keep(obj) -> bool:
        if obj["object_type"] not in ("rect", "line", "curve"):
            return True
        stroked = obj.get("stroke") and not white(obj.get("stroking_color"))
        filled = obj.get("fill") and not white(obj.get("non_stroking_color"))
        if obj["object_type"] == "rect" and obj["width"] > 3 and obj["height"] > 3:
            return bool(stroked)
        return bool(stroked or filled)

    return page.filter(keep)


@pytest.mark.parametrize("path", PDF_REPORTS, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_pdfium_pages_give_the_same_ruled_tables_as_stock_pdfplumber(path):
    """The fast path (pdfplumber's table finder on PDFium's characters and lines) against
    pdfplumber on its own (pdfminer's characters and lines), on every table page of every
    fixture style: the same cells with the same text."""
    name = expected_of(path)["file"]
    table_pages = [i for i, text in enumerate(extract(REPORTS / name).page_texts)
                   if TABLE_MARKERS.search("".join(text.split()))]
    document = pdfium.PdfDocument(str(REPORTS / name))
    compared = 0
    with pdfplumber.open(REPORTS / name) as stock:
        for index in table_pages:
            page = document[index]
            textpage = page.get_textpage()
            try:
                described = pdfium_page(page, textpage)
                if described is None:
                    continue
                ours = [[["".join(c.text.split()) for c in row] for row in t.rows]
                        for t in page_tables(described, index + 1)]
                theirs = [[["".join(c.text.split()) for c in row] for row in t.rows]  # spaces: each its own guess
                          for t in page_tables(visible_paint(stock.pages[index]), index + 1)]
                assert ours == theirs, f"page {index + 1}"
                compared += 1
            finally:
                textpage.close()
                page.close()
    document.close()
    assert compared >= 1


# --- the rules, on tables built here ------------------------------------------------------

COLUMNS_HEADER = ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def table3(rows: list[list[str]], reading: str = "ruled", index: int = 0) -> Table:
    grid = [COLUMNS_HEADER] + rows
    return Table(page=1, index=index, rows=grid, header_rows=1, row_pages=[1] * len(grid), reading=reading)


def seven(n: int) -> list[str]:
    return [str(n)] * 6 + [str(6 * n)]


def test_a_row_whose_label_names_two_rows_is_not_read():
    fused = table3([["一、本年新收政府信息公开申请数量", *seven(1)],
                    ["二、上年结转政府信息公开申请数量（一）予以公开", *seven(2)]])
    reading = read_figures([fused], "ruled")
    assert {s.item for s in reading.stats.values()} == {"received"}


def test_a_row_off_the_header_grid_needs_exactly_seven_values():
    headerless = Table(page=1, index=0, reading="words", rows=[
        ["一、本年新收政府信息公开申请数量", "5", "0", "0", "0", "0", "5"],  # six: a column lost
        ["二、上年结转政府信息公开申请数量", *seven(1)],
    ])
    reading = read_figures([headerless], "words")
    assert {s.item for s in reading.stats.values()} == {"carried_over"}


def test_a_figure_printed_twice_with_two_values_is_kept_by_neither():
    twice = table3([["（一）予以公开", *seven(3)], ["（一）予以公开", "3", "3", "3", "3", "3", "4", "19"]])
    reading = read_figures([twice], "ruled")
    assert "3.granted.other" in reading.conflicts and "3.granted.other" not in reading.stats
    assert reading.stats["3.granted.natural_person"].value == 3


def test_table_four_needs_one_row_of_exactly_fifteen_values():
    header = ["行政复议", None, None, None, None, "行政诉讼"] + [None] * 9
    sixteen = Table(page=1, index=0, rows=[header, [str(n) for n in range(16)]])
    assert read_figures([sixteen], "ruled").stats == {}
    fifteen = Table(page=1, index=0, rows=[header, [str(n) for n in range(15)]])
    stats = read_figures([fifteen], "ruled").stats
    assert stats["4.review.upheld"].value == 0 and stats["4.litigation_after_review.total"].value == 14


def test_two_readings_that_disagree_give_null_and_say_so():
    rows = [["一、本年新收政府信息公开申请数量", *seven(1)], ["（一）予以公开", *seven(2)]]
    ruled = read_figures([table3(rows)], "ruled")
    changed = [rows[0], ["（一）予以公开", "2", "2", "2", "2", "2", "20", "30"]]
    words = read_figures([table3(changed, "words", 1)], "words")
    stats, quality = choose([ruled, words], "2021")
    by_key = {s.key: s.value for s in stats}
    assert by_key["3.granted.other"] is None and by_key["3.granted.total"] is None
    assert by_key["3.granted.natural_person"] == 2 and by_key["3.received.total"] == 6
    table = next(q for q in quality if q.section == 3)
    assert table.status == "partial" and table.disagreements == ["3.granted.other", "3.granted.total"]
    assert table.identified == len(stats) - 2


def test_missing_and_found_tables_and_what_consistent_may_say():
    text = "某局2023年政府信息公开工作年度报告\n一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况"
    appeals = Table(page=1, index=1, rows=[
        ["行政复议", None, None, None, None, "行政诉讼"] + [None] * 9,
        ["10", "1", "0", "0", "0"] + ["0"] * 10,  # 结果维持 10 + 结果纠正 1, but 总计 0, as printed
    ])
    partial = table3([["一、本年新收政府信息公开申请数量", *seven(1)]])
    report = parse_report(text, [partial, appeals])
    statuses = {q.section: q.status for q in report.quality}
    assert statuses == {2: "missing", 3: "partial", 4: "complete"}
    assert report.figures_quality == "partial"
    assert report.consistent is False  # printed inconsistent, whatever else is missing
    assert [c.id for c in report.checks if not c.ok] == ["table4:review"]
    fine = Table(page=1, index=1, rows=[appeals.rows[0], ["1", "1", "0", "0", "2"] + ["0"] * 10])
    report = parse_report(text, [partial, fine])
    assert report.checks and all(c.ok for c in report.checks)
    assert report.consistent is None  # nothing failed, but not every table could be checked
