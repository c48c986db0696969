"""Checks on the committed report fixtures in fixtures/reports/ (built by fixtures/build_reports.py).

Needs no soffice or chromium: it reads the committed files. It checks that every *.expected.json uses
exactly the canonical figure keys of extractors/report-fields.csv, that each file really is a PDF or
DOCX with its title in the text layer, and that the arithmetic flags agree with the figures (the
rules are recomputed here, independently of the builder).
"""

import csv
import json
import re
import zipfile

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
PRODUCERS = {"libreoffice", "python-docx", "chromium"}

EXPECTED = sorted(REPORTS.glob("*.expected.json"))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def fields():
    """(section, item, column, note) rows of report-fields.csv, comments skipped."""
    with open(FIELDS, encoding="utf-8") as fp:
        rows = list(csv.DictReader(line for line in fp if not line.startswith("#")))
    return [(r["section"], r["item"], r["column"], r["note"]) for r in rows]


def section3_items(format_version):
    """Table 三 rows: the 2021 format splits （六） into three, the 2019/2020 format prints one row."""
    items = [item for section, item, _, _ in fields() if section == "3"]
    if format_version == "2021":
        return [i for i in items if i != "other"]
    return [i for i in items if i not in OTHER_2021]


def canonical_keys(format_version):
    """Every figure cell key of a report in this format."""
    old = format_version == "2019"
    keys = {f"2.{item}.{column}" for section, item, column, note in fields()
            if section == "2" and ("old format" in note) == old}
    keys |= {f"3.{item}.{column}" for item in section3_items(format_version) for column in COLUMNS}
    keys |= {f"4.{group}.{outcome}" for group in GROUPS for outcome in OUTCOMES}
    return keys


def failing(stats, format_version):
    """The arithmetic rules the figures break; rules touching a null figure are skipped."""
    def total(keys):
        values = [stats[k] for k in keys]
        return None if None in values else sum(values)

    out = set()
    results = [i for i in section3_items(format_version) if i not in NOT_RESULTS]
    for c in COLUMNS:
        left = total([f"3.received.{c}", f"3.carried_over.{c}"])
        right = total([f"3.handled_total.{c}", f"3.carried_forward.{c}"])
        if None not in (left, right) and left != right:
            out.add(f"balance:{c}")
        parts, handled = total([f"3.{i}.{c}" for i in results]), stats[f"3.handled_total.{c}"]
        if None not in (parts, handled) and parts != handled:
            out.add(f"results:{c}")
    for item in section3_items(format_version):
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


def test_there_are_fixtures():
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_expected_shape_and_keys(path):
    exp = load(path)
    assert exp["file"] == path.name[: -len(".expected.json")]
    assert exp["format"] in {"pdf", "docx"} and exp["file"].endswith("." + exp["format"])
    assert exp["producer"] in PRODUCERS
    assert isinstance(exp["pages"], int) and exp["pages"] >= 1
    assert exp["title"] and isinstance(exp["failing_rules"], list)
    if not exp["is_report"]:
        assert exp["stats"] == {} and exp["consistent"] is None and exp["format_version"] is None
        return
    assert exp["format_version"] in {"2021", "2019"}
    assert isinstance(exp["year"], int) and exp["agency"] and str(exp["year"]) in exp["title"]
    assert set(exp["stats"]) == canonical_keys(exp["format_version"])
    for key, value in exp["stats"].items():
        assert value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)), key


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_file_is_what_it_claims(path):
    exp = load(path)
    target = REPORTS / exp["file"]
    data = target.read_bytes()
    if exp["format"] == "pdf":
        assert data.startswith(b"%PDF-")
        pages = pdf_pages(target)
        assert len(pages) == exp["pages"]
        assert squash(exp["title"]) in squash("".join(pages))
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
    broken = failing(exp["stats"], exp["format_version"])
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
        pages = [squash(p) for p in pdf_pages(REPORTS / exp["file"])]
        first = next(i for i, p in enumerate(pages) if "本年新收" in p)
        last = next(i for i, p in enumerate(pages) if "结转下年度继续办理" in p)
        assert last > first


def test_total_size_is_small():
    size = sum(p.stat().st_size for p in REPORTS.iterdir() if p.is_file())
    assert size < 8 * 1024 * 1024
