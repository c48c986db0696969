"""Build ``DATA/reports.db`` from the archive and the crawl journal.

The database is derived data: delete it and ``nianbao load DATA`` rebuilds it.
Loading is incremental and idempotent: journal rows are copied once, an
original is extracted only when it is new or was extracted by an older
extractor version, and a second run over the same DATA changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import sqlite_utils

from archive import Archive
from archive.sniff import by_extension
from extractors import EXTRACTOR_VERSION, extract

from .search import DOCUMENT_RANK, SEARCH_VERSION, index_text
from .workers import DEFAULT_TIMEOUT, run_isolated

# Documents stored per commit, or fewer once COMMIT_SECONDS have passed (in a real
# load, extraction sets the pace and the time limit decides): see Loader._document.
COMMIT_EVERY = 500
COMMIT_SECONDS = 2.0

DOCUMENT_COLUMNS = {
    "sha256": str,
    "title": str,
    "agency": str,
    "year": int,
    "region": str,
    "format": str,
    "format_version": str,
    "pages": int,
    "size": int,
    "consistent": int,
    "needs_ocr": int,
    "extract_error": str,
    "first_seen": str,
    "last_seen": str,
    "portal": str,
    "url": str,
    "filename": str,
    "original": str,
    "media_type": str,
    "extractor_version": str,
    "extracted_at": str,
    "text": str,
}

SCHEMA = """
create table if not exists documents (
    sha256 text primary key,
    title text, agency text, year integer, region text,
    format text, format_version text, pages integer, size integer,
    consistent integer, needs_ocr integer, extract_error text,
    first_seen text, last_seen text, portal text, url text, filename text,
    original text, media_type text, extractor_version text, extracted_at text,
    text text
);
create table if not exists sources (
    id integer primary key,
    sha256 text, url text, portal text, page_url text, link_text text, page_title text,
    fetched_at text, outcome text, http_status integer, etag text, last_modified text,
    content_type text, filename text, final_url text, size integer, crawl_id integer
);
create index if not exists sources_sha256 on sources(sha256);
create index if not exists sources_url on sources(url);
create table if not exists report_stats (
    sha256 text not null, section integer not null, item text not null, measure text not null,
    value numeric, page integer, row_label text, column_label text,
    primary key (sha256, section, item, measure)
);
create index if not exists report_stats_key on report_stats(section, item, measure);
create table if not exists report_checks (
    sha256 text not null, rule text not null, "column" text not null,
    expected numeric, found numeric, ok integer
);
create index if not exists report_checks_sha256 on report_checks(sha256);
create table if not exists document_tables (
    sha256 text not null, page integer, idx integer not null, header_rows integer, rows text,
    primary key (sha256, idx)
);
create table if not exists pages (
    sha256 text not null, page integer not null, text text,
    primary key (sha256, page)
);
create table if not exists crawls (
    id integer primary key, started_at text, finished_at text, config text, status text,
    portals integer, pages_fetched integer, reports_found integer, new integer,
    unchanged integer, changed integer, errors integer, portals_failed integer,
    portals_empty integer, errors_by_kind text
);
create table if not exists portal_runs (
    crawl_id integer, portal text, status text, reason text, pages_fetched integer,
    reports_found integer, new integer, unchanged integer, changed integer, errors integer,
    errors_by_kind text,
    primary key (crawl_id, portal)
);
create table if not exists fetch_errors (
    id integer primary key, crawl_id integer, portal text, url text, page_url text,
    kind text, reason text, http_status integer, at text
);
-- Search (see nianbao/search.py): contentless FTS5 indexes holding one token per
-- CJK character, keyed by documents.rowid and pages.rowid.
create virtual table if not exists documents_fts using fts5(
    title, text, content='', tokenize='unicode61 remove_diacritics 2'
);
create virtual table if not exists pages_fts using fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);
-- Ranked search as Datasette tables: a MATCH on the hidden "fts" column is pushed
-- down into the index, and "rank" (bm25, title weighted) can then be sorted on.
create view if not exists document_search as
    select f.rowid as rowid, f.documents_fts as fts, f.rank as rank, d.sha256, d.title, d.agency,
           d.year, d.region, d.portal, d.format, d.pages, d.original, d.text
    from documents_fts f join documents d on d.rowid = f.rowid;
