"""The content-addressed archive: one read-only object per distinct content, never overwritten."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile

import pytest

from archive import Archive, ArchiveError, sniff


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_put_names_object_by_sha256_with_sniffed_extension(tmp_path):
    archive = Archive(tmp_path / "archive")
    data = b"%PDF-1.7\n...report..."
    result = archive.put_bytes(data, filename="misleading.docx")
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.created
    assert result.path.name == result.sha256 + ".pdf"
    assert result.path.parent == tmp_path / "archive" / result.sha256[:2] / result.sha256[2:4]
    assert result.path.read_bytes() == data
    assert archive.path_for(result.sha256) == result.path
    assert list(archive) == [result.sha256]


def test_objects_are_read_only_and_never_rewritten(tmp_path):
    archive = Archive(tmp_path)
    first = archive.put_bytes(b"%PDF-1.4 same bytes")
    mode = stat.S_IMODE(first.path.stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0
    inode = first.path.stat().st_ino
    again = archive.put_bytes(b"%PDF-1.4 same bytes", filename="other-name.pdf")
    assert not again.created
    assert again.path == first.path
    assert first.path.stat().st_ino == inode
    assert len(list(archive.paths())) == 1


def test_changed_bytes_are_a_second_object_and_the_first_stays(tmp_path):
    archive = Archive(tmp_path)
    old = archive.put_bytes(b"%PDF-1.4 version one")
    new = archive.put_bytes(b"%PDF-1.4 version two")
    assert old.sha256 != new.sha256
    assert old.path.read_bytes() == b"%PDF-1.4 version one"
    assert sorted(archive) == sorted([old.sha256, new.sha256])


def test_put_stream_matches_put_bytes(tmp_path):
    data = docx_bytes() * 1
    archive = Archive(tmp_path)
    streamed = archive.put_stream(io.BytesIO(data), filename="x.doc")
    assert streamed.path.suffix == ".docx"
    assert streamed.sha256 == hashlib.sha256(data).hexdigest()
    assert not archive.put_bytes(data).created
    assert not list(tmp_path.glob(".incoming-*"))


def test_verify_catches_a_flipped_byte(tmp_path):
    archive = Archive(tmp_path)
    good = archive.put_bytes(b"%PDF-1.4 good object")
    bad = archive.put_bytes(b"%PDF-1.4 object to damage")
    os.chmod(bad.path, 0o644)
    damaged = bytearray(bad.path.read_bytes())
    damaged[-1] ^= 0x01
    bad.path.write_bytes(bytes(damaged))
    problems = {sha: problem for sha, _, problem in archive.verify()}
    assert problems[good.sha256] is None
    assert problems[bad.sha256].startswith("content hashes to ")


def test_read_only_archive_gives_archive_error_and_leaves_nothing(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    root = tmp_path / "archive"
    root.mkdir()
    os.chmod(root, 0o555)
    try:
        with pytest.raises(ArchiveError, match="cannot write to archive"):
            Archive(root).put_bytes(b"%PDF-1.4 x")
    finally:
        os.chmod(root, 0o755)
    assert list(root.iterdir()) == []


def test_unknown_names_are_not_objects(tmp_path):
    archive = Archive(tmp_path)
    assert archive.path_for("../../etc/passwd") is None
    assert archive.path_for("A" * 64) is None
    assert "0" * 64 not in archive


@pytest.mark.parametrize(
    "data,filename,expected",
    [
        (b"%PDF-1.7\n", None, "pdf"),
        (b"\xef\xbb\xbf  %PDF-1.5", None, "pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "report.doc", "doc"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "report.wps", "wps"),
        ("<!DOCTYPE html><html><title>页面不存在</title>".encode(), "report.pdf", "html"),
        (b"  <html><body>404</body></html>", None, "html"),
        (b"random bytes \x00\x01", "a.pdf", None),
    ],
)
def test_sniff_trusts_bytes_not_names(data, filename, expected):
    assert sniff(data, filename).format == expected


def test_sniff_tells_docx_from_other_zips():
    assert sniff(docx_bytes()).format == "docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b")
    assert sniff(buffer.getvalue(), "report.docx").format == "zip"


@pytest.mark.parametrize("hostile", ["../../../tmp/evil.pdf", "/etc/passwd", "..\\..\\x.docx", "a/../../b.pdf\x00.txt"])
def test_file_names_from_portals_never_reach_the_file_system(tmp_path, hostile):
    archive = Archive(tmp_path / "archive")
    stored = archive.put_bytes(b"%PDF-1.4 hostile name", filename=hostile)
    assert stored.path.resolve().is_relative_to((tmp_path / "archive").resolve())
    assert stored.path.name == stored.sha256 + ".pdf"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [stored.path.name]


def test_sniff_survives_a_zip_claiming_an_unsupported_version():
    data = bytearray(docx_bytes())
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 6] = 229  # "version needed to extract": 22.9
    assert sniff(bytes(data)).format in ("docx", "zip")
