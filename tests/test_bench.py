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


SITE_KEYS = ["documents", "load", "db_bytes_per_document", "search", "search_first", "report_page", "coverage", "charts",
             "p95_ms_search", "targets_met"]


@pytest.mark.slow
def test_scale_run_writes_the_site_figures(tmp_path):
    """``python -m bench --scale N``: the whole site at N generated reports (here a tiny N)."""
    output = tmp_path / "site.json"
    subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "120", "--repetitions", "1", "--output", str(output)],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )
    site = json.loads(output.read_text(encoding="utf-8"))["site"]
    for key in SITE_KEYS:
        assert site.get(key) is not None, f"site.{key} missing"
    assert site["documents"] == 120 and site["load"]["documents"] == 60 and site["load"]["documents_per_s"] > 0
    assert set(site["p95_ms_search"]) == {"1", "2", "4", "8"}
    assert set(site["search"]) == {"table_search", "ranked_search", "ranked_table"}
    assert all(site[page]["p95_ms"] > 0 and site[page]["errors"] == 0 for page in ("report_page", "coverage", "charts"))
