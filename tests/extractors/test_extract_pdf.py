"""PDF extraction against the committed fixtures (LibreOffice and Chromium PDFs, tables
over page breaks, repeated header rows, split rows) and PDFs made here."""

from __future__ import annotations

import shutil
import subprocess

import pypdfium2 as pdfium
import pytest

from extractors import extract
from extractors.figures import read_figures

from tests.support import REPORTS, assert_matches_expected


@pytest.mark.parametrize("expected_path", sorted(REPORTS.glob("*.pdf.expected.json")), ids=lambda p: p.name)
def test_fixture_pdf(expected_path):
    assert_matches_expected(expected_path)


def test_table_over_a_page_break_is_one_table_with_row_pages():
    result = extract(REPORTS / "dhsjj-2022.pdf")
    requests = next(t for t in result.tables if any("本年新收" in (c or "") for r in t.rows for c in r))
    assert len(set(requests.row_pages)) == 2
    flat = [c for row in requests.rows for c in row if c]
    assert flat.count("申请人情况") == 1  # the header LibreOffice repeats on the new page is dropped
    assert "3.要求提供公开出版物" in flat  # the row the page break split is whole again
    stat = next(s for s in result.report.stats if s.key == "3.carried_forward.total")
    assert stat.page == requests.row_pages[-1] and stat.row_label == "四、结转下年度继续办理"


def test_browser_pdf_radicals_normalized_and_pages_texts():
    result = extract(REPORTS / "jiaodaokou-2023-web.pdf")
    assert len(result.page_texts) == result.pages
    assert "⼀" not in result.text and "一是" in result.text
    assert result.report.stats_dict()["2.penalty.decisions"] == 850


def test_text_only_pages_get_no_table_search():
    result = extract(REPORTS / "tongzhi-2024.pdf")
    assert result.report is None and result.tables == [] and result.text


@pytest.fixture(scope="module")
def libreoffice_pdf(tmp_path_factory):
    """The merged-cell DOCX report of test_extract_docx, printed to PDF by LibreOffice."""
    if not shutil.which("soffice"):
        pytest.skip("no soffice")
    from .report_docx import build_report_docx, sample_figures

    folder = tmp_path_factory.mktemp("lo")
    cells = sample_figures()
    source = build_report_docx(folder / "made.docx", cells)
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        capture_output=True, timeout=120, check=True,
    )
    return cells, folder / "made.pdf"


@pytest.mark.slow
def test_libreoffice_pdf_every_figure(libreoffice_pdf):
    cells, path = libreoffice_pdf
    result = extract(path)
    expected = {k: (float(v) if "." in v else int(v)) for k, v in cells.items()}
    assert result.report.stats_dict() == expected
    assert result.report.consistent is True
    assert all(s.page and 1 <= s.page <= result.pages for s in result.report.stats)


@pytest.mark.slow
def test_libreoffice_pdf_words_reading_is_never_wrong(libreoffice_pdf):
    """Labels wrapped in narrow cells and set at the cell top, figures in the middle: which row a
    wrapped line belongs to is not told by distance, so the positioned-word reading keeps only
    rows where distance and order agree, and says nothing of the others."""
    cells, path = libreoffice_pdf
    result = extract(path)
    expected = {k: (float(v) if "." in v else int(v)) for k, v in cells.items()}
    words = read_figures([t for t in result.tables if t.reading == "words"], "words").stats
    assert words, "the words reading found no figure"
    assert {k: s.value for k, s in words.items() if s.value != expected.get(k)} == {}


def test_scanned_pdf_needs_ocr(tmp_path):
    pdf = pdfium.PdfDocument.new()
    for _ in range(2):
        pdf.new_page(595, 842)
    path = tmp_path / "scan.pdf"
    pdf.save(str(path))
    result = extract(path)
    assert result.needs_ocr is True and result.report is None and result.pages == 2


def test_pdfplumber_fallback_gives_the_same_figures(monkeypatch):
    """Pages PDFium cannot describe (rotated, form XObjects, curves) go to pdfplumber."""
    import extractors.pdf as pdf_module

    fast = extract(REPORTS / "yunxi-zrzy-2023.pdf").report.stats_dict()
    monkeypatch.setattr(pdf_module, "pdfium_page", lambda page, textpage, chars_of=None: None)
    slow = extract(REPORTS / "yunxi-zrzy-2023.pdf").report.stats_dict()
    assert slow == fast and len(fast) == 200
