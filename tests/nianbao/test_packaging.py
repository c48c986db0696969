"""A plain, non-editable ``pip install`` of the project serves and demos from any directory:
metadata, templates, static files and the sample portal travel as package data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, free_port

pytestmark = pytest.mark.slow


def source_copy(target: Path) -> Path:
    """The checkout without what builds and runs leave in it (no stale build/, no .venv), links kept."""
    top_level = {".git", ".venv", "build", "data", "test-output", ".pytest_cache", ".hypothesis"}

    def leftovers(folder: str, names: list[str]) -> set[str]:
        here = {name for name in names if name == "__pycache__" or name.endswith(".egg-info")}
        return here | (top_level & set(names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, target, symlinks=True, ignore=leftovers)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A new venv with ``pip install <copy of the checkout>``; its bin folder."""
    root = tmp_path_factory.mktemp("install")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    finished = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(source_copy(root / "src"))],
                              capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return venv / "bin"


def wait_for(url: str, process: subprocess.Popen, seconds: float = 180) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()[-3000:] if process.stderr else "exited"
        try:
            response = httpx.get(url, timeout=5, trust_env=False)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def test_the_installed_packages_are_the_ones_used(installed, tmp_path):
    code = "import json, archive, crawler, extractors, loader, nianbao, website; print(json.dumps([m.__file__ for m in " \
           "(archive, crawler, extractors, loader, nianbao, website)]))"
    finished = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    paths = json.loads(finished.stdout)
    assert len(paths) == 6 and all(path.startswith(str(installed.parent)) for path in paths), paths


def test_demo_then_serve_from_another_directory(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "NO_PROXY": "*"}
    port = free_port()
    demo = subprocess.Popen([str(installed / "nianbao"), "demo", "--data", "data", "--port", str(port),
                             "--portal-port", "0"], cwd=elsewhere, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        documents = wait_for(base + "/reports/documents.json?_shape=objects&_size=max", demo).json()["rows"]
        manifest = json.loads((ROOT / "nianbao" / "demo" / "sample" / "_manifest.json").read_text(encoding="utf-8"))
        assert {row["sha256"] for row in documents} == {report["sha256"] for report in manifest["reports"]}
        assert "政府信息公开工作年度报告档案" in httpx.get(base + "/", trust_env=False).text  # the metadata
        assert "<mark>复议</mark>" in httpx.get(base + "/-/search?q=复议", trust_env=False).text  # the templates
        assert httpx.get(base + "/-/nianbao/static/nianbao.css", trust_env=False).status_code == 200
        sha = documents[0]["sha256"]
        assert httpx.get(f"{base}/-/files/{sha}", trust_env=False).status_code == 200
    finally:
        demo.terminate()
        demo.wait(timeout=30)
    port = free_port()
    serve = subprocess.Popen([str(installed / "nianbao"), "serve", "data", "--port", str(port)], cwd=elsewhere,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        rows = wait_for(f"http://127.0.0.1:{port}/reports/documents.json?_shape=objects&_size=max", serve).json()["rows"]
        assert len(rows) == len(documents)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
