"""Fixtures for every stage's tests (plain helpers are in tests/support.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .support import ROOT, fixture_files, record_fetches, start_seaweedfs, stop


@pytest.fixture(scope="session")
def test_output() -> Path:
    """A folder for artefacts a person may want to look at (screenshots, logs)."""
    folder = Path(os.environ.get("NIANBAO_TEST_OUTPUT", ROOT / "test-output"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class FixtureData(type(Path())):
    """A DATA path that also carries the fixture reports it was built from."""


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> FixtureData:
    """DATA with two reports (one fetched from two URLs), a broken file and a 404, loaded."""
    from loader import load

    data = FixtureData(tmp_path_factory.mktemp("data"))
    tiantan = next(f for f in fixture_files() if f["file"] == "tiantan-2023.docx")
    busy = next(f for f in fixture_files() if f["file"] == "dhsjj-2022.pdf")  # a LibreOffice PDF, many non-zero figures
    record_fetches(
        data,
        [
            {"body": tiantan["path"].read_bytes(), "url": "http://p.test/ndbg/天坛2023.docx", "link_text": "天坛街道2023年年报"},
            {"body": tiantan["path"].read_bytes(), "url": "http://p.test/mirror/report.docx", "link_text": "附件1"},
            {"body": busy["path"].read_bytes(), "url": "http://p.test/ndbg/busy.pdf", "link_text": busy["title"]},
            {"body": b"%PDF-1.4\n1 0 obj << /Type /Catalog", "url": "http://p.test/ndbg/broken.pdf",
             "link_text": "某某2022年政府信息公开工作年度报告"},
        ],
        fetch_defaults={"portal": "p", "page_url": "http://p.test/ndbg/"},
        errors=[{"portal": "p", "url": "http://p.test/gone.pdf", "kind": "http_404", "reason": "HTTP 404", "http_status": 404}],
        totals={"reports_found": 4, "new": 3, "unchanged": 1, "errors": 1},
    )
    summary = load(data)
    assert summary.extracted == 3 and summary.sources_added == 4
    data.tiantan, data.busy = tiantan, busy
    return data


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        stop(server.process)


@pytest.fixture
def s3_env(seaweedfs, monkeypatch):
    """This process's environment reaching the test server (what ``nianbao`` commands get too)."""
    for name, value in seaweedfs.env.items():
        monkeypatch.setenv(name, value)
    return seaweedfs.env
