"""Refuse hostile ZIP packages (DOCX, OFD) before any XML parser sees them.

A ZIP bomb is caught from the sizes in the ZIP central directory (nothing is inflated);
XML with a DTD or entity declarations is refused by defusedxml, so no entity is ever
resolved (python-docx's own lxml parser also has resolve_entities off).
"""

from __future__ import annotations

import zipfile
import zlib

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .errors import ExtractionError

MAX_MEMBERS = 5000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # uncompressed/compressed, for members larger than 1 MB
# What opening or reading a damaged ZIP raises besides BadZipFile.
ZIP_ERRORS = (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error)


def check_docx_package(path) -> None:
    """Raise ExtractionError if the DOCX at ``path`` is a ZIP bomb or has unsafe XML."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_limits(archive, "docx")
            if "word/document.xml" not in archive.namelist():
                raise ExtractionError("not a docx: no word/document.xml")
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    parse_xml(info.filename, archive.read(info), "docx")
    except zipfile.BadZipFile as exc:
        raise ExtractionError(f"corrupt docx: {exc}") from None
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"unreadable docx: {exc}") from None


def check_zip_limits(archive: zipfile.ZipFile, kind: str) -> None:
    """Refuse a ZIP whose directory announces too many members, too many bytes or a bomb's ratio."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ExtractionError(f"{kind} refused: {len(infos)} ZIP members (zip bomb?)")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise ExtractionError(f"{kind} refused: {info.filename} inflates to {info.file_size} bytes (zip bomb?)")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExtractionError(f"{kind} refused: {info.filename} compression ratio too high (zip bomb?)")


def parse_xml(name: str, data: bytes, kind: str):
    """The root element of an XML part, parsed with no DTD, entity or external reference allowed."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ExtractionError(f"{kind} refused: {name} declares a DTD or entities ({type(exc).__name__})") from None
    except Exception as exc:  # ParseError from a damaged part
        raise ExtractionError(f"corrupt {kind}: {name} is not well-formed XML ({exc})".splitlines()[0]) from None
