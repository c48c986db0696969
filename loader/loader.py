"""Loader: keeps ``DATA/reports.db`` in step with ``DATA/archive`` and ``DATA/journal.db``.

Loading is incremental and idempotent: journal rows are copied once, an
original is extracted only when it is new or was extracted by an older
extractor version, and a second run over the same DATA changes nothing.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

import sqlite_utils

from archive import ArchivedObject, open_archive
from archive.sniff import by_extension
from crawler import journal as crawl_journal
from crawler.dates import SOURCES as DATE_SOURCES
from extractors import EXTRACTOR_VERSION
from extractors.isolated import DEFAULT_TIMEOUT, run_isolated

from .extraction import extract_archived
from .schema import (
    AGENCIES_SQL,
    BY_YEAR_SQL,
    CHART_COLUMNS,
    COVERAGE_COLUMNS,
    DOCUMENT_COLUMNS,
    JOURNAL_COPIES,
    SUMMARIES_VERSION,
    create_schema,
)
from .search_index import SEARCH_VERSION, SearchIndex

# Documents stored per commit, or fewer once COMMIT_SECONDS have passed (in a real
# load, extraction sets the pace and the time limit decides): see Loader._document.
COMMIT_EVERY = 500
COMMIT_SECONDS = 2.0

# Two sources giving a document the same publication day: the one read from the more trusted place.
SOURCE_ORDER = "case published_from " + " ".join(f"when '{name}' then {rank}" for rank, name in enumerate(DATE_SOURCES)) + f" else {len(DATE_SOURCES)} end"

# How each journal table is copied: rows after the newest id already here (append-only
# tables), every row (rows the crawler updates), or each portal's newest definition.
COPY_WHERE = {
    "sources": "where id > (select coalesce(max(id), 0) from main.sources)",
    "fetch_errors": "where id > (select coalesce(max(id), 0) from main.fetch_errors)",
    "crawls": "",
    "portal_runs": "",
    "portals": "where crawl_id = (select max(q.crawl_id) from journal.portals q where q.portal = journal.portals.portal)",
}
# A fleet member's shard: ids unique across shards, but not in order.
SHARD_COPY_WHERE = {
    **COPY_WHERE,
    "sources": "where id not in (select id from main.sources)",
    "fetch_errors": "where id not in (select id from main.fetch_errors)",
    "portals": "where crawl_id >= coalesce((select max(crawl_id) from main.portals m where m.portal = journal.portals.portal), 0)",
}


@dataclass
class LoadSummary:
    """What one load did: fetches copied from the journal, documents extracted (and which failed)."""

    sources_added: int = 0
    extracted: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (sha256, why it could not be read)


def open_db(path: str | Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), timeout=60)
    db = sqlite_utils.Database(conn)
    db.execute("pragma journal_mode=wal")
    # WAL + NORMAL: a commit survives a killed process (kill -9) and the file is never
    # corrupted; only a power cut may roll back the last commits, and reports.db is
    # derived data that the next load rebuilds. Saves an fsync per document.
    db.execute("pragma synchronous=normal")
    db.execute("pragma cache_size=-65536")  # 64 MB: the indexes' hot pages stay in memory as the archive grows
    create_schema(db)
    return db


class Loader:
    """Keeps one ``reports.db`` in step with one DATA directory."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.archive = open_archive(self.data_dir)
        self.journal_path = self.data_dir / "journal.db"
        self.db_path = self.data_dir / "reports.db"
        self.db = open_db(self.db_path)
        self.index = SearchIndex(self.db.conn)
        self.synced: set[str] = set()  # originals named by the sources the last sync_journal copied
        self._uncommitted, self._last_commit = 0, time.monotonic()

    def close(self) -> None:
        self.commit()
        self.db.conn.close()

    def commit(self) -> None:
        """Make the documents stored so far durable (and visible to other connections)."""
        if self.db.conn.in_transaction:
            self.db.conn.commit()
        self._uncommitted, self._last_commit = 0, time.monotonic()

    @contextmanager
    def _document(self):
        """One document's writes, all or nothing; commits are batched.

        Each document is a savepoint inside a transaction that is committed every
        COMMIT_EVERY documents or COMMIT_SECONDS: FTS5 then writes one index
        segment per batch instead of one per document. A failure rolls back that
        document alone; a killed process loses at most the open batch, whole
        documents only, which the next load extracts again (they have no row).
        """
        conn = self.db.conn
        if not conn.in_transaction:
            conn.execute("begin")
        conn.execute("savepoint nianbao_document")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("rollback to nianbao_document")
                conn.execute("release nianbao_document")
            raise
        conn.execute("release nianbao_document")
        self._uncommitted += 1
        if self._uncommitted >= COMMIT_EVERY or time.monotonic() - self._last_commit >= COMMIT_SECONDS:
            self.commit()

    def load(
        self,
        *,
        force: bool = False,
        workers: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        progress: Callable[[Iterable, int], Iterable] | None = None,
        queue: str | None = None,
    ) -> LoadSummary:
        """Bring reports.db in step with the journal(s) and the archive. Extraction runs in
        ``workers`` local children, or, with ``queue`` (a Redis URL), on ``nianbao worker``
        processes anywhere (loader.workers); either way only this process writes reports.db."""
        summary = LoadSummary()
        last_source = self._last_source_id()
        summary.sources_added = self.sync_journal()
        self.ensure_search_version()
        archived = list(self.archive.objects())
        todo = self.stale_documents(archived, force)
        summary.unchanged = len(archived) - len(todo)
        # Children share the cores: each OCRs as many pages at a time as leaves none idle, none oversubscribed.
        children = max(1, workers or os.cpu_count() or 1)
        threads = max(1, len(os.sched_getaffinity(0)) // min(children, max(1, len(todo))))
        if queue:
            from .workers import extract_remotely

            outcomes = extract_remotely(queue, self.data_dir, todo, timeout)
        else:
            work = functools.partial(
                extract_archived, archive=self.archive, ocr_cache=self.data_dir / "cache" / "ocr", ocr_threads=threads
            )
            outcomes = run_isolated(work, todo, workers=workers, timeout=timeout)
        if progress is not None:
            outcomes = progress(outcomes, len(todo))
        extracted = []
        for outcome in outcomes:
            sha256 = outcome.item.sha256
            if outcome.error is None and "archive_error" in outcome.value:
                summary.errors.append((sha256, outcome.value["archive_error"]))
                continue
            if outcome.error is not None:
                summary.errors.append((sha256, outcome.error))
                self.store_failure(sha256, outcome.item, outcome.error)
            else:
                self.store_extraction(sha256, outcome.item, outcome.value)
            extracted.append(sha256)
            summary.extracted += 1
        self.commit()
        self.refresh_provenance(since_source=last_source, extracted=[*extracted, *self.synced])
        refresh_summaries(self.db)
        return summary

    def sync_journal(self) -> int:
        """Copy journal rows not yet in reports.db, from DATA/journal.db and from every fleet
        member's shard (DATA/journals/*.db); returns how many fetches were added.

        The single journal's rows are copied after the newest id already here; a shard's row
        ids come from the fleet's shared counter (crawler.fleet.RedisIds), unique but not in
        order across shards, so a shard's rows are copied unless their id is here already.
        Either way a second load copies nothing twice.
        """
        journals = [path for path in [self.journal_path, *sorted((self.data_dir / "journals").glob("*.db"))]
                    if path.exists()]
        before = self.db["sources"].count
        self.synced = set()
        for path in journals:
            self.synced |= self.copy_journal(path, COPY_WHERE if path == self.journal_path else SHARD_COPY_WHERE)
        return self.db["sources"].count - before

    def copy_journal(self, path: Path, where: dict[str, str]) -> set[str]:
        """Copy one journal file's new rows; returns the originals its new sources name."""
        crawl_journal.upgrade(path)  # a journal of an older version: its tables renamed first
        self.commit()  # ATTACH cannot run inside the open batch of stored documents
        conn = self.db.conn
        conn.execute("attach database ? as journal", (f"file:{path}?mode=ro",))
        try:
            touched = {row[0] for row in conn.execute(f"select distinct sha256 from journal.sources {where['sources']}")}
            with conn:
                for table in JOURNAL_COPIES:
                    journal_columns = [row[1] for row in conn.execute(f"pragma journal.table_info([{table}])")]
                    columns = [c for c in journal_columns if c in self.db[table].columns_dict]
                    names = ", ".join(f"[{c}]" for c in columns)
                    conn.execute(
                        f"insert or replace into main.[{table}] ({names}) "
                        f"select {names} from journal.[{table}] {where[table]}"
                    )
        finally:
            conn.execute("detach database journal")
        return touched

    def stale_documents(self, archived: list[ArchivedObject], force: bool) -> list[ArchivedObject]:
        """Of the ``archived`` objects, those with no document row or one made by another extractor version."""
        current = {
            row["sha256"]
            for row in self.db.query("select sha256 from documents where extractor_version = ?", [EXTRACTOR_VERSION])
        }
        return [original for original in archived if force or original.sha256 not in current]

    def _last_source_id(self) -> int:
        return self.db.execute("select coalesce(max(id), 0) from sources").fetchone()[0]

    def store_extraction(self, sha256: str, original: ArchivedObject | Path, data: dict) -> None:
        document = {**data["document"], **self._file_facts(sha256, original)}
        with self._document():
            self._replace_document(sha256, document)
            self._insert_rows("report_stats", [{"sha256": sha256, **stat} for stat in data["stats"]])
            self._insert_rows("report_checks", [{"sha256": sha256, **check} for check in data["checks"]])
            self._insert_rows("report_tables", [{"sha256": sha256, **row} for row in data.get("quality", [])])
            self._insert_rows("document_tables", [{"sha256": sha256, **table} for table in data["tables"]])
            self._insert_rows(
                "pages",
                [{"sha256": sha256, "page": number, "text": text} for number, text in enumerate(data["pages"], start=1)],
            )
            self._index_pages(sha256)

    def _insert_rows(self, table: str, rows: list[dict]) -> None:
        """Plain ``insert`` of dict rows (a missing key is NULL), in one executemany.

        What sqlite_utils' ``insert_all`` did here, without its per-value type
        inspection, which took a third of the loading time. Values are already
        SQLite types (JSON columns arrive as strings).
        """
        if not rows:
            return
        columns = list(dict.fromkeys(key for row in rows for key in row))
        names = ", ".join(f"[{c}]" for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.db.conn.executemany(
            f"insert into [{table}] ({names}) values ({marks})", [tuple(row.get(c) for c in columns) for row in rows]
        )

    def store_failure(self, sha256: str, original: ArchivedObject | Path, error: str) -> None:
        """An original we could not read is still listed, with the reason."""
        facts = self._file_facts(sha256, original)
        document = {"extract_error": error, "format": facts.pop("sniffed_format"), **facts}
        with self._document():
            self._replace_document(sha256, document)

    def _file_facts(self, sha256: str, original: ArchivedObject | Path) -> dict:
        """Facts of the archived object (or of a file, for callers storing an extraction of their own)."""
        if isinstance(original, Path):
            original = ArchivedObject(sha256, original.name, original.stat().st_size)
        sniffed = by_extension(original.name)  # the archive named the object after sniffing all its bytes
        facts = {
            "size": original.size,
            "original": f"/-/files/{sha256}",
            "extractor_version": EXTRACTOR_VERSION,
            "extracted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "sniffed_format": sniffed.format or "unknown",
        }
        facts.setdefault("media_type", sniffed.media_type)
        return facts

    def _replace_document(self, sha256: str, document: dict) -> None:
        """Swap in a document row and everything derived from it, index included."""
        old = self.db.execute("select rowid, title, text from documents where sha256 = ?", [sha256]).fetchone()
        if old is not None:
            self.index.remove_document(*old)
        self.index.remove_pages(self.db.execute("select rowid, text from pages where sha256 = ?", [sha256]).fetchall())
        for table in ("report_stats", "report_checks", "report_tables", "document_tables", "pages"):
            self.db.execute(f"delete from [{table}] where sha256 = ?", [sha256])
        document.pop("sniffed_format", None)
        row = {column: document.get(column) for column in DOCUMENT_COLUMNS}
        row["sha256"] = sha256
        if old is not None:
            names = ("first_seen", "last_seen", "portal", "url", "filename", "published", "published_from")
            keep = self.db.execute(
                f"select {', '.join(names)} from documents where sha256 = ?", [sha256]
            ).fetchone()
            for name, value in zip(names, keep):
                row[name] = row[name] or value
            self.db["documents"].update(sha256, row)
            rowid = old[0]
        else:
            rowid = self.db["documents"].insert(row).last_rowid
        self.index.add_document(rowid, row["title"], row["text"])

    def _index_pages(self, sha256: str) -> None:
        """Add the pages of one document to pages_fts (their old entries went in _replace_document)."""
        self.index.add_pages(self.db.execute("select rowid, text from pages where sha256 = ?", [sha256]).fetchall())

    def refresh_provenance(self, since_source: int = 0, extracted: Iterable[str] = ()) -> None:
        """Fill first/last sighting, publication date, portal, URL and a fallback title of the
        documents this load touched.

        ``published`` is the earliest date any of the document's sources gave (the same
        bytes re-posted later, or on another portal, were public from the first);
        ``published_from`` says where that date was read, the more trusted place of
        ``crawler.dates.SOURCES`` when two gave the same day.

        Touched: fetched again (a source row newer than ``since_source``) or extracted
        now. The others cannot have changed, so a load stays proportional to what is
        new, not to the size of the archive.
        """
        with self.db.conn:
            self.db.execute("create temp table if not exists touched (sha256 text primary key)")
            self.db.execute("delete from temp.touched")
            self.db.execute("insert or ignore into temp.touched select sha256 from sources where id > ?", [since_source])
            self.db.conn.executemany("insert or ignore into temp.touched values (?)", ((sha,) for sha in extracted))
            self.db.execute(
                f"""
                update documents set
                    first_seen = (select min(fetched_at) from sources s where s.sha256 = documents.sha256),
                    last_seen = (select max(fetched_at) from sources s where s.sha256 = documents.sha256),
                    portal = (select portal from sources s where s.sha256 = documents.sha256 order by fetched_at, id limit 1),
                    url = (select url from sources s where s.sha256 = documents.sha256 order by fetched_at, id limit 1),
                    published = (select min(published) from sources s where s.sha256 = documents.sha256),
                    published_from = (
                        select published_from from sources s where s.sha256 = documents.sha256 and published is not null
                        order by published, {SOURCE_ORDER}, id limit 1),
                    filename = coalesce(
                        (select filename from sources s where s.sha256 = documents.sha256 and filename is not null
                         order by fetched_at, id limit 1), filename)
                where sha256 in (select sha256 from temp.touched)
                  and exists (select 1 from sources s where s.sha256 = documents.sha256)
                """
            )
            untitled = self.db.execute(
                """
                select d.rowid, d.sha256, d.text,
                    (select coalesce(nullif(s.link_text, ''), s.filename) from sources s
                     where s.sha256 = d.sha256 order by s.fetched_at, s.id limit 1)
                from documents d where (d.title is null or d.title = '')
                  and d.sha256 in (select sha256 from temp.touched)
                """
            ).fetchall()
            for rowid, sha256, text, fallback in untitled:
                if not fallback:
                    continue
                self.db.execute("update documents set title = ? where sha256 = ?", [fallback, sha256])
                self.index.remove_document(rowid, "", text)
                self.index.add_document(rowid, fallback, text)

    def ensure_search_version(self) -> None:
        """Rebuild the whole search index when the tokenization changed."""
        row = self.db.execute("select value from nianbao_meta where key = 'search_version'").fetchone()
        if row and row[0] == SEARCH_VERSION:
            return
        with self.db.conn:
            self.index.rebuild()
            self.db.execute(
                "insert or replace into nianbao_meta (key, value) values ('search_version', ?)", [SEARCH_VERSION]
            )


def refresh_summaries(db: sqlite_utils.Database) -> None:
    """Store what the coverage and chart pages show (schema.py, "Summary tables"), afresh.

    Computed from the same views and SQL the pages ran before, so the numbers are the
    same; all of it in one transaction, so a reader sees the old summary or the new one.
    Run at the end of every load: the journal's copies (portals, last fetch) count too.
    """
    names = lambda columns: ", ".join(columns)  # noqa: E731
    chart = names(CHART_COLUMNS)
    with db.conn:
        for table in ("coverage_summary", "chart_totals", "agency_reports"):
            db.execute(f"delete from {table}")
        db.execute(f"insert into coverage_summary ({names(COVERAGE_COLUMNS)}) select {names(COVERAGE_COLUMNS)} from report_coverage")
        db.execute(f"insert into chart_totals (agency, {chart}) select null, {chart} from ({BY_YEAR_SQL.format(group='', where='')})")
        db.execute(
            f"insert into chart_totals (agency, {chart}) select agency, {chart} from "
            f"({BY_YEAR_SQL.format(group='d.agency,', where='and d.agency is not null')})"
        )
        db.execute(f"insert into agency_reports (agency, documents) {AGENCIES_SQL}")
        db.execute("insert or replace into nianbao_meta (key, value) values ('summaries_version', ?)", [SUMMARIES_VERSION])


def load(data_dir: str | Path, **options) -> LoadSummary:
    """Bring ``DATA/reports.db`` up to date with ``DATA/archive`` and ``DATA/journal.db``."""
    loader = Loader(data_dir)
    try:
        return loader.load(**options)
    finally:
        loader.close()
