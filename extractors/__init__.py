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

EXTRACTOR_VERSION = "2.0.0"

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


def extract(path: str | Path, filename: str | None = None) -> Extraction:
    """Extract one local file. ``filename`` (the name it was served under) only tells
    .doc from .wps; the format is decided by the bytes. Raises ExtractionError."""
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
        result = _result(fmt, sniffed.media_type, raw_pages, tables, pages, needs_ocr)
    elif fmt == "docx":
        result = _from_docx(path, fmt, sniffed.media_type)
    elif fmt in ("doc", "wps"):
        from .legacy import convert_to_docx

        with tempfile.TemporaryDirectory(prefix="nianbao-convert-") as workdir:
            result = _from_docx(convert_to_docx(path, fmt, workdir), fmt, sniffed.media_type)
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


def _from_docx(path: Path, fmt: str, media_type: str) -> Extraction:
    from .docx import read_docx

    raw, tables, pages = read_docx(path)
    return _result(fmt, media_type, [raw], tables, pages, False)


def _result(fmt, media_type, raw_pages, tables, pages, needs_ocr) -> Extraction:
    page_texts = [normalize_text(t) for t in raw_pages]
    text = "\n\n".join(t for t in page_texts if t)
    report = None if needs_ocr else parse_report(text, tables)
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
