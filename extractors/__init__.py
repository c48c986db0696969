"""Turn an archived original (PDF, DOCX, OFD or a web page) into normalized text, tables and report figures.

    from extractors import extract, ExtractionError, EXTRACTOR_VERSION
    result = extract("report.pdf")
    result.report.stats  # canonical figures with provenance

Modules: fields (the canonical keys of report-fields.csv), normalize (text), numbers
(cell values), labels (label → canonical key), pdf / docx / legacy / ofd / html / ocr (readers), tables
(grids, page joins), report (understanding), checks (arithmetic), safety (hostile ZIP
packages: DOCX, OFD), model (result objects), isolated (extraction in time- and memory-limited
child processes, for many files at once).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from archive.sniff import sniff

from .errors import ExtractionError
from .model import Check, Extraction, Report, Stat, Table
from .normalize import normalize_text
from .report import parse_report

EXTRACTOR_VERSION = "2.1.0"  # 2.1: scans read by OCR

__all__ = [
    "EXTRACTOR_VERSION",
    "Check",
    "ExtractionError",
    "Extraction",
    "Report",
    "Stat",
    "Table",
    "extract",
    "normalize_text",
]

SNIFF_BYTES = 64 * 1024 * 1024  # a DOCX is only recognised from its whole ZIP directory


def extract(
    path: str | Path, filename: str | None = None, *, ocr_cache: Path | None = None, ocr_threads: int | None = None
) -> Extraction:
    """Extract one local file. ``filename`` (the name it was served under) only tells
    .doc from .wps; the format is decided by the bytes. A file without a text layer (an
    image-only PDF, a DOCX holding only images) is read by OCR, its result kept under
    ``ocr_cache`` (a directory) when given, ``ocr_threads`` pages at a time (default: the
    cores this process may use). Raises ExtractionError."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8192)
            if head.startswith(b"PK"):  # a DOCX is told from its ZIP directory, at the end
                head += f.read(SNIFF_BYTES)
    except OSError as exc:
        raise ExtractionError(f"cannot read file: {exc.strerror or exc}") from None
    if size == 0:
        raise ExtractionError("empty file")
    sniffed = sniff(head, filename or path.name)
    fmt = sniffed.format
    if fmt == "pdf":
        from .pdf import read_pdf

        raw_pages, tables, pages, needs_ocr = read_pdf(path)
        if needs_ocr:
            from .ocr import ocr_pdf

            return _from_ocr(fmt, sniffed.media_type, ocr_pdf(path, ocr_cache, ocr_threads))
        result = _result(fmt, sniffed.media_type, raw_pages, tables, pages, needs_ocr)
    elif fmt == "docx":
        result = _from_docx(path, path, fmt, sniffed.media_type, ocr_cache, ocr_threads)
    elif fmt in ("doc", "wps"):
        from .legacy import convert_to_docx

        with tempfile.TemporaryDirectory(prefix="nianbao-convert-") as workdir:
            converted = convert_to_docx(path, fmt, workdir)
            result = _from_docx(converted, path, fmt, sniffed.media_type, ocr_cache, ocr_threads)
    elif fmt == "ofd":
        from .ofd import read_ofd

        raw_pages, tables, pages = read_ofd(path)
        result = _result(fmt, sniffed.media_type, raw_pages, tables, pages, False)
    elif fmt == "html":
        from .html import read_html

        raw_pages, tables = read_html(path)
        result = _result(fmt, sniffed.media_type, raw_pages, tables, None, False)
    elif fmt == "zip":
        raise ExtractionError("unsupported format: zip (neither a docx nor an ofd)")
    else:
        raise ExtractionError("unsupported format: unknown bytes (not PDF, DOCX, DOC, WPS, OFD or a web page)")
    return result


def _from_docx(path: Path, original: Path, fmt: str, media_type: str, ocr_cache: Path | None,
               ocr_threads: int | None) -> Extraction:
    """``path`` read as DOCX; ``original`` is the file as archived (the OCR cache's key)."""
    from .docx import docx_images, read_docx

    raw, tables, pages = read_docx(path)
    if not raw.strip() and not tables:
        images = docx_images(path)
        if images:  # a scan pasted into Word
            from .ocr import ocr_images

            return _from_ocr(fmt, media_type, ocr_images(original, images, ocr_cache, ocr_threads))
    return _result(fmt, media_type, [raw], tables, pages, False)


def _from_ocr(fmt: str, media_type: str, ocr_pages) -> Extraction:
    """An extraction from OCRed pages: text by position, tables from the cells OCR found."""
    from .ocr import ocr_tables

    tables = ocr_tables(ocr_pages)
    result = _result(fmt, media_type, [p.text for p in ocr_pages], tables, len(ocr_pages), True, parse=True)
    result.ocr = True
    return result


def _result(fmt, media_type, raw_pages, tables, pages, needs_ocr, parse: bool = False) -> Extraction:
    page_texts = [normalize_text(t) for t in raw_pages]
    text = "\n\n".join(t for t in page_texts if t)
    report = parse_report(text, tables) if parse or not needs_ocr else None
    return Extraction(
        format=fmt,
        media_type=media_type,
        pages=pages,
        raw_text="\f".join(raw_pages),
        text=text,
        page_texts=page_texts,
        tables=tables,
        needs_ocr=needs_ocr,
        report=report,
        extractor_version=EXTRACTOR_VERSION,
    )
