"""Build ``DATA/reports.db`` from the archive and the crawl journal (with sqlite-utils).

The database is derived data: delete it and ``nianbao load DATA`` rebuilds it.

    from loader import load
    summary = load("data")   # copy new journal rows, extract new originals, index them

Modules: schema (tables and views of reports.db), search_index (the Chinese
full-text index: its tokens and every write to it), extraction (one original as rows),
workers (extraction on other machines through an RQ queue), loader (Loader, load).
"""

from .extraction import extract_for_load
from .loader import Loader, LoadSummary, load, open_db

__all__ = ["LoadSummary", "Loader", "extract_for_load", "load", "open_db"]
