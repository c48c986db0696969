"""DOCX extraction: document order, merged cells resolved once, every figure of a
report built here with real gridSpan/vMerge merges (python-docx's cell.merge)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile

import docx
import pytest
from lxml import etree

from extractors import ExtractionError, extract
from extractors.labels import APPLICANT_COLUMNS, applicant_column
from extractors.figures import table_kind

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


# ---------------------------------------------------------------- DOCX as real producers write it
# Fixtures of fixtures/render_docx_variants.py (ground truth from their specs, figure cells from
# the layout they were generated from) and small documents written here, XML as Word / WPS write it.

VARIANTS = {name: REPORTS / name for name in (
    "dhsjj-2022-docx-layout-table.docx", "yunxi-zrzy-2023-docx-sdt.docx", "qingxi-zjj-2020-docx-textbox.docx",
    "jiaodaokou-2023-docx-vertical.docx", "tiantan-2019-docx-gridafter.docx")}
LEGACY = [REPORTS / "qingxi-zjj-2020-doc-libreoffice.doc", REPORTS / "jiaodaokou-2023-wps-libreoffice.wps"]
NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "w15": "http://schemas.microsoft.com/office/word/2012/wordml",
}


def docx_with_body(path, body: str):
    """A DOCX (python-docx's package) whose document.xml body is ``body``, written as is."""
    docx.Document().save(path)
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {declarations} '
                f'mc:Ignorable="w15"><w:body>{body}</w:body></w:document>')
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            target.writestr(info, document.encode("utf-8") if info.filename == "word/document.xml" else data)
    return path


def p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def tc(*content: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(content) or '<w:p/>'}</w:tc>"


def tbl(*rows: str) -> str:
    return "<w:tbl><w:tblPr/>" + "".join(rows) + "</w:tbl>"


def tr(*cells: str, props: str = "") -> str:
    return f"<w:tr><w:trPr>{props}</w:trPr>{''.join(cells)}</w:tr>"


def sdt(*content: str) -> str:
    return '<w:sdt><w:sdtPr><w:id w:val="7"/></w:sdtPr><w:sdtContent>' + "".join(content) + "</w:sdtContent></w:sdt>"


def read(path):
    from extractors.docx import read_docx

    text, tables, _ = read_docx(path)
    return text, tables


