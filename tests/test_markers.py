"""The markers ``make test-quick`` leaves out select real tests, and ``make test`` runs them all."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow

COUNT_MARKERS = """
import json, sys, pytest

class Count:
    def pytest_collection_finish(self, session):
        self.items = [sorted({mark.name for mark in item.iter_markers()}) for item in session.items]

count = Count()
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider"], plugins=[count])
print("MARKS " + json.dumps(count.items))
sys.exit(code)
"""


def test_slow_and_browser_select_tests_and_make_test_runs_everything():
    finished = subprocess.run([sys.executable, "-c", COUNT_MARKERS], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stdout[-2000:]
    marks = json.loads(finished.stdout.rsplit("MARKS ", 1)[1])
    slow = sum("slow" in item for item in marks)
    browser = sum("browser" in item for item in marks)
    quick = sum(not {"slow", "browser"} & set(item) for item in marks)
    assert slow >= 20 and browser >= 3 and quick >= 300, (slow, browser, quick)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert '-m "not slow and not browser"' in makefile.split("test-quick:", 1)[1].split("\n\n", 1)[0]
    assert "pytest -m" not in makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]  # make test selects nothing out
