"""Legacy Word (.doc) and WPS (.wps) files: convert to DOCX with LibreOffice, then read that."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import ExtractionError

CONVERT_TIMEOUT = 120  # seconds


def convert_to_docx(path: str | Path, fmt: str, workdir: str) -> Path:
    """Convert ``path`` into ``workdir``; returns the DOCX path or raises ExtractionError."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ExtractionError(f"unsupported format: {fmt} (install libreoffice)")
    source = Path(workdir) / f"input.{fmt}"
    shutil.copyfile(path, source)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir=workdir))  # one profile per run: no lock clashes
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "docx",
        "--outdir",
        workdir,
        str(source),
    ]
    # Its own process group, so a hung conversion is ended whole (soffice → oosplash → soffice.bin).
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise ExtractionError(f"{fmt} conversion timed out after {CONVERT_TIMEOUT}s") from None
    out = Path(workdir) / "input.docx"
    if not out.exists() or out.stat().st_size == 0:
        raise ExtractionError(f"unreadable {fmt}: LibreOffice could not convert it")
    return out
