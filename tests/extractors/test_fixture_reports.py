"""Checks on the committed report fixtures in fixtures/reports/ (built by fixtures/build_reports.py).

Needs no soffice or chromium: it reads the committed files. It checks that every *.expected.json uses
exactly the canonical figure keys of extractors/report-fields.csv, that each file really is a PDF,
DOCX, DOC/WPS or OFD with its title in the text layer, and that the arithmetic flags agree with the
figures (the rules are recomputed here, independently of the builder). The producer-style PDFs of
fixtures/render_reportlab.py and the OFD of fixtures/render_ofd.py also give each figure's cell box,
checked against their text layer.
"""

import csv
import html
import json
import posixpath
import re
import zipfile
from xml.etree import ElementTree

import pdfplumber
import pypdfium2
import pytest

from tests.support import ROOT

REPORTS = ROOT / "fixtures" / "reports"
SPECS = ROOT / "fixtures" / "specs"
FIELDS = ROOT / "extractors" / "report-fields.csv"

COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other", "total"]
GROUPS = ["review", "litigation_direct", "litigation_after_review"]
OUTCOMES = ["upheld", "corrected", "other", "pending", "total"]
OTHER_2021 = {"other.no_correction", "other.fee_unpaid", "other.other"}
NOT_RESULTS = {"received", "carried_over", "handled_total", "carried_forward"}
# fixtures/render_reportlab.py: PDFs drawn the way WPS Office (and others) write them.
REPORTLAB_PRODUCERS = {"wps", "wps-filled", "borderless", "shuffled", "kangxi", "split-repeat", "split-norepeat"}
# fixtures/render_docx_variants.py: DOCX written the way Word and WPS write them, and legacy .doc/.wps.
DOCX_PRODUCERS = {"docx-layout-table", "docx-sdt", "docx-textbox", "docx-vertical", "docx-gridafter",
                  "doc-libreoffice", "wps-libreoffice"}
# fixtures/render_webpages.py: reports published as the article of a CMS detail page.
WEB_PRODUCERS = {"web-trs", "web-zoom", "web-hanweb", "web-density"}
# fixtures/render_ofd.py: OFD packages (GB/T 33190-2016).
OFD_PRODUCERS = {"ofd"}
PRODUCERS = ({"libreoffice", "python-docx", "chromium"} | REPORTLAB_PRODUCERS | DOCX_PRODUCERS | WEB_PRODUCERS
             | OFD_PRODUCERS)
