"""One archived original extracted as plain data for reports.db: what the loader's own
children and the queue's workers (loader.workers) both run."""

from __future__ import annotations

import json
from pathlib import Path

from archive import ArchivedObject, ArchiveError, Originals
from extractors import extract


def extract_for_load(path: Path, ocr_cache: Path | None = None, ocr_threads: int | None = None) -> dict:
    """Extraction of one archived file, as plain data for the database (runs in a child).
    OCR results are kept under ``ocr_cache``; ``ocr_threads`` pages are OCRed at a time."""
    result = extract(path, ocr_cache=ocr_cache, ocr_threads=ocr_threads)
    report = result.report
    row = {
        "format": result.format,
        "media_type": result.media_type,
        "pages": result.pages,
        "needs_ocr": int(bool(result.needs_ocr)),
        "ocr": int(bool(result.ocr)),
        "text": result.text,
        "extract_error": None,
    }
    page_texts = list(result.page_texts or [])
    tables = [
        {
            "page": table.page, "idx": table.index, "reading": table.reading, "header_rows": table.header_rows,
            "rows": json.dumps(table.rows, ensure_ascii=False),
        }
        for table in result.tables
    ]
    stats, checks, quality = [], [], []
    if report is not None:
        row.update(
            title=report.title,
            agency=report.agency,
            year=report.year,
            region=report.region,
            format_version=report.format_version,
            consistent=None if report.consistent is None else int(report.consistent),
            figures_quality=report.figures_quality,
        )
        stats = [stat_row(stat) for stat in report.stats]
        checks = [
            {"rule": c.rule, "column": c.column, "expected": c.expected, "found": c.found, "ok": int(bool(c.ok))}
            for c in report.checks
        ]
        quality = [
            {
                "section": q.section, "status": q.status, "reading": q.reading, "expected": q.expected,
                "identified": q.identified, "disagreements": json.dumps(q.disagreements) if q.disagreements else None,
                "note": q.note or None,
            }
            for q in report.quality
        ]
    return {"document": row, "pages": page_texts, "tables": tables, "stats": stats, "checks": checks, "quality": quality}


def stat_row(stat) -> dict:
    """A figure as a report_stats row: value, labels as printed, and where it was read."""
    x0, top, x1, bottom = stat.bbox or (None, None, None, None)
    table_idx, table_row, table_col = stat.cell or (None, None, None)
    return {
        "section": stat.section, "item": stat.item, "measure": stat.measure, "value": stat.value,
        "page": stat.page, "row_label": stat.row_label, "column_label": stat.column_label,
        "x0": x0, "top": top, "x1": x1, "bottom": bottom,
        "table_idx": table_idx, "table_row": table_row, "table_col": table_col, "reading": stat.reading or None,
        "confidence": stat.confidence,
    }


def extract_archived(original: ArchivedObject, archive: Originals, **options) -> dict:
    """``extract_for_load`` of an archived object, from a file on this machine (an object
    store's is downloaded for the call, in the child that extracts it). An archive that
    could not give the bytes is ``{"archive_error": why}``: no fault of the file's, so the
    document gets no row and the next load tries again."""
    try:
        with archive.local_path(original.sha256) as path:
            return extract_for_load(path, **options)
    except ArchiveError as error:
        return {"archive_error": str(error)}
