"""Hostile files are refused quickly with one clear line, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import time

import pypdfium2

from extractors.pdf import MAX_PAGES

from tests.support import NIANBAO


def test_pdf_over_the_page_limit_is_refused_quickly(tmp_path):
    path = tmp_path / "many-pages.pdf"
    document = pypdfium2.PdfDocument.new()
    for _ in range(MAX_PAGES + 1):
        document.new_page(50, 50)
    document.save(str(path))
    document.close()
    started = time.monotonic()
    finished = subprocess.run([str(NIANBAO), "extract", str(path)], capture_output=True, text=True, timeout=120)
    assert time.monotonic() - started < 30
    assert finished.returncode == 1
    (document,) = [json.loads(line) for line in finished.stdout.splitlines()]
    assert document["error"] == f"PDF refused: {MAX_PAGES + 1} pages (the limit is {MAX_PAGES})"


def test_extraction_time_limit_kills_a_runaway_file(tmp_path):
    from extractors.isolated import run_isolated

    def endless(_):
        while True:
            pass

    started = time.monotonic()
    (result,) = run_isolated(endless, ["x"], timeout=1.5)
    assert result.error == "timed out after 1.5 s"
    assert time.monotonic() - started < 10


def test_memory_limit_stops_a_file_that_blows_up():
    from extractors.isolated import run_isolated

    def greedy(_):
        return len(bytearray(600 * 1024 * 1024))

    (result,) = run_isolated(greedy, ["x"], memory_mb=256)
    assert result.error == "out of memory (limit 256 MB)"