def document_xml(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml")


def expected_of(path):
    return json.loads(path.with_name(path.name + ".expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", VARIANTS.values(), ids=lambda p: p.name)
def test_producer_docx_every_figure_in_the_cell_it_was_put_in(path):
    assert_matches_expected(path.with_name(path.name + ".expected.json"))
    cells = expected_of(path)["cells"]
    report = extract(path).report
    assert {s.key: list(s.cell) for s in report.stats} == cells
    assert all(s.reading == "docx" for s in report.stats)


def test_layout_table_wrappers_are_not_tables_and_their_text_is_not_repeated():
    path = VARIANTS["dhsjj-2022-docx-layout-table.docx"]
    root = etree.fromstring(document_xml(path))
    w = NAMESPACES["w"]
    assert root.xpath("/w:document/w:body/w:tbl//w:tbl//w:tbl//w:tbl", namespaces={"w": w})  # table 三, 4 deep
    assert len(root.xpath("/w:document/w:body/*[not(self::w:sectPr)]", namespaces={"w": w})) == 1  # one wrapper
    result = extract(path)
    assert [table_kind(t) for t in result.tables] == ["other", "applications", "appeals"]
    assert [t.index for t in result.tables] == [0, 1, 2]
    text = result.text
    for once in ("申请人情况", "第二十条第（一）项", "复议后起诉", "注：本表数据截至当年12月31日", "一、总体情况"):
        assert text.count(once) == 1, once
    assert "单位：件" in text.splitlines()  # a wrapper's paragraphs are lines of the text
    positions = [text.index(s) for s in ("一、总体情况", "第二十条第（一）项", "申请人情况", "复议后起诉", "六、其他需要报告")]
    assert positions == sorted(positions)


def test_nested_tables_are_tables_of_their_own_in_document_order(tmp_path):
    data_a = tbl(tr(tc(p(r("甲"))), tc(p(r("1")))), tr(tc(p(r("乙"))), tc(p(r("2")))))
    nested_c = tbl(tr(tc(p(r("丙"))), tc(p(r("3")))))
    data_b = tbl(tr(tc(p(r("标签"))), tc(p(r("说明")), nested_c, "<w:p/>"), tc(p(r("9")))),
                 tr(tc(p(r("丁"))), tc(p(r("4"))), tc(p(r("5")))))
    wrapper = tbl(tr(tc(tbl(tr(tc(p(r("前言")), data_a, p(r("后记"))))), "<w:p/>")))
    text, tables = read(docx_with_body(tmp_path / "nested.docx", p(r("标题")) + wrapper + data_b + p(r("结尾"))))
    assert [t.rows for t in tables] == [
        [["甲", "1"], ["乙", "2"]],
        [["标签", "说明", "9"], ["丁", "4", "5"]],  # the nested table's text is not in its cell
        [["丙", "3"]],
    ]
    assert [t.index for t in tables] == [0, 1, 2] and {t.reading for t in tables} == {"docx"}
    assert text.split("\n") == ["标题", "前言", "甲\t1", "乙\t2", "后记", "", "标签\t说明\t9", "丁\t4\t5", "丙\t3", "结尾"]


def test_content_controls_at_block_row_cell_and_run_level(tmp_path):
    from docx.text.paragraph import Paragraph

    runs = (r("本年") + sdt(r("收到")) + '<w:smartTag w:uri="u" w:element="place">' + r("申请") + "</w:smartTag>"
            + '<w:hyperlink w:anchor="x">' + r("共") + "</w:hyperlink>"
            + '<w:del w:id="1" w:author="a"><w:r><w:delText>99</w:delText></w:r></w:del>'
            + '<w:ins w:id="2" w:author="a">' + r("12") + "</w:ins>"
            + '<w:moveFrom w:id="3" w:author="a">' + r("旧") + "</w:moveFrom>"
            + '<w:moveTo w:id="4" w:author="a">' + r("件") + "</w:moveTo>"
            + '<w:fldSimple w:instr=" =SUM(LEFT) ">' + r("，") + "</w:fldSimple>"
            + '<w:customXml w:element="note">' + r("完") + "</w:customXml>")
    table = tbl(sdt(tr(tc(p(r("项目"))), sdt(tc(p(r("数量")))))),
                tr(tc(p(r("收到"))), sdt(sdt(tc(p(sdt(r("7"))))))))
    body = sdt(p(runs), table, '<w:customXml w:element="block">' + p(r("附注")) + "</w:customXml>")
    path = docx_with_body(tmp_path / "sdt.docx", body)
    text, tables = read(path)
    assert text.split("\n") == ["本年收到申请共12件，完", "项目\t数量", "收到\t7", "附注"]
    assert tables[0].rows == [["项目", "数量"], ["收到", "7"]]
    # What python-docx's Paragraph.text leaves out (and why this reader walks the runs itself).
    paragraph = etree.fromstring(document_xml(path)).find(f".//{{{NAMESPACES['w']}}}p")
    assert Paragraph(docx.oxml.parse_xml(etree.tostring(paragraph)), None).text == "本年共"


def test_content_controls_fixture_deleted_text_is_not_read():
    path = VARIANTS["yunxi-zrzy-2023-docx-sdt.docx"]
    xml = document_xml(path).decode("utf-8")
    w = {"w": NAMESPACES["w"]}
    root = etree.fromstring(xml.encode("utf-8"))
    for where in ("/w:document/w:body/w:sdt/w:sdtContent/w:tbl", "//w:tbl/w:sdt/w:sdtContent/w:sdt/w:sdtContent/w:tr",
                  "//w:tr/w:sdt/w:sdtContent/w:tc", "//w:p/w:sdt/w:sdtContent/w:r", "//w:p/w:smartTag/w:r",
                  "//w:p/w:ins/w:r", "//w:p/w:hyperlink/w:r", "//w:p/w:fldSimple/w:r", "//w:p/w:del/w:r/w:delText"):
        assert root.xpath(where, namespaces=w), where
    assert re.search(r"<w:delText[^>]*>2022</w:delText>", xml)  # the deleted year, before the inserted one
    result = extract(path)
    assert result.report.title == "云溪县自然资源局2023年政府信息公开工作年度报告" and "2022" not in result.text.splitlines()[0]
    assert_matches_expected(path.with_name(path.name + ".expected.json"))  # a deleted digit would break a figure


def test_vmerge_restart_continue_and_bare_continue(tmp_path):
    restart, cont, bare = ('<w:vMerge w:val="restart"/>', '<w:vMerge w:val="continue"/>', "<w:vMerge/>")
    table = tbl(
        tr(tc(p(r("分组")), props=restart), tc(p(r("甲"))), tc(p(r("合并")), props='<w:gridSpan w:val="2"/>' + restart)),
        tr(tc(props=cont), tc(p(r("乙"))), tc(props='<w:gridSpan w:val="2"/>' + bare)),
        tr(tc(props=bare), tc(), tc(p(r("3"))), tc(p(r("4")))),
        tr(tc(p(r("已删")), props=restart), tc(), tc(), tc(), props='<w:del w:id="1" w:author="a"/>'),  # a deleted row
    )
    _, tables = read(docx_with_body(tmp_path / "vmerge.docx", table + "<w:p/>"))
    assert tables[0].rows == [["分组", "甲", "合并", None], [None, "乙", None, None], [None, "", "3", "4"]]


def test_vertical_header_cells_map_to_their_columns():
    path = VARIANTS["jiaodaokou-2023-docx-vertical.docx"]
    xml = document_xml(path).decode("utf-8")
    for direction in ("tbRlV", "tbRl", "btLr"):
        assert f'<w:textDirection w:val="{direction}"/>' in xml
    assert "<w:vMerge/>" in xml and 'w:val="continue"' not in xml  # WPS's bare continuation
    assert "<w:t>商业</w:t>" in xml and "<w:br/>" in xml
    t3 = extract(path).tables[1]
    assert t3.rows[1][3] == "自然人" and t3.rows[1][9] == "总计" and t3.rows[5][0] == "三、本年度办理结果"
    header = t3.rows[2][4:9]
    assert header == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert [applicant_column(c) for c in [t3.rows[1][3], *header, t3.rows[1][9]]] == list(APPLICANT_COLUMNS)
    assert_matches_expected(path.with_name(path.name + ".expected.json"))


def test_stacked_header_words_in_a_small_table(tmp_path):
    vertical = '<w:textDirection w:val="tbRlV"/>'
    head = tr(tc(p(r("商")), p(r("业")), p(r("企")), p(r("业")), props=vertical),
              tc(p(r("科研"), "<w:r><w:br/></w:r>", r("机构")), props='<w:textDirection w:val="btLr"/>'),
              tc(p("<w:r><w:t>法律</w:t><w:br/><w:t>服务</w:t><w:br/><w:t>机构</w:t></w:r>"), props=vertical))
    _, tables = read(docx_with_body(tmp_path / "stacked.docx", tbl(head) + "<w:p/>"))
    assert tables[0].rows == [["商业企业", "科研机构", "法律服务机构"]]
    assert [applicant_column(c) for c in tables[0].rows[0]] == ["commercial", "research", "legal_services"]


def text_box(choice: str, fallback: str) -> str:
    """A run holding a DrawingML text box (mc:Choice) and its VML fallback, as Word writes them."""
    return ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:inline><wp:extent cx="1" cy="1"/>'
            '<wp:docPr id="1" name="box"/><a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
            f'wordprocessingShape"><wps:wsp><wps:txbx><w:txbxContent>{choice}</w:txbxContent></wps:txbx><wps:bodyPr/>'
            '</wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice><mc:Fallback><w:pict>'
            f'<v:shape><v:textbox><w:txbxContent>{fallback}</w:txbxContent></v:textbox></v:shape></w:pict>'
            "</mc:Fallback></mc:AlternateContent></w:r>")


def test_text_box_is_read_once_from_its_choice(tmp_path):
    box_table = tbl(tr(tc(p(r("甲"))), tc(p(r("1")))))
    vml_only = '<w:r><w:pict><v:shape><v:textbox><w:txbxContent>' + p(r("旧式文本框")) + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    body = (p(r("锚前"), text_box(p(r("框内")) + box_table + "<w:p/>", p(r("备用")) + box_table + "<w:p/>"), r("锚后"))
            + p(vml_only) + p(r("正文")))
    text, tables = read(docx_with_body(tmp_path / "box.docx", body))
    assert text.split("\n") == ["锚前锚后", "框内", "甲\t1", "", "", "旧式文本框", "正文"]
    assert [t.rows for t in tables] == [[["甲", "1"]]]


def test_text_box_fixture_has_no_duplicate_text():
    path = VARIANTS["qingxi-zjj-2020-docx-textbox.docx"]
    xml = document_xml(path).decode("utf-8")
    spec = json.loads((REPORTS.parent / "specs" / "qingxi-zjj-2020.json").read_text(encoding="utf-8"))
    first_paragraph = spec["sections"][0]["paragraphs"][0]
    assert xml.count("<wps:txbx>") == 2 and xml.count("<v:textbox") == 3  # two with a VML copy, one VML only
    assert xml.count("复议后起诉") == 2 and xml.count(first_paragraph) == 1
    result = extract(path)
    assert len(result.tables) == 3 and table_kind(result.tables[2]) == "appeals"
    for once in (spec["title"], "复议后起诉", first_paragraph, "四、政府信息公开行政复议"):
        assert result.text.count(once) == 1, once
    positions = [result.text.index(s) for s in (spec["title"], "一、总体情况", first_paragraph, "申请人情况", "复议后起诉")]
    assert positions == sorted(positions)
    assert_matches_expected(path.with_name(path.name + ".expected.json"))


def test_grid_before_and_after_and_short_rows(tmp_path):
    table = ('<w:tbl><w:tblPr/><w:tblGrid>' + '<w:gridCol w:w="500"/>' * 5 + "</w:tblGrid>"
             + tr(tc(p(r("表头")), props='<w:gridSpan w:val="4"/>'),
                  props='<w:gridAfter w:val="1"/><w:wAfter w:w="500" w:type="dxa"/>')
             + tr(tc(p(r("1"))), tc(p(r("2"))), tc(), props='<w:gridBefore w:val="1"/><w:gridAfter w:val="1"/>'
                  '<w:wBefore w:w="500" w:type="dxa"/><w:wAfter w:w="500" w:type="dxa"/>')
             + tr(tc(p(r("短行"))))  # fewer cells than the grid, nothing declared
             + tr(tc(p(r("3"))), props='<w:wBefore w:w="500" w:type="dxa"/>')  # a width alone moves nothing
             + "</w:tbl><w:p/>")
    _, tables = read(docx_with_body(tmp_path / "grid.docx", table))
    assert tables[0].rows == [
        ["表头", None, None, None, None],
        [None, "1", "2", "", None],
        ["短行", None, None, None, None],
        ["3", None, None, None, None],
    ]


def test_grid_after_fixture_shifts_table_4_and_pads_every_row():
    path = VARIANTS["tiantan-2019-docx-gridafter.docx"]
    xml = document_xml(path).decode("utf-8")
    assert '<w:gridBefore w:val="1"/>' in xml and '<w:gridAfter w:val="1"/>' in xml and "<w:wAfter " in xml
    tables = extract(path).tables
    assert [len(t.rows[0]) for t in tables] == [5, 11, 17]  # 4 + 1, 10 + 1, 1 + 15 + 1 grid columns
    assert all(row[-1] is None for t in tables for row in t.rows)
    assert [row[0] for row in tables[2].rows] == [None] * 4 and tables[2].rows[0][1] == "行政复议"
    assert tables[1].rows[6][0] is None and tables[1].rows[5][0] == "三、本年度办理结果"
    assert_matches_expected(path.with_name(path.name + ".expected.json"))


def test_hostile_grid_is_bounded_and_a_damaged_span_is_refused(tmp_path):
    from extractors.docx import MAX_COLUMNS

    wide = tbl(tr(tc(p(r("甲")), props='<w:gridSpan w:val="1000000000"/>'), tc()),
               tr(tc(), props='<w:gridBefore w:val="2000000000"/>'))
    _, tables = read(docx_with_body(tmp_path / "wide.docx", wide + "<w:p/>"))
    assert [len(row) for row in tables[0].rows] == [MAX_COLUMNS, MAX_COLUMNS] and tables[0].rows[0][0] == "甲"
    for n, damage in enumerate(('<w:gridSpan w:val="x"/>', "<w:gridSpan/>")):
        damaged = docx_with_body(tmp_path / f"damaged{n}.docx", tbl(tr(tc(props=damage), tc())) + "<w:p/>")
        with pytest.raises(ExtractionError, match="corrupt docx"):
            extract(damaged)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="no soffice")
@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.name)
def test_legacy_doc_and_wps_fixtures(path):
    assert path.read_bytes().startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # OLE2, .doc and .wps alike
    assert_matches_expected(path.with_name(path.name + ".expected.json"))
    result = extract(path)
    assert result.format == path.suffix[1:] and len(result.tables) == 3
    assert [table_kind(t) for t in result.tables] == ["other", "applications", "appeals"]
