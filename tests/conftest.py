"""Shared test fixtures: paths of the repo, its fixtures, and a test-output folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REPORTS = FIXTURES / "reports"
NIANBAO = ROOT / ".venv" / "bin" / "nianbao"


@pytest.fixture(scope="session")
def test_output() -> Path:
    """A folder for artefacts a person may want to look at (screenshots, logs)."""
    folder = Path(os.environ.get("NIANBAO_TEST_OUTPUT", ROOT / "test-output"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