OFD_NS = {"ofd": "http://www.ofdspec.org/2016"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc and .wps files
# What the kangxi producer's text layer says instead of these ideographs.
KANGXI = {"人": "\u2f08", "工": "\u2f2f", "行": "\u2f8f", "门": "\u2ed4", "户": "\u2f3e", "民": "\u2ea0",
          "一": "\u2f00"}

EXPECTED = sorted(REPORTS.glob("*.expected.json"))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def fields():
    """(section, item, column, note) rows of report-fields.csv, comments skipped."""
    with open(FIELDS, encoding="utf-8") as fp:
        rows = list(csv.DictReader(line for line in fp if not line.startswith("#")))
    return [(r["section"], r["item"], r["column"], r["note"]) for r in rows]


def one_row_other(exp):
    """A 2021-format report printing （六）其他处理 as one row (spec variant other_single_row): 3.other.*."""
    return "other_single_row" in exp.get("variants", [])


def section3_items(format_version, one_row=False):
    """Table 三 rows: the 2021 format splits （六） into three, the 2019/2020 format prints one row
    (and so do 2021-format reports with ``one_row``)."""
    items = [item for section, item, _, _ in fields() if section == "3"]
    if format_version == "2021" and not one_row:
        return [i for i in items if i != "other"]
    return [i for i in items if i not in OTHER_2021]


def canonical_keys(format_version, one_row=False):
    """Every figure cell key of a report in this format."""
    old = format_version == "2019"
    keys = {f"2.{item}.{column}" for section, item, column, note in fields()
            if section == "2" and ("old format" in note) == old}
    keys |= {f"3.{item}.{column}" for item in section3_items(format_version, one_row) for column in COLUMNS}
    keys |= {f"4.{group}.{outcome}" for group in GROUPS for outcome in OUTCOMES}
    return keys


def failing(stats, format_version, one_row=False):
    """The arithmetic rules the figures break; rules touching a null figure are skipped."""
    def total(keys):
        values = [stats[k] for k in keys]
        return None if None in values else sum(values)

    out = set()
    results = [i for i in section3_items(format_version, one_row) if i not in NOT_RESULTS]
    for c in COLUMNS:
        left = total([f"3.received.{c}", f"3.carried_over.{c}"])
        right = total([f"3.handled_total.{c}", f"3.carried_forward.{c}"])
        if None not in (left, right) and left != right:
            out.add(f"balance:{c}")
        parts, handled = total([f"3.{i}.{c}" for i in results]), stats[f"3.handled_total.{c}"]
        if None not in (parts, handled) and parts != handled:
            out.add(f"results:{c}")
    for item in section3_items(format_version, one_row):
        parts, whole = total([f"3.{item}.{c}" for c in COLUMNS[:6]]), stats[f"3.{item}.total"]
        if None not in (parts, whole) and parts != whole:
            out.add(f"columns:{item}")
    for group in GROUPS:
        parts, whole = total([f"4.{group}.{o}" for o in OUTCOMES[:4]]), stats[f"4.{group}.total"]
        if None not in (parts, whole) and parts != whole:
            out.add(f"table4:{group}")
    return out


def pdf_pages(path):
    """Text of each page from the PDF's text layer (pypdfium2)."""
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def squash(text):
    return re.sub(r"\s+", "", text)


def ofd_pages(path):
    """The Content.xml roots of an OFD's pages, OFD.xml → DocRoot → Pages/Page BaseLoc (plain ElementTree:
    these are our own files)."""
    with zipfile.ZipFile(path) as zf:
        root = ElementTree.fromstring(zf.read("OFD.xml")).findtext(".//ofd:DocRoot", namespaces=OFD_NS)
        document = ElementTree.fromstring(zf.read(root))
        folder = posixpath.dirname(root)
        return [ElementTree.fromstring(zf.read(posixpath.join(folder, page.get("BaseLoc"))))
                for page in document.iterfind("ofd:Pages/ofd:Page", OFD_NS)]


def text_layer(exp, path):
    """Text of each page; for ``shuffled`` PDFs (content order says nothing) in reading order, by position."""
    if exp["producer"] != "shuffled":
        return pdf_pages(path)
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() for page in pdf.pages]


def as_printed(exp, text):
    """`text` as the file's text layer spells it (the kangxi producer's radicals)."""
    return "".join(KANGXI.get(ch, ch) for ch in text) if exp["producer"] == "kangxi" else text


