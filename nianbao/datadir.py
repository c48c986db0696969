"""``DataDir``: one DATA directory and everything that runs over it.

    from nianbao import DataDir

    data = DataDir("data")
    result = data.crawl("portals.yml")   # crawl, archive, then load reports.db
    data.load(force=True)                # re-extract every document
    data.verify().ok                     # every original still hashes to its name
    ds = data.datasette()                # a configured Datasette over reports.db

Every method that writes DATA holds ``DATA/.lock`` (re-entrant within one
DataDir), so two writers never meet; errors are exceptions with a one-line
message (the CLI prints them as they are).
"""

from __future__ import annotations

import os
import socket
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from archive import ArchiveError, Originals, open_archive

from .lock import DataLock

# Datasette settings of the public site (see README "The Datasette site").
SITE_SETTINGS = {
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "max_returned_rows": 2000,
    "allow_download": False,
    "suggest_facets": False,
}


class DataError(Exception):
    """DATA lacks what the operation needs (no such directory, no reports.db yet)."""


class ServeError(Exception):
    """The site cannot be served (the port is taken, the address is not ours)."""


@dataclass
class CrawlResult:
    """A crawl's summary (``crawler.run.run_crawl``) and, unless skipped, the load that followed."""

    summary: dict
    load: object | None = None  # loader.LoadSummary


