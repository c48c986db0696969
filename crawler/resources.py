"""The journal and archive one crawl process shares between its crawlers and components.

Every portal's crawler (and each of its middlewares and pipelines) asks for the
journal and archive of ``NIANBAO_DATA_DIR``; they all get the same objects, so a
run holds one SQLite connection, used from the reactor thread only.
"""

from __future__ import annotations

from pathlib import Path

from archive import Originals, open_archive
from crawler.journal import Journal

_journals: dict[Path, Journal] = {}
_archives: dict[Path, Originals] = {}


def data_dir_of(settings) -> Path:
    value = settings.get("NIANBAO_DATA_DIR")
    if not value:
        raise RuntimeError("NIANBAO_DATA_DIR is not set: run crawls through crawler.run.run_crawl")
    return Path(value).resolve()


def journal_for(data_dir: str | Path) -> Journal:
    key = Path(data_dir).resolve()
    if key not in _journals:
        _journals[key] = Journal(key / "journal.db")
    return _journals[key]


def archive_for(data_dir: str | Path) -> Originals:
    """DATA's archive, as ``DATA/archive.yml`` says (``archive.open_archive``): the folder by default."""
    key = Path(data_dir).resolve()
    if key not in _archives:
        _archives[key] = open_archive(key)
    return _archives[key]


def close_all() -> None:
    for journal in _journals.values():
        journal.close()
    _journals.clear()
    _archives.clear()
