"""The ``nianbao`` console script as a user runs it."""

from __future__ import annotations

import json
import os

import pytest

from tests.support import REPORTS
from tests.support import nianbao as run


def test_help_lists_every_stage():
    finished = run("--help")
    assert finished.returncode == 0
    for command in ("crawl", "extract", "load", "serve", "verify", "demo"):
        assert f"  {command} " in finished.stdout


def test_extract_prints_one_json_document_per_file_in_order():
    files = [REPORTS / "tiantan-2023.pdf", REPORTS / "tiantan-2023.docx"]
    finished = run("extract", *files)
    assert finished.returncode == 0, finished.stderr
    documents = [json.loads(line) for line in finished.stdout.splitlines()]
    assert [d["file"] for d in documents] == [str(f) for f in files]
    pdf, docx = documents
    assert (pdf["format"], docx["format"]) == ("pdf", "docx")
    assert pdf["pages"] >= 2
    assert "政府信息公开" in pdf["text"] and "政府信息公开" in docx["text"]
    assert pdf["tables"] and all("rows" in table for table in pdf["tables"])
    for document in documents:
        stats = {(s["section"], s["item"], s["measure"]): s["value"] for s in document["report"]["stats"]}
        assert stats[(2, "penalty", "decisions")] == 31
        assert stats[(3, "received", "natural_person")] == 6
        assert document["report"]["year"] == 2023


@pytest.mark.parametrize(
    "name,content",
    [
        ("empty.pdf", b""),
        ("random.pdf", os.urandom(4096)),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Ty"),
        ("notes.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_extract_bad_file_gives_json_error_without_traceback(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    finished = run("extract", path, timeout=60)
    assert finished.returncode == 1
    (document,) = [json.loads(line) for line in finished.stdout.splitlines()]
    assert document["file"] == str(path)
    assert document["error"] and "\n" not in document["error"]
    assert "Traceback" not in finished.stderr + finished.stdout


def test_extract_a_web_page_named_pdf_reads_it_as_a_page(tmp_path):
    path = tmp_path / "page.pdf"
    path.write_bytes("<!DOCTYPE html><html><body>页面不存在</body></html>".encode())
    finished = run("extract", path, timeout=60)
    assert finished.returncode == 0
    (document,) = [json.loads(line) for line in finished.stdout.splitlines()]
    assert (document["format"], document["text"], document["report"]) == ("html", "页面不存在", None)


def test_extract_missing_file_and_mixed_batch(tmp_path):
    bad = tmp_path / "nothing-here.pdf"
    finished = run("extract", bad, REPORTS / "tiantan-2023.docx")
    assert finished.returncode == 1
    first, second = [json.loads(line) for line in finished.stdout.splitlines()]
    assert first == {"file": str(bad), "error": "no such file"}
    assert second["format"] == "docx" and "error" not in second


def test_verify_and_load_reject_missing_data_dir(tmp_path):
    for command in ("verify", "load"):
        finished = run(command, tmp_path / "nope")
        assert finished.returncode == 2
        assert finished.stderr.startswith("nianbao: error: ") and "Traceback" not in finished.stderr


def test_serve_without_database_says_what_to_do(tmp_path):
    finished = run("serve", tmp_path)
    assert finished.returncode == 2
    assert "run `make crawl`" in finished.stderr


def test_second_writer_on_same_data_exits_with_one_line(tmp_path):
    from nianbao.lock import DataLock

    config = tmp_path / "portals.yml"
    config.write_text("portals:\n  - id: a\n    start_urls: ['http://127.0.0.1:1/']\n")
    data = tmp_path / "data"
    with DataLock(data):
        finished = run("crawl", config, "--data", data)
        loading = run("load", data)
    for result in (finished, loading):
        assert result.returncode == 2
        (line,) = result.stderr.strip().splitlines()
        assert "is in use by pid" in line
    assert not (data / "journal.db").exists()


def test_extract_refuses_zip_bomb_and_external_entity_quickly(tmp_path):
    import time
    import zipfile

    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b"a" * (200 * 1024 * 1024) + b"/>")
    xxe = tmp_path / "xxe.docx"
    with zipfile.ZipFile(REPORTS / "tiantan-2023.docx") as source, zipfile.ZipFile(xxe, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                head, rest = data.split(b"?>", 1)
                data = head + b'?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/hostname">]>' + rest
                data = data.replace(b"<w:t>", b"<w:t>&x;", 1)
            target.writestr(item, data)
    started = time.monotonic()
    finished = run("extract", bomb, xxe, timeout=60)
    assert time.monotonic() - started < 20
    assert finished.returncode == 1
    bomb_result, xxe_result = [json.loads(line) for line in finished.stdout.splitlines()]
    assert "zip bomb" in bomb_result["error"]
    assert "docx refused" in xxe_result["error"]
    hostname = open("/etc/hostname").read().strip()
    assert hostname not in finished.stdout
    assert "Traceback" not in finished.stderr
