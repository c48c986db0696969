"""Tell what a file is from its bytes, never from its name or a server's word.

Portals serve PDFs as ``application/octet-stream``, DOCX files named ``.doc``
and HTML error pages named ``.pdf``; the first bytes are the only thing to trust.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Sniffed:
    """What a blob of bytes is: ``format`` is a short name, None when unknown."""

    format: str | None
    media_type: str
    extension: str

    @property
    def is_document(self) -> bool:
        return self.format in DOCUMENT_FORMATS


FORMATS = {
    "pdf": Sniffed("pdf", "application/pdf", ".pdf"),
    "docx": Sniffed(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "doc": Sniffed("doc", "application/msword", ".doc"),
    "wps": Sniffed("wps", "application/vnd.ms-works", ".wps"),
    "html": Sniffed("html", "text/html", ".html"),
    "ofd": Sniffed("ofd", "application/ofd", ".ofd"),
    "zip": Sniffed("zip", "application/zip", ".zip"),
}
UNKNOWN = Sniffed(None, "application/octet-stream", "")
DOCUMENT_FORMATS = frozenset({"pdf", "docx", "doc", "wps", "ofd"})


def by_extension(path) -> Sniffed:
    """What an archived object is, from the extension the archive gave it when sniffing it."""
    return FORMATS.get(PurePath(path).suffix.lstrip(".").lower(), UNKNOWN)


def sniff(head: bytes, filename: str | None = None) -> Sniffed:
    """Identify ``head`` (the whole file, or at least its first few KB for PDF/OLE2/HTML).

    A ZIP is only called DOCX when it holds ``word/document.xml`` (OFD: ``OFD.xml``),
    which needs the whole file. An OLE2 file is a Word ``.doc`` unless its name says ``.wps``.
    """
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1024].find(b"%PDF-") != -1:
        return FORMATS["pdf"]
    if head.startswith(OLE2_MAGIC):
        if filename and filename.lower().endswith(".wps"):
            return FORMATS["wps"]
        return FORMATS["doc"]
    if head.startswith(b"PK\x03\x04"):
        if _zip_has(head, "word/document.xml"):
            return FORMATS["docx"]
        if _zip_has(head, "OFD.xml"):  # GB/T 33190: the package's entry file
            return FORMATS["ofd"]
        return FORMATS["zip"]
    lowered = stripped[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<script")):
        return FORMATS["html"]
    if b"<html" in head[:4096].lower():
        return FORMATS["html"]
    return UNKNOWN


def _zip_has(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        # A truncated DOCX: its local headers still name the members.
        return member.encode() in data[:65536]
