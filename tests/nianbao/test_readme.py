"""The README's Python API example runs as written, as a user would run it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from nianbao.demo import SAMPLE_SITE
from tests.support import ROOT


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_python_api_example_runs(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-c", readme_example()], cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    manifest = json.loads((SAMPLE_SITE / "_manifest.json").read_text(encoding="utf-8"))
    found, extracted = map(int, re.search(r"(\d+) reports found, (\d+) extracted", finished.stdout).groups())
    assert found == len(manifest["reports"]) + len(manifest["duplicates"])
    assert extracted == len(manifest["reports"])
    mentions = int(re.search(r"(\d+) reports mention 复议; first: (.+)", finished.stdout).group(1))
    assert 0 < mentions <= extracted
    assert (tmp_path / "data" / "reports.db").is_file()