def test_there_are_fixtures():
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_expected_shape_and_keys(path):
    exp = load(path)
    assert exp["file"] == path.name[: -len(".expected.json")]
    assert exp["format"] in {"pdf", "docx", "doc", "wps", "html", "ofd"} and exp["file"].endswith("." + exp["format"])
    assert exp["producer"] in PRODUCERS
    assert isinstance(exp["pages"], int) and exp["pages"] >= 1
    assert exp["title"] and isinstance(exp["failing_rules"], list)
    if not exp["is_report"]:
        assert exp["stats"] == {} and exp["consistent"] is None and exp["format_version"] is None
        return
    assert exp["format_version"] in {"2021", "2019"}
    assert isinstance(exp["year"], int) and exp["agency"] and str(exp["year"]) in exp["title"]
    assert set(exp["stats"]) == canonical_keys(exp["format_version"], one_row_other(exp))
    for key, value in exp["stats"].items():
        assert value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)), key


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_file_is_what_it_claims(path):
    exp = load(path)
    target = REPORTS / exp["file"]
    data = target.read_bytes()
    if exp["format"] == "pdf":
        assert data.startswith(b"%PDF-")
        pages = text_layer(exp, target)
        assert len(pages) == exp["pages"]
        assert squash(as_printed(exp, exp["title"])) in squash("".join(pages))
    elif exp["format"] == "html":  # a detail page: the report is its article, the site around it
        from archive.webpage import decode_html

        text, encoding = decode_html(data)
        assert squash(exp["title"]) in squash(html.unescape(text))
        assert "<table" in text and "rowspan=" in text and "colspan=" in text
        assert "<script>" in text and "onerror=" in text  # what the site must never run
        assert (encoding == "gb18030") == (exp["producer"] == "web-zoom")
    elif exp["format"] in {"doc", "wps"}:  # Word 97 binary: the text is UTF-16 in the WordDocument stream
        assert data.startswith(OLE2)
        text = data.decode("utf-16-le", "ignore") + data[1:].decode("utf-16-le", "ignore")
        assert squash(exp["title"]) in squash(text)
    elif exp["format"] == "ofd":  # a ZIP whose entry file OFD.xml leads to the pages
        assert data.startswith(b"PK\x03\x04")
        pages = ofd_pages(target)
        assert len(pages) == exp["pages"]
        text = "".join(code.text or "" for page in pages for code in page.iterfind(".//ofd:TextCode", OFD_NS))
        assert squash(exp["title"]) in squash(text)
    else:
        assert data.startswith(b"PK\x03\x04")
        with zipfile.ZipFile(target) as zf:
            xml = zf.read("word/document.xml").decode("utf-8")
        text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))
        assert squash(exp["title"]) in squash(text)
        if exp["is_report"]:  # real merged cells, not look-alike tables
            assert "<w:gridSpan" in xml and '<w:vMerge w:val="restart"/>' in xml


@pytest.mark.parametrize("path", [p for p in EXPECTED if load(p)["is_report"]], ids=lambda p: p.name)
def test_arithmetic_flags_agree_with_figures(path):
    exp = load(path)
    broken = failing(exp["stats"], exp["format_version"], one_row_other(exp))
    assert set(exp["failing_rules"]) == broken
    assert exp["consistent"] is (not broken)


@pytest.mark.parametrize("path", [p for p in EXPECTED if load(p)["is_report"]], ids=lambda p: p.name)
def test_expected_matches_spec(path):
    exp = load(path)
    spec = load(ROOT / exp["spec"])
    assert spec["title"] == exp["title"] and spec["format_version"] == exp["format_version"]
    assert spec["figures"] == exp["stats"]


def test_variety():
    """The fixture set covers what the brief asks for."""
    all_exp = [load(p) for p in EXPECTED]
    reports = [e for e in all_exp if e["is_report"]]
    assert {e["producer"] for e in all_exp} == PRODUCERS
    assert any(e["producer"] == "chromium" and e["is_report"] for e in all_exp)
    assert any(e["consistent"] is False for e in reports)
    assert sum(not e["is_report"] for e in all_exp) >= 3
    old = [e for e in reports if e["format_version"] == "2019"]
    assert any(None in e["stats"].values() and any((v or 0) < 0 for v in e["stats"].values()) for e in old)
    busy = [e for e in reports if e["consistent"] and sum(bool(v) for v in e["stats"].values()) > 100]
    assert any(isinstance(e["stats"]["2.fees.amount_10k_yuan"], float) for e in busy)


def test_busy_table3_runs_onto_a_second_page():
    busy = [e for e in map(load, EXPECTED) if e["format"] == "pdf" and e["is_report"]
            and e["consistent"] and sum(bool(v) for v in e["stats"].values()) > 100]
    assert busy
    for exp in busy:
        pages = [squash(p) for p in text_layer(exp, REPORTS / exp["file"])]
        first = next(i for i, p in enumerate(pages) if "本年新收" in p)
        last = next(i for i, p in enumerate(pages) if as_printed(exp, "结转下年度继续办理") in p)
        assert last > first


