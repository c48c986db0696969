"""Extraction throughput: our full extraction next to poppler's ``pdftotext -layout``.

Both run over the same files with the same number of processes (one per core),
so the ratio compares the work, not the parallelism.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from statistics import median

from nianbao.workers import run_isolated

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"


def corpus(folder: Path, suffix: str, minimum: int) -> list[Path]:
    """At least ``minimum`` distinct files made from the fixture reports of one format.

    Copies get a comment after the end of the file, so each has its own sha256
    (as the archive would see distinct documents) while staying a valid file.
    """
    sources = []
    for expected_path in sorted(REPORTS.glob(f"*{suffix}.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if expected.get("is_report"):
            sources.append(REPORTS / expected["file"])
    if not sources:
        return []
    files = []
    copy = 0
    while len(files) < minimum:
        for source in sources:
            target = folder / f"{copy:03d}-{source.name}"
            data = source.read_bytes()
            target.write_bytes(data + (f"\n%bench copy {copy}\n".encode() if suffix == ".pdf" else b""))
            files.append(target)
        copy += 1
    return files


def pdf_pages(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def _extract(path: Path) -> int:
    from extractors import extract

    result = extract(path)
    return result.pages or 0


def _pdftotext(path: Path) -> int:
    subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True)
    return 0


def timed_run(func, files: list[Path], workers: int) -> tuple[float, list[str]]:
    started = time.perf_counter()
    errors = [f"{o.item.name}: {o.error}" for o in run_isolated(func, files, workers=workers, timeout=300) if o.error]
    return time.perf_counter() - started, errors


def run(repetitions: int = 3, workers: int = 2, minimum: int = 50) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        folder = Path(tmp)
        pdfs = corpus(folder, ".pdf", minimum)
        pages = sum(pdf_pages(path) for path in pdfs)
        ours = [timed_run(_extract, pdfs, workers) for _ in range(repetitions)]
        results.update(
            files=len(pdfs),
            pages=pages,
            workers=workers,
            errors=ours[0][1],
            pages_per_s=round(pages / median(t for t, _ in ours), 1),
        )
        if shutil.which("pdftotext"):
            baseline = median(timed_run(_pdftotext, pdfs, workers)[0] for _ in range(repetitions))
            results["pdftotext_pages_per_s"] = round(pages / baseline, 1)
            results["ratio"] = round(results["pages_per_s"] / results["pdftotext_pages_per_s"], 3)
        else:
            results["pdftotext_pages_per_s"] = None
            results["ratio"] = None
        single = median(timed_run(_extract, pdfs[: len(pdfs) // 2], 1)[0] for _ in range(max(1, repetitions - 1)))
        results["pages_per_s_one_core"] = round(sum(pdf_pages(p) for p in pdfs[: len(pdfs) // 2]) / single, 1)
        docx = corpus(folder, ".docx", minimum)
        if docx:
            seconds = median(timed_run(_extract, docx, workers)[0] for _ in range(repetitions))
            results["docx_files"] = len(docx)
            results["docx_documents_per_s"] = round(len(docx) / seconds, 1)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return results
