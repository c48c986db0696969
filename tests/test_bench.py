"""``make bench``'s harness runs end to end and writes every headline key.

Only the harness is checked, on the smallest corpora (``--tiny``); speed targets
are checked by ``make bench`` itself, never by timed unit tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT

KEYS = {
    "extract": ["pages_per_s", "pdftotext_pages_per_s", "ratio", "files", "pages", "errors", "ocr_pages_per_s_per_core"],
    "crawl": ["reports_per_s", "requests_per_report"],
    "load": ["documents_per_s", "db_bytes_per_document", "growth_vs_linear"],
    "search": ["p95_ms", "p95_ms_first", "growth"],
    "scale": ["extract_growth_vs_linear", "load_growth_vs_linear", "search_p95_growth"],
}


@pytest.mark.slow
def test_tiny_bench_writes_every_key(tmp_path):
    output = tmp_path / "results.json"
    subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--output", str(output)],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )
    results = json.loads(output.read_text(encoding="utf-8"))
    for stage, keys in KEYS.items():
        for key in keys:
            assert results[stage].get(key) is not None, f"{stage}.{key} missing"
    assert results["extract"]["errors"] == [] and results["extract"]["ocr_errors"] == []
    assert set(results["search"]["p95_ms"]) == {"1", "2", "4", "8"}
    assert all(ms > 0 for ms in results["search"]["p95_ms"].values())
    assert set(results["scale"]["search_p95_growth"]) == {"1", "2", "4", "8"}
