"""The content-addressed archive of originals.

Every original a crawl fetches is kept once, in a file named by the sha256 of
its bytes, written atomically and made read-only. Nothing here ever
overwrites or deletes an object: a changed report is simply another object.
"""

from .sniff import Sniffed, sniff
from .store import Archive, ArchiveError, PutResult

__all__ = ["Archive", "ArchiveError", "PutResult", "Sniffed", "sniff"]
