"""Bad input fails fast with one clear ExtractionError; legacy formats go through LibreOffice."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from extractors import ExtractionError, extract

from tests.support import REPORTS

HAS_SOFFICE = shutil.which("soffice") is not None


def fails_with(path: Path, *words: str) -> str:
    start = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        extract(path)
    message = str(caught.value)
    assert time.monotonic() - start < 5
    assert "\n" not in message
    for word in words:
        assert word in message.lower()
    return message


def test_empty_file(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"")
    fails_with(tmp_path / "a.pdf", "empty")


def test_random_bytes(tmp_path):
    (tmp_path / "a.pdf").write_bytes(os.urandom(4096))
    fails_with(tmp_path / "a.pdf", "unsupported format")


def test_html_named_pdf_is_a_web_page_not_a_report(tmp_path):
    from extractors import extract

    (tmp_path / "report.pdf").write_bytes(b"<!DOCTYPE html><html><body>404 Not Found</body></html>")
    result = extract(tmp_path / "report.pdf")
    assert (result.format, result.text, result.report) == ("html", "404 Not Found", None)


def test_truncated_pdf(tmp_path):
    data = (REPORTS / "tiantan-2023.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    fails_with(tmp_path / "cut.pdf", "truncated")


def test_zip_that_is_not_a_docx(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.docx", "w") as z:
        z.writestr("hello.txt", "hi")
    fails_with(tmp_path / "a.docx", "zip")


def test_zip_bomb_named_docx_is_refused_from_the_directory(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<" + b"a" * (80 * 1024 * 1024) + b"/>")
    assert path.stat().st_size < 1024 * 1024
    fails_with(path, "zip bomb")


def test_docx_with_external_entity_is_refused(tmp_path):
    from .report_docx import build_report_docx, sample_figures

    source = build_report_docx(tmp_path / "ok.docx", sample_figures())
    evil = tmp_path / "evil.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(evil, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                head, rest = data.split(b"?>", 1)
                data = head + b'?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + rest
                data = data.replace(b"<w:t>", b"<w:t>&xxe;", 1)
            zout.writestr(item, data)
    message = fails_with(evil, "docx refused")
    assert "root:" not in message


@pytest.mark.slow
@pytest.mark.skipif(not HAS_SOFFICE, reason="no soffice")
def test_encrypted_pdf(tmp_path):
    from .report_docx import build_report_docx, sample_figures

    source = build_report_docx(tmp_path / "secret.docx", sample_figures())
    export = 'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"pw"}}'
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless", "--convert-to", export,
         "--outdir", str(tmp_path), str(source)],
        capture_output=True, timeout=120, check=True,
    )
    fails_with(tmp_path / "secret.pdf", "encrypted")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_SOFFICE, reason="no soffice")
def test_legacy_doc_is_converted_and_read(tmp_path):
    from .report_docx import build_report_docx, sample_figures

    cells = sample_figures()
    source = build_report_docx(tmp_path / "legacy.docx", cells)
    out = tmp_path / "out"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless", "--convert-to", "doc",
         "--outdir", str(out), str(source)],
        capture_output=True, timeout=120, check=True,
    )
    result = extract(out / "legacy.doc")
    assert result.format == "doc" and result.media_type == "application/msword"
    assert result.report.stats_dict()["3.handled_total.total"] == int(cells["3.handled_total.total"])
    assert len(result.report.stats) == 200


def test_legacy_doc_without_libreoffice(tmp_path, monkeypatch):
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert fails_with(tmp_path / "old.doc") == "unsupported format: doc (install libreoffice)"


def test_extraction_is_silent(capsys, caplog):
    caplog.set_level(logging.WARNING)
    extract(REPORTS / "jiaodaokou-2023-web.pdf")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if r.name.startswith(("pdfminer", "pdfplumber"))]
