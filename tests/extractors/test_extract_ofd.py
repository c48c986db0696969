"""OFD extraction: the committed fixture (text, every figure, both readings), glyph placement
(DeltaX, the g shorthand, CTM), and hostile packages refused with one line."""

from __future__ import annotations

import json
import re
import time
import zipfile

import pytest

from extractors import ExtractionError, extract
from extractors.pdf import MAX_PAGES

from tests.support import REPORTS, assert_matches_expected

FIXTURE = REPORTS / "dhsjj-2022-ofd.ofd"
EXPECTED = json.loads((REPORTS / "dhsjj-2022-ofd.ofd.expected.json").read_text(encoding="utf-8"))
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
ROOT = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
        "<ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        "</ofd:DocBody></ofd:OFD>")


@pytest.fixture(scope="module")
def result():
    return extract(FIXTURE)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def document(pages: str, head: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{head}<ofd:Document {NS}><ofd:CommonData>'
            "<ofd:MaxUnitID>9</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
            f"</ofd:PageArea></ofd:CommonData><ofd:Pages>{pages}</ofd:Pages></ofd:Document>")


def content(objects: str, head: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{head}<ofd:Page {NS}><ofd:Content><ofd:Layer ID="1">'
            f"{objects}</ofd:Layer></ofd:Content></ofd:Page>")


PAGE = '<ofd:Page ID="2" BaseLoc="Pages/Page_0/Content.xml"/>'