PRODUCER_PDFS = [p for p in EXPECTED if load(p)["producer"] in REPORTLAB_PRODUCERS]


def test_there_are_producer_pdfs():
    assert {load(p)["producer"] for p in PRODUCER_PDFS} == REPORTLAB_PRODUCERS


@pytest.mark.parametrize("path", PRODUCER_PDFS, ids=lambda p: p.name)
def test_cell_boxes_hold_their_figures(path):
    """Every figure has the box of its cell, inside its page, and the text layer there prints it."""
    exp = load(path)
    assert set(exp["cells"]) == set(exp["stats"])
    pdf = pypdfium2.PdfDocument(str(REPORTS / exp["file"]))
    try:
        for key, (page, x0, top, x1, bottom) in exp["cells"].items():
            assert 1 <= page <= exp["pages"], key
            width, height = pdf[page - 1].get_size()
            assert 0 <= x0 < x1 <= width and 0 <= top < bottom <= height, key
            text = squash(pdf[page - 1].get_textpage().get_text_bounded(x0, height - bottom, x1, height - top))
            value = exp["stats"][key]
            if value is None:
                assert text in {"", "-", "—", "/"}, (key, text)
            else:  # as printed: '+1036', '3802895.90元', '12.50'
                assert float(re.sub(r"[^0-9.\-]", "", text)) == value, (key, text)
    finally:
        pdf.close()


OFD_FILES = [p for p in EXPECTED if load(p)["producer"] in OFD_PRODUCERS]


def test_there_is_an_ofd():
    assert OFD_FILES


@pytest.mark.parametrize("path", OFD_FILES, ids=lambda p: p.name)
def test_ofd_cell_boxes_hold_their_figures(path):
    """Every figure's cell box (points) holds the text objects that print it, and nothing else."""
    exp = load(path)
    assert set(exp["cells"]) == set(exp["stats"])
    pages = ofd_pages(REPORTS / exp["file"])
    mm = 25.4 / 72
    for key, (page, x0, top, x1, bottom) in exp["cells"].items():
        found = ""
        for obj in pages[page - 1].iterfind(".//ofd:TextObject", OFD_NS):
            bx, by, bw, bh = (float(v) / mm for v in obj.get("Boundary").split())
            if x0 - 0.5 <= bx and bx + bw <= x1 + 0.5 and top - 0.5 <= by and by + bh <= bottom + 0.5:
                found += "".join(code.text or "" for code in obj.iterfind("ofd:TextCode", OFD_NS))
        value = exp["stats"][key]
        if value is None:
            assert squash(found) in {"", "-", "—", "/"}, (key, found)
        else:
            assert float(re.sub(r"[^0-9.\-]", "", found)) == value, (key, found)


@pytest.mark.parametrize("path", [p for p in PRODUCER_PDFS if load(p)["producer"] == "kangxi"], ids=lambda p: p.name)
def test_kangxi_text_layer_has_radicals_for_ideographs(path):
    text = "".join(pdf_pages(REPORTS / load(path)["file"]))
    assert set(KANGXI.values()) & set(text)
    assert not set(KANGXI) & set(text)


@pytest.mark.parametrize("path", [p for p in PRODUCER_PDFS if load(p)["producer"].startswith("split-")],
                         ids=lambda p: p.name)
def test_split_table3_repeats_its_header_or_not(path):
    """Table 三 runs over two pages; split-repeat prints its header rows again on the second."""
    exp = load(path)
    pages = [squash(p) for p in pdf_pages(REPORTS / exp["file"])]
    first = next(i for i, p in enumerate(pages) if "本年新收" in p)
    assert "结转下年度继续办理" in pages[first + 1] and "本年新收" not in pages[first + 1]
    assert ("申请人情况" in pages[first + 1]) == (exp["producer"] == "split-repeat")


def test_total_size_is_small():
    size = sum(p.stat().st_size for p in REPORTS.iterdir() if p.is_file())
    assert size < 8 * 1024 * 1024