class DataDir:
    """A DATA directory: ``archive/`` (originals; or an object store, as ``archive.yml`` says),
    ``journal.db`` (the crawl record), ``reports.db``."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._archive: Originals | None = None
        self.journal_path = self.path / "journal.db"
        self.db_path = self.path / "reports.db"
        self._lock: DataLock | None = None
        self._lock_depth = 0

    def __repr__(self) -> str:
        return f"DataDir({str(self.path)!r})"

    @property
    def archive(self) -> Originals:
        """The originals: ``archive.Archive`` over DATA/archive, or ``archive.s3.S3Archive`` (``archive.open_archive``)."""
        if self._archive is None:
            with archive_errors():
                self._archive = open_archive(self.path)
        return self._archive

    @contextmanager
    def lock(self) -> Iterator["DataDir"]:
        """Hold ``DATA/.lock`` (LockedError when another process holds it); nests."""
        if self._lock_depth == 0:
            self._lock = DataLock(self.path).__enter__()
        self._lock_depth += 1
        try:
            yield self
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0:
                self._lock.__exit__(None, None, None)
                self._lock = None

    # --- stages -----------------------------------------------------------------------

    def crawl(
        self,
        config: str | os.PathLike | dict,
        *,
        portals: tuple[str, ...] | list[str] = (),
        throttle: bool = True,
        settings: dict | None = None,
        load: bool = True,
        workers: int | None = None,
        progress: bool = False,
        frontier: str | None = None,
        run: str = "default",
        shard: str | None = None,
    ) -> CrawlResult:
        """Crawl the portals of ``config`` (or those of its ids in ``portals``), then load.

        ``config`` is a portals file or its content as a mapping (``{"portals": [...]}``).
        ``throttle=False`` switches politeness delays off (local mirrors, tests);
        ``settings`` overrides Scrapy settings. ``frontier`` (a Redis URL) makes this
        process one member of the fleet run ``run`` (crawler.fleet): it shares the frontier
        and politeness, writes ``journals/<shard>.db`` beside the other members' and neither
        holds DATA's lock nor loads (the loader runs on its own). Raises ConfigError for a
        bad portals file, LockedError, StorageError when DATA could not take the files.
        """
        from crawler.config import load_portals, parse_portals, select_portals
        from crawler.run import run_crawl
        from crawler.settings import FAST_SETTINGS

        label = "(portals given in Python)" if isinstance(config, dict) else str(config)
        defined = parse_portals(config, label) if isinstance(config, dict) else load_portals(config)
        chosen = select_portals(defined, portals, label)
        run_settings = {**({} if throttle else FAST_SETTINGS), **(settings or {})}
        if frontier:
            from crawler.fleet import fleet_settings
            from crawler.settings import build_settings

            fleet = fleet_settings(frontier, run, shard or f"{socket.gethostname()}-{os.getpid()}",
                                   build_settings(run_settings))
            with archive_errors():
                self.archive.check()
                summary = run_crawl(chosen, self.path, config_label=label, settings={**run_settings, **fleet},
                                    progress=progress)
            return CrawlResult(summary, None)
        with self.lock(), archive_errors():
            self.archive.check()  # an object store that cannot be reached: say so before fetching anything
            self.archive.clean_incoming()  # leftovers of a killed run
            summary = run_crawl(chosen, self.path, config_label=label, settings=run_settings, progress=progress)
            loaded = self.load(workers=workers, progress=progress) if load else None
        return CrawlResult(summary, loaded)

    def load(self, *, force: bool = False, workers: int | None = None, progress: bool = False, timeout: float | None = None,
             queue: str | None = None):
        """Bring reports.db up to date with the archive and the journal (``force``: re-extract all);
        ``queue`` (a Redis URL): extract on ``nianbao worker`` processes (loader.workers).

        Returns a ``loader.LoadSummary``.
        """
        from loader import load

        if not self.path.is_dir():
            raise DataError(f"{self.path}: no such DATA directory")
        options = {"force": force, "workers": workers, "progress": _progress_bar("extract") if progress else None,
                   "queue": queue}
        if timeout is not None:
            options["timeout"] = timeout
        with self.lock(), archive_errors():
            self.archive.check()
            return load(self.path, **options)

    def verify(self, *, repair: bool = False):
        """Re-hash every original and check every document has one; ``repair`` fetches damaged ones again.

        Returns a ``nianbao.verify.VerifyResult``.
        """
        from .verify import verify

        with archive_errors():
            if not self.archive.exists():
                raise DataError(f"{self.path}: no archive here (expected {self.archive.location})")
            if not repair:
                return verify(self.path)
            with self.lock():
                return verify(self.path, repair=True)

    # --- the site ---------------------------------------------------------------------

    def datasette(self, *, metadata: str | os.PathLike | None = None, settings: dict | None = None):
        """A Datasette instance publishing reports.db with the project's metadata and plugin."""
        import yaml
        from datasette.app import Datasette

        from website import METADATA

        if not self.db_path.is_file():
            raise DataError(f"{self.path}: no reports.db yet; run `make crawl` or `nianbao load {self.path}` first")
        text = Path(metadata).read_text(encoding="utf-8") if metadata else METADATA.read_text(encoding="utf-8")
        return Datasette([str(self.db_path)], metadata=yaml.safe_load(text), settings={**SITE_SETTINGS, **(settings or {})})

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 8001,
        *,
        metadata: str | os.PathLike | None = None,
        ready: Callable[[str], None] | None = None,
    ) -> None:
        """Serve the site until Ctrl-C (uvicorn, as ``datasette serve`` does).

        ``ready(url)`` is called once the database and the port have been checked.
        """
        import asyncio

        import uvicorn

        ds = self.datasette(metadata=metadata)
        _check_port(host, port)
        if ready is not None:
            ready(f"http://{host}:{port}/")
        asyncio.run(ds.invoke_startup())
        try:
            uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on")
        except KeyboardInterrupt:
            pass


@contextmanager
def archive_errors() -> Iterator[None]:
    """The archive's errors (a bad archive.yml, an object store that does not answer) as DataError."""
    try:
        yield
    except ArchiveError as error:
        raise DataError(str(error)) from None


def _check_port(host: str, port: int) -> None:
    """Fail with one line, before uvicorn logs its own, when the port is taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServeError(f"cannot serve on {host}:{port}: {error.strerror or error}") from None


def _progress_bar(description: str):
    """A tqdm bar around an iterable (for the loader's extraction)."""

    def wrap(iterable, total):
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=description, unit="doc", leave=False, file=sys.stderr)

    return wrap