def package(path, members: dict[str, str | bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def one_page(path, objects: str, **more):
    return package(path, {"OFD.xml": ROOT, "Doc_0/Document.xml": document(PAGE),
                          "Doc_0/Pages/Page_0/Content.xml": content(objects), **more})


def refused(path, *words: str) -> str:
    start = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        extract(path)
    message = str(caught.value)
    assert time.monotonic() - start < 5
    assert "\n" not in message and message
    for word in words:
        assert word in message.lower(), message
    return message


# ---------------------------------------------------------------- the fixture


def test_fixture_every_figure_and_verdict():
    assert_matches_expected(REPORTS / "dhsjj-2022-ofd.ofd.expected.json")


def test_text_is_searchable(result):
    assert (result.format, result.media_type, result.pages) == ("ofd", "application/ofd", EXPECTED["pages"])
    assert len(result.page_texts) == EXPECTED["pages"]
    text = squash(result.text)
    for needle in (EXPECTED["title"], EXPECTED["agency"], "2022年",
                   "全年通过门户网站主动公开政府信息3126条", "一、总体情况", "五、存在的主要问题及改进情况"):
        assert squash(needle) in text, needle
    assert result.report.consistent is True and result.report.failing_rules == []


def test_both_readings_agree_and_point_at_the_cells(result):
    report = result.report
    assert [(q.status, q.disagreements) for q in report.quality] == [("complete", [])] * 3
    assert {t.reading for t in result.tables} == {"ruled", "words"}
    for stat in report.stats:  # provenance: the page and box of the cell the figure is printed in
        page, x0, top, x1, bottom = EXPECTED["cells"][stat.key]
        assert stat.page == page, stat.key
        bx0, btop, bx1, bbottom = stat.bbox  # the ruled cell may take a neighbour's rule snapped to it
        assert x0 < (bx0 + bx1) / 2 < x1 and top < (btop + bbottom) / 2 < bottom, stat.key


@pytest.mark.parametrize("alone", ["words", "ruled"])
def test_each_reading_alone_reads_every_figure(monkeypatch, alone):
    """Without ruling lines the positioned words read every figure; with the words reading left out,
    the rules from the path objects do."""
    import extractors.ofd as ofd
    from extractors.pdf import both_readings

    if alone == "words":
        monkeypatch.setattr(ofd, "page_tables", lambda page, number: [])
    else:
        monkeypatch.setattr(ofd, "both_readings", lambda raw, pages: both_readings(raw, []))
    report = extract(FIXTURE).report
    assert {q.reading for q in report.quality} == {alone}
    assert report.stats_dict() == EXPECTED["stats"] and report.consistent is True


# ---------------------------------------------------------------- glyph placement


def test_deltax_g_shorthand_and_ctm_place_glyphs(tmp_path):
    """Written right before left: read by position. A CTM halves the second object's coordinates and size;
    DeltaX 'g 2 10' spaces its glyphs 10 mm apart (three words), 'g 2 4' sets them solid (one word)."""
    objects = (
        '<ofd:TextObject ID="3" Boundary="100 20 60 10" Font="1" Size="4">'
        '<ofd:TextCode X="0" Y="4" DeltaX="g 2 10">右边字</ofd:TextCode></ofd:TextObject>'
        '<ofd:TextObject ID="4" Boundary="20 20 60 10" Font="1" Size="8" CTM="0.5 0 0 0.5 0 0">'
        '<ofd:TextCode X="0" Y="8" DeltaX="g 2 8">左边字</ofd:TextCode></ofd:TextObject>'
        '<ofd:PageBlock ID="5"><ofd:PageBlock ID="6"><ofd:TextObject ID="7" Boundary="20 40 60 10" Size="4">'
        '<ofd:TextCode X="0" Y="4">第二</ofd:TextCode><ofd:TextCode Y="4" X="8">行</ofd:TextCode>'
        "</ofd:TextObject></ofd:PageBlock></ofd:PageBlock>"
    )
    result = extract(one_page(tmp_path / "placed.ofd", objects))
    assert result.raw_text == "左边字 右 边 字\n第二行"  # page_texts are normalized: no space between ideographs
    assert result.pages == 1 and result.tables == []


def test_template_text_is_read_with_the_page(tmp_path):
    doc = document(PAGE).replace(
        "</ofd:PageArea>", '</ofd:PageArea><ofd:TemplatePage ID="8" BaseLoc="Tpls/Tpl_0/Content.xml"/>')
    page = content('<ofd:TextObject ID="3" Boundary="20 50 60 10" Size="4"><ofd:TextCode X="0" Y="4">正文'
                   "</ofd:TextCode></ofd:TextObject>").replace("<ofd:Content>", '<ofd:Template TemplateID="8"/><ofd:Content>')
    template = content('<ofd:TextObject ID="9" Boundary="20 10 60 10" Size="4"><ofd:TextCode X="0" Y="4">页眉'
                       "</ofd:TextCode></ofd:TextObject>")
    path = package(tmp_path / "template.ofd", {"OFD.xml": ROOT, "Doc_0/Document.xml": doc,
                                               "Doc_0/Pages/Page_0/Content.xml": page,
                                               "Doc_0/Tpls/Tpl_0/Content.xml": template})
    assert extract(path).page_texts == ["页眉\n正文"]


# ---------------------------------------------------------------- hostile packages


def test_zip_bomb_member_is_refused_from_the_directory(tmp_path):
    path = one_page(tmp_path / "bomb.ofd", "", **{"Doc_0/Res/big.xml": b"<" + b"a" * (80 * 1024 * 1024) + b"/>"})
    assert path.stat().st_size < 1024 * 1024
    refused(path, "ofd refused", "zip bomb")


def test_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    head = f'<!DOCTYPE ofd:Document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    doc = document(PAGE, head).replace("<ofd:MaxUnitID>9", "<ofd:MaxUnitID>&xxe;9")
    path = package(tmp_path / "xxe.ofd", {"OFD.xml": ROOT, "Doc_0/Document.xml": doc,
                                          "Doc_0/Pages/Page_0/Content.xml": content("")})
    message = refused(path, "ofd refused", "doc_0/document.xml")
    assert "TOPSECRET" not in message


def test_billion_laughs_is_refused(tmp_path):
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    head = f'<!DOCTYPE ofd:Page [<!ENTITY l0 "ha">{laughs}]>'
    page = content('<ofd:TextObject ID="3" Boundary="0 0 10 10" Size="4"><ofd:TextCode X="0" Y="4">&l9;'
                   "</ofd:TextCode></ofd:TextObject>", head)
    path = package(tmp_path / "laughs.ofd", {"OFD.xml": ROOT, "Doc_0/Document.xml": document(PAGE),
                                             "Doc_0/Pages/Page_0/Content.xml": page})
    refused(path, "ofd refused", "entities")


@pytest.mark.parametrize("loc", ["../../etc/passwd", "/../outside.xml", "Pages/../../../x.xml", "C:/Windows/win.ini"])
def test_page_path_outside_the_package_is_refused(tmp_path, loc):
    doc = document(f'<ofd:Page ID="2" BaseLoc="{loc}"/>')
    path = package(tmp_path / "escape.ofd", {"OFD.xml": ROOT, "Doc_0/Document.xml": doc})
    refused(path, "ofd refused", "outside the package")


def test_missing_page_part(tmp_path):
    path = package(tmp_path / "missing.ofd", {"OFD.xml": ROOT, "Doc_0/Document.xml": document(PAGE)})
    refused(path, "corrupt ofd", "doc_0/pages/page_0/content.xml is missing")


def test_missing_docroot_and_bad_numbers(tmp_path):
    no_root = package(tmp_path / "noroot.ofd", {"OFD.xml": ROOT.replace("DocRoot", "DocRootX")})
    refused(no_root, "corrupt ofd", "docroot")
    bad = one_page(tmp_path / "bad.ofd", '<ofd:TextObject ID="3" Boundary="1 2 x 4" Size="4">'
                                         '<ofd:TextCode X="0" Y="4">字</ofd:TextCode></ofd:TextObject>')
    refused(bad, "corrupt ofd", "boundary")
    no_size = one_page(tmp_path / "nosize.ofd", '<ofd:TextObject ID="3" Boundary="1 2 3 4">'
                                                '<ofd:TextCode X="0" Y="4">字</ofd:TextCode></ofd:TextObject>')
    refused(no_size, "corrupt ofd", "size")
    path = one_page(tmp_path / "path.ofd", '<ofd:PathObject ID="3" Boundary="0 0 10 10">'
                                           "<ofd:AbbreviatedData>M 0 0 Z 5 5</ofd:AbbreviatedData></ofd:PathObject>")
    refused(path, "corrupt ofd", "path operator")


def test_huge_g_repeat_allocates_nothing(tmp_path):
    path = one_page(tmp_path / "repeat.ofd", '<ofd:TextObject ID="3" Boundary="10 10 60 10" Size="4">'
                                             '<ofd:TextCode X="0" Y="4" DeltaX="g 999999999999 4">一二</ofd:TextCode>'
                                             "</ofd:TextObject>")
    assert extract(path).page_texts == ["一二"]


def test_too_many_pages_is_refused_before_any_is_read(tmp_path):
    pages = "".join(f'<ofd:Page ID="{i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(MAX_PAGES + 1))
    path = package(tmp_path / "many.ofd", {"OFD.xml": ROOT, "Doc_0/Document.xml": document(pages)})
    assert refused(path) == f"ofd refused: {MAX_PAGES + 1} pages (the limit is {MAX_PAGES})"


def test_zip_that_is_no_ofd(tmp_path):
    path = package(tmp_path / "report.ofd", {"Doc_0/Document.xml": document(PAGE)})
    refused(path, "unsupported format", "ofd")
    from extractors.ofd import read_ofd

    with pytest.raises(ExtractionError, match="^not an ofd: no OFD.xml$"):
        read_ofd(path)


def test_damaged_xml_is_one_line(tmp_path):
    path = package(tmp_path / "damaged.ofd", {"OFD.xml": ROOT, "Doc_0/Document.xml": document(PAGE)[:-40]})
    refused(path, "corrupt ofd", "not well-formed")


def test_truncated_package(tmp_path):
    data = FIXTURE.read_bytes()
    for fraction in (0.05, 0.5, 0.95):
        path = tmp_path / f"cut-{fraction}.ofd"
        path.write_bytes(data[: int(len(data) * fraction)])
        refused(path)


def test_page_limit_counts_every_document_of_the_package(tmp_path):
    body = "<ofd:DocBody><ofd:DocInfo><ofd:DocID>{0}</ofd:DocID></ofd:DocInfo><ofd:DocRoot>{0}/Document.xml</ofd:DocRoot></ofd:DocBody>"
    root = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} Version="1.0" DocType="OFD">'
            f'{body.format("Doc_0")}{body.format("Doc_1")}</ofd:OFD>')
    pages = "".join(f'<ofd:Page ID="{i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(MAX_PAGES))
    path = package(tmp_path / "two.ofd", {"OFD.xml": root, "Doc_0/Document.xml": document(PAGE),
                                          "Doc_0/Pages/Page_0/Content.xml": content(""),
                                          "Doc_1/Document.xml": document(pages)})
    assert refused(path) == f"ofd refused: {MAX_PAGES + 1} pages (the limit is {MAX_PAGES})"
