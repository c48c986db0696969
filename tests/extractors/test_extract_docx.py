"""DOCX extraction: document order, merged cells resolved once, every figure of a
report built here with real gridSpan/vMerge merges (python-docx's cell.merge)."""

from __future__ import annotations

import zipfile

import pytest

from extractors import extract

from tests.support import REPORTS, assert_matches_expected

from .report_docx import build_report_docx, sample_figures


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cells = sample_figures()
    path = build_report_docx(tmp_path_factory.mktemp("docx") / "report.docx", cells)
    return cells, extract(path)


def test_every_figure_of_a_merged_cell_report(built):
    cells, result = built
    got = result.report.stats_dict()
    expected = {k: (float(v) if "." in v else int(v)) for k, v in cells.items()}
    assert got == expected
    assert result.report.consistent is True
    assert {c.rule for c in result.report.checks} == {"balance", "results", "columns", "table4"}


def test_identity_and_sections(built):
    _, result = built
    report = result.report
    assert result.format == "docx" and result.pages is None and result.page_texts == [result.text]
    assert (report.title, report.agency, report.year, report.format_version) == (
        "测试街道办事处2023年政府信息公开工作年度报告", "测试街道办事处", 2023, "2021")
    assert [s["number"] for s in report.sections] == [1, 2, 3, 4, 5, 6]
    assert "主动公开政府信息123条" in result.text  # full-width digits normalized
    assert "主动公开政府信息１２３条" in result.raw_text


def test_merged_cells_appear_once(built):
    _, result = built
    t3 = result.tables[1]
    flat = [c for row in t3.rows for c in row]
    assert flat.count("三、本年度办理结果") == 1  # vMerge over 22 rows
    assert flat.count("申请人情况") == 1  # gridSpan 7
    assert flat.count("（三）不予公开") == 1
    assert t3.rows[0][:4] == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", None, None, "申请人情况"]
    assert t3.rows[2][4] == "商业企业"  # line break inside the cell joined
    assert t3.header_rows == 3
    assert all(len(row) == 10 for row in t3.rows)


def test_document_order_of_paragraphs_and_tables(built):
    _, result = built
    text = result.text
    positions = [text.index(s) for s in ("二、主动公开", "第二十条第（一）项", "三、收到和处理", "申请人情况", "四、政府信息公开行政复议", "五、存在")]
    assert positions == sorted(positions)


def test_stat_provenance(built):
    _, result = built
    stat = next(s for s in result.report.stats if s.key == "3.denied.internal_affairs.research")
    assert stat.row_label == "5.属于三类内部事务信息" and stat.column_label == "科研机构" and stat.page is None
    stat = next(s for s in result.report.stats if s.key == "2.fees.amount_10k_yuan")
    assert stat.value == 96171.6 and stat.column_label == "本年收费金额（单位：万元）"


def test_blank_and_dash_cells_are_missing_not_zero(tmp_path):
    cells = sample_figures()
    cells["3.granted.research"] = "—"
    cells["3.granted.total"] = ""
    cells["4.review.pending"] = "/"
    result = extract(build_report_docx(tmp_path / "blanks.docx", cells))
    got = result.report.stats_dict()
    assert got["3.granted.research"] is None and got["3.granted.total"] is None and got["4.review.pending"] is None
    ids = {c.id for c in result.report.checks}
    assert "columns:granted" not in ids and "table4:review" not in ids  # not evaluated
    assert result.report.consistent is True


def test_a_docx_named_doc_is_read_as_docx(built, tmp_path):
    cells, _ = built
    path = build_report_docx(tmp_path / "report.docx", cells)
    renamed = path.rename(tmp_path / "report.doc")
    result = extract(renamed)
    assert result.format == "docx" and len(result.report.stats) == 200


def test_python_docx_template_page_count_is_not_trusted(built, tmp_path):
    with zipfile.ZipFile(build_report_docx(tmp_path / "r.docx", sample_figures())) as z:
        assert b"<Pages>1</Pages>" in z.read("docProps/app.xml")
    assert built[1].pages is None


@pytest.mark.parametrize("expected_path", sorted(REPORTS.glob("*.docx.expected.json")), ids=lambda p: p.name)
def test_fixture_docx(expected_path):
    assert_matches_expected(expected_path)


def test_table4_printed_blank_is_fifteen_missing_figures(tmp_path):
    cells = sample_figures()
    for key in [k for k in cells if k.startswith("4.")]:
        cells[key] = ""
    got = extract(build_report_docx(tmp_path / "blank4.docx", cells)).report.stats_dict()
    table4 = {k: v for k, v in got.items() if k.startswith("4.")}
    assert len(table4) == 15 and set(table4.values()) == {None}
