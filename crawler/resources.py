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


def journal_for(data_dir: str | Path, shard: str | None = None, frontier: str | None = None) -> Journal:
    """DATA/journal.db; in a fleet run (``frontier``), this process's shard ``DATA/journals/<shard>.db``,
    its row ids drawn from the fleet's Redis so the shards merge without collisions."""
    path = Path(data_dir).resolve() / ("journal.db" if not frontier else f"journals/{shard}.db")
    if path not in _journals:
        from crawler.fleet import RedisIds

        _journals[path] = Journal(path, ids=RedisIds(frontier) if frontier else None)
    return _journals[path]


def journal_of(settings) -> Journal:
    """The journal of a crawler's settings (NIANBAO_DATA_DIR, and NIANBAO_SHARD in a fleet run)."""
    return journal_for(data_dir_of(settings), settings.get("NIANBAO_SHARD"), settings.get("NIANBAO_FRONTIER"))


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
