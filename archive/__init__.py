"""The content-addressed archive of originals.

Every original a crawl fetches is kept once, named by the sha256 of its bytes,
and never overwritten or deleted: a changed report is simply another object.
The archive is the folder ``DATA/archive`` (``store.Archive``: files written
atomically and made read-only), or an S3-compatible object store when
``DATA/archive.yml`` says so (``s3.S3Archive``); ``open_archive`` decides.
"""

from .config import Originals, open_archive
from .sniff import Sniffed, sniff
from .store import Archive, ArchivedObject, ArchiveError, MissingObject, PutResult

__all__ = [
    "Archive", "ArchiveError", "ArchivedObject", "MissingObject", "Originals", "PutResult", "Sniffed", "open_archive",
    "sniff",
]