create view if not exists page_search as
    select f.rowid as rowid, f.pages_fts as fts, f.rank as rank, p.sha256, p.page, d.title, d.agency,
           d.year, d.format, d.original, p.text
    from pages_fts f join pages p on p.rowid = f.rowid join documents d on d.sha256 = p.sha256;
create table if not exists nianbao_meta (key text primary key, value text);
create view if not exists document_versions as
    select s.url, s.portal, s.sha256, d.title, min(s.fetched_at) as first_fetched,
           max(s.fetched_at) as last_fetched, count(*) as fetches,
           (select count(distinct s2.sha256) from sources s2 where s2.url = s.url) as versions_of_url
    from sources s left join documents d on d.sha256 = s.sha256
    group by s.url, s.sha256;
"""

# Journal table -> (reports.db table, key column) copied verbatim.
JOURNAL_TABLES = {
    "fetches": ("sources", "id"),
    "fetch_errors": ("fetch_errors", "id"),
    "crawls": ("crawls", "id"),
    "portal_runs": ("portal_runs", None),
}


@dataclass
class LoadSummary:
    sources_added: int = 0
    extracted: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "sources_added": self.sources_added,
            "extracted": self.extracted,
            "unchanged": self.unchanged,
            "extract_errors": len(self.errors),
        }


def open_db(path: str | Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), timeout=60)
    db = sqlite_utils.Database(conn)
    db.execute("pragma journal_mode=wal")
    # WAL + NORMAL: a commit survives a killed process (kill -9) and the file is never
    # corrupted; only a power cut may roll back the last commits, and reports.db is
    # derived data that the next load rebuilds. Saves an fsync per document.
    db.execute("pragma synchronous=normal")
    db.execute("pragma cache_size=-65536")  # 64 MB: the indexes' hot pages stay in memory as the archive grows
    db.conn.executescript(SCHEMA)
    return db


def extract_for_load(path: Path) -> dict:
    """Extraction of one archived file, as plain data for the database (runs in a child)."""
    result = extract(path)
    report = result.report
    row = {
        "format": result.format,
        "media_type": result.media_type,
        "pages": result.pages,
        "needs_ocr": int(bool(result.needs_ocr)),
        "text": result.text,
        "extract_error": None,
    }
    page_texts = list(result.page_texts or [])
    tables = [
        {"page": table.page, "idx": table.index, "header_rows": table.header_rows, "rows": json.dumps(table.rows, ensure_ascii=False)}
        for table in result.tables
    ]
    stats, checks = [], []
    if report is not None:
        row.update(
            title=report.title,
            agency=report.agency,
            year=report.year,
            region=report.region,
            format_version=report.format_version,
            consistent=None if report.consistent is None else int(report.consistent),
        )
        stats = [
            {
                "section": stat.section,
                "item": stat.item,
                "measure": stat.measure,
                "value": stat.value,
                "page": stat.page,
                "row_label": stat.row_label,
                "column_label": stat.column_label,
            }
            for stat in report.stats
        ]
        checks = [
            {"rule": c.rule, "column": c.column, "expected": c.expected, "found": c.found, "ok": int(bool(c.ok))}
            for c in report.checks
        ]
    return {"document": row, "pages": page_texts, "tables": tables, "stats": stats, "checks": checks}


class Loader:
    """Keeps one ``reports.db`` in step with one DATA directory."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.archive = Archive(self.data_dir / "archive")
        self.journal_path = self.data_dir / "journal.db"
        self.db_path = self.data_dir / "reports.db"
        self.db = open_db(self.db_path)
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
    ) -> LoadSummary:
        summary = LoadSummary()
        last_source = self._last_source_id()
        summary.sources_added = self.sync_journal()
        self.ensure_search_version()
        archived = list(self.archive.paths())
        todo = self.stale_documents(archived, force)
        summary.unchanged = len(archived) - len(todo)
        outcomes = run_isolated(extract_for_load, todo, workers=workers, timeout=timeout)
        if progress is not None:
            outcomes = progress(outcomes, len(todo))
        extracted = []
        for outcome in outcomes:
            sha256 = outcome.item.name[:64]
            if outcome.error is not None:
                summary.errors.append((sha256, outcome.error))
                self.store_failure(sha256, outcome.item, outcome.error)
            else:
                self.store_extraction(sha256, outcome.item, outcome.value)
            extracted.append(sha256)
            summary.extracted += 1
        self.commit()
        self.refresh_provenance(since_source=last_source, extracted=extracted)
        return summary

    def sync_journal(self) -> int:
        """Copy journal rows not yet in reports.db; returns how many fetches were added."""
        if not self.journal_path.exists():
            return 0
        self.commit()  # ATTACH cannot run inside the open batch of stored documents
        before = self.db["sources"].count
        conn = self.db.conn
        conn.execute("attach database ? as journal", (f"file:{self.journal_path}?mode=ro",))
        try:
            with conn:
                for journal_table, (table, key) in JOURNAL_TABLES.items():
                    journal_columns = [row[1] for row in conn.execute(f"pragma journal.table_info([{journal_table}])")]
                    columns = [c for c in journal_columns if c in self.db[table].columns_dict]
                    names = ", ".join(f"[{c}]" for c in columns)
                    where = ""
                    if key and table != "crawls":
                        where = f" where [{key}] > (select coalesce(max([{key}]), 0) from main.[{table}])"
                    conn.execute(
                        f"insert or replace into main.[{table}] ({names}) select {names} from journal.[{journal_table}]{where}"
                    )
        finally:
            conn.execute("detach database journal")
        return self.db["sources"].count - before

    def stale_documents(self, archived: list[Path], force: bool) -> list[Path]:
        """Of the ``archived`` objects, those with no document row or one made by another extractor version."""
        current = {
            row["sha256"]
            for row in self.db.query("select sha256 from documents where extractor_version = ?", [EXTRACTOR_VERSION])
        }
        return [path for path in archived if force or path.name[:64] not in current]

    def _last_source_id(self) -> int:
        return self.db.execute("select coalesce(max(id), 0) from sources").fetchone()[0]

    def store_extraction(self, sha256: str, path: Path, data: dict) -> None:
        document = {**data["document"], **self._file_facts(sha256, path)}
        with self._document():
            self._replace_document(sha256, document)
            self._insert_rows("report_stats", [{"sha256": sha256, **stat} for stat in data["stats"]])
            self._insert_rows("report_checks", [{"sha256": sha256, **check} for check in data["checks"]])
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

    def store_failure(self, sha256: str, path: Path, error: str) -> None:
        """An original we could not read is still listed, with the reason."""
        facts = self._file_facts(sha256, path)
        document = {"extract_error": error, "format": facts.pop("sniffed_format"), **facts}
        with self._document():
            self._replace_document(sha256, document)

    def _file_facts(self, sha256: str, path: Path) -> dict:
        sniffed = by_extension(path)  # the archive named the object after sniffing all its bytes
        facts = {
            "size": path.stat().st_size,
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
            self.db.execute(
                "insert into documents_fts (documents_fts, rowid, title, text) values ('delete', ?, ?, ?)",
                [old[0], index_text(old[1]), index_text(old[2])],
            )
        for rowid, text in self.db.execute("select rowid, text from pages where sha256 = ?", [sha256]).fetchall():
            self.db.execute(
                "insert into pages_fts (pages_fts, rowid, text) values ('delete', ?, ?)", [rowid, index_text(text)]
            )
        for table in ("report_stats", "report_checks", "document_tables", "pages"):
            self.db.execute(f"delete from [{table}] where sha256 = ?", [sha256])
        document.pop("sniffed_format", None)
        row = {column: document.get(column) for column in DOCUMENT_COLUMNS}
        row["sha256"] = sha256
        if old is not None:
            keep = self.db.execute(
                "select first_seen, last_seen, portal, url, filename, title from documents where sha256 = ?", [sha256]
            ).fetchone()
            for name, value in zip(("first_seen", "last_seen", "portal", "url", "filename"), keep):
                row[name] = row[name] or value
            self.db["documents"].update(sha256, row)
            rowid = old[0]
        else:
            rowid = self.db["documents"].insert(row).last_rowid
        self.db.execute(
            "insert into documents_fts (rowid, title, text) values (?, ?, ?)",
            [rowid, index_text(row["title"]), index_text(row["text"])],
        )

    def _index_pages(self, sha256: str) -> None:
        """Add the pages of one document to pages_fts (their old entries went in _replace_document)."""
        self.db.conn.executemany(
            "insert into pages_fts (rowid, text) values (?, ?)",
            (
                (rowid, index_text(text))
                for rowid, text in self.db.execute("select rowid, text from pages where sha256 = ?", [sha256]).fetchall()
            ),
        )

    def refresh_provenance(self, since_source: int = 0, extracted: Iterable[str] = ()) -> None:
        """Fill first/last sighting, portal, URL and a fallback title of the documents this load touched.

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
                """
                update documents set
                    first_seen = (select min(fetched_at) from sources s where s.sha256 = documents.sha256),
                    last_seen = (select max(fetched_at) from sources s where s.sha256 = documents.sha256),
                    portal = (select portal from sources s where s.sha256 = documents.sha256 order by fetched_at, id limit 1),
                    url = (select url from sources s where s.sha256 = documents.sha256 order by fetched_at, id limit 1),
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
                self.db.execute(
                    "insert into documents_fts (documents_fts, rowid, title, text) values ('delete', ?, ?, ?)",
                    [rowid, "", index_text(text)],
                )
                self.db.execute(
                    "insert into documents_fts (rowid, title, text) values (?, ?, ?)",
                    [rowid, index_text(fallback), index_text(text)],
                )

    def ensure_search_version(self) -> None:
        """Rebuild the whole search index when the tokenization changed."""
        row = self.db.execute("select value from nianbao_meta where key = 'search_version'").fetchone()
        if row and row[0] == SEARCH_VERSION:
            return
        with self.db.conn:
            self.db.execute("insert into documents_fts (documents_fts) values ('delete-all')")
            for rowid, title, text in self.db.execute("select rowid, title, text from documents").fetchall():
                self.db.execute(
                    "insert into documents_fts (rowid, title, text) values (?, ?, ?)",
                    [rowid, index_text(title), index_text(text)],
                )
            self.db.execute("insert into pages_fts (pages_fts) values ('delete-all')")
            self.db.conn.executemany(
                "insert into pages_fts (rowid, text) values (?, ?)",
                ((rowid, index_text(text)) for rowid, text in self.db.execute("select rowid, text from pages").fetchall()),
            )
            # The default "rank" of each index (what document_search.rank sorts by).
            self.db.execute(
                "insert into documents_fts (documents_fts, rank) values ('rank', ?)", [DOCUMENT_RANK]
            )
            self.db.execute(
                "insert or replace into nianbao_meta (key, value) values ('search_version', ?)", [SEARCH_VERSION]
            )


def load(data_dir: str | Path, **options) -> LoadSummary:
    """Bring ``DATA/reports.db`` up to date with ``DATA/archive`` and ``DATA/journal.db``."""
    loader = Loader(data_dir)
    try:
        return loader.load(**options)
    finally:
        loader.close()
