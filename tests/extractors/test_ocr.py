"""Scanned reports through OCR, with the real Tesseract, on the committed scans in fixtures/scans/.

Each scan is OCRed once for the module (into a cache the later tests read). The truth is the
source report's expected.json (fixtures/render_scans.py), never what OCR read.
"""

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pypdfium2
import pytest
from PIL import Image

from bench.accuracy import compare
from extractors import ExtractionError, extract
from extractors.labels import request_items
from extractors.ocr import repair_label
from loader import extract_for_load
from tests.support import ROOT

pytestmark = pytest.mark.slow

SCANS = ROOT / "fixtures" / "scans"
EXPECTED = sorted(SCANS.glob("*.expected.json"))
# The share of figures right at each resolution, and wrong ones as a share of all cells at most.
RIGHT_AT = {300: 0.99, 150: 0.97}
WRONG_AT_MOST = 0.005


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ocr-cache")


@pytest.fixture(scope="module")
def scans(cache) -> dict[str, tuple[dict, object]]:
    """file name → (expected, extraction), each scan OCRed once."""
    out = {}
    for path in EXPECTED:
        expected = json.loads(path.read_text(encoding="utf-8"))
        out[expected["file"]] = (expected, extract(SCANS / expected["file"], ocr_cache=cache))
    return out


def test_the_scans_have_no_text_layer_and_their_truth_is_the_source_report():
    assert len(EXPECTED) >= 6
    for path in EXPECTED:
        expected = json.loads(path.read_text(encoding="utf-8"))
        source = json.loads((ROOT / "fixtures" / "reports" / f"{expected['producer'].removeprefix('scan of ')}.expected.json").read_text(encoding="utf-8"))
        assert expected["stats"] == source["stats"]
        document = pypdfium2.PdfDocument(str(SCANS / expected["file"]))
        try:
            assert all(not document[i].get_textpage().get_text_range().strip() for i in range(len(document)))
        finally:
            document.close()


def test_scans_are_read_by_ocr_and_their_text_is_searchable(scans):
    for name, (expected, result) in scans.items():
        assert result.needs_ocr and result.ocr, name
        text = re.sub(r"\s+", "", result.text)
        assert expected["agency"] in text, name
        assert f"{expected['year']}年" in text, name
        assert "政府信息公开" in text and "年度报告" in text, name
        assert result.report is not None and result.report.stats, name
        assert result.report.title == expected["title"] and result.report.year == expected["year"], name


@pytest.mark.parametrize("dpi", sorted(RIGHT_AT))
def test_figures_from_scans_are_right_or_null_never_guessed(scans, dpi):
    verdicts = {"right": 0, "wrong": 0, "missing": 0}
    for name, (expected, result) in scans.items():
        if expected["scan"]["dpi"] != dpi:
            continue
        for verdict, keys in compare(expected["stats"], result.report.stats_dict()).items():
            verdicts[verdict] += len(keys)
        for stat in result.report.stats:
            assert stat.reading == "ocr" and stat.confidence is not None, stat
    cells = sum(verdicts.values())
    assert cells >= 600
    assert verdicts["right"] >= RIGHT_AT[dpi] * cells, verdicts
    assert verdicts["wrong"] <= WRONG_AT_MOST * cells, verdicts


def test_an_unsure_figure_is_null(scans):
    for _, (_, result) in scans.items():
        for stat in result.report.stats:
            if stat.confidence < 0.6:
                assert stat.value is None, stat


def test_a_second_extraction_reads_the_cache_and_never_runs_tesseract(scans, cache, tmp_path):
    # A real tesseract behind a script that notes each call: the second extraction of a scan
    # (in a fresh process) may ask its version (the cache key), nothing more.
    calls = tmp_path / "calls"
    shim = tmp_path / "bin"
    shim.mkdir()
    real = shutil.which("tesseract")
    (shim / "tesseract").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real} "$@"\n')
    (shim / "tesseract").chmod(0o755)
    name = "tiantan-2023-scan300.pdf"
    code = (f"from pathlib import Path; from extractors import extract; "
            f"r = extract(Path({str(SCANS / name)!r}), ocr_cache=Path({str(cache)!r})); "
            f"print(len(r.report.stats))")
    env = dict(os.environ, PATH=f"{shim}:{os.environ['PATH']}")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(scans[name][1].report.stats)
    made = calls.read_text().splitlines() if calls.exists() else []
    assert made == ["--version"], made
    assert len(list(cache.rglob("*.json"))) == len(EXPECTED)


def test_a_pdf_with_a_text_layer_never_goes_through_ocr(tmp_path):
    result = extract(ROOT / "fixtures" / "reports" / "tiantan-2023.pdf", ocr_cache=tmp_path)
    assert not result.needs_ocr and not result.ocr
    assert all(table.reading != "ocr" for table in result.tables)
    assert not any(tmp_path.iterdir())


def test_the_loader_stores_how_sure_ocr_was(scans, cache):
    data = extract_for_load(SCANS / "dhsjj-2022-scan300.pdf", ocr_cache=cache)
    assert data["document"]["needs_ocr"] == 1 and data["document"]["ocr"] == 1
    assert data["stats"] and all(row["reading"] == "ocr" and row["confidence"] is not None for row in data["stats"])


def test_a_docx_holding_a_scanned_page_is_read_by_ocr(tmp_path):
    document = pypdfium2.PdfDocument(str(SCANS / "tiantan-2023-scan300.pdf"))
    image = document[0].render(scale=300 / 72, grayscale=True).to_pil()
    document.close()
    picture = io.BytesIO()
    image.save(picture, "PNG", dpi=(300, 300))
    picture.seek(0)
    word = docx.Document()
    word.add_picture(picture)
    path = tmp_path / "scan.docx"
    word.save(path)
    result = extract(path)
    assert result.ocr and result.format == "docx"
    assert "天坛街道办事处" in re.sub(r"\s+", "", result.text)


def test_a_corrupt_page_image_is_an_empty_page_or_one_line_error(tmp_path):
    good = tmp_path / "good.pdf"
    Image.new("L", (1200, 1600), 255).save(good, "PDF", resolution=150)
    data = good.read_bytes()
    start = data.index(b"stream") + 200
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(data[:start] + bytes(400) + data[start + 400:])
    try:
        result = extract(bad, ocr_cache=tmp_path / "cache")
    except ExtractionError as error:
        assert "\n" not in str(error)
    else:
        assert result.needs_ocr and not result.text.strip()


def test_a_label_misread_by_one_character_is_repaired_only_when_one_row_is_that_near():
    assert request_items(repair_label("7.属于行政执法案苦")) == ["denied.enforcement_files"]
    assert request_items(repair_label("L.属于国家秘化")) == ["denied.state_secret"]
    for text in ("2.重复申请", "规章", "其他", "7.属于行政执法苦苦", "属于家秘化"):
        assert repair_label(text) == text  # names a row already, or nothing near enough
