"""Loading throughput and database size, and how they grow from 1,000 to 10,000 reports.

The corpus is ``bench.corpus``'s generated reports (realistic text and consistent
figures, each its own sha256), loaded through the loader's own write path for
extraction results (``Loader.store_extraction``, batched commits, then
``refresh_provenance``) into a fresh reports.db; the summary tables are timed apart.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import corpus


def load_corpus(count: int, seed: int = 7) -> dict:
    with tempfile.TemporaryDirectory(prefix="nianbao-load-bench-") as tmp:
        result = corpus.load(Path(tmp), corpus.reports(count, seed), range(count))
        size = corpus.db_bytes(Path(tmp))
    return {**result, "db_bytes_per_document": round(size / count)}


def run(sizes: tuple[int, ...] = (1000, 10000)) -> dict:
    runs = {size: load_corpus(size) for size in sizes}
    largest = runs[max(sizes)]
    smallest = runs[min(sizes)]
    return {
        "documents_per_s": largest["documents_per_s"],
        "db_bytes_per_document": largest["db_bytes_per_document"],
        "runs": {str(size): result for size, result in runs.items()},
        # 1.0 = linear; above 1 means the per-document cost grows with the archive.
        "growth_vs_linear": round((largest["seconds"] / smallest["seconds"]) / (max(sizes) / min(sizes)), 2),
    }
