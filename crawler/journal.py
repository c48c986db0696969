"""The crawl journal: an append-only record of every run, portal, source and failure.

It lives beside the archive in ``DATA/journal.db`` and, with the archive, is the
source of truth: ``reports.db`` is derived from the two and can be rebuilt from
them at any time. ``TABLES`` is the one definition of the journal's tables; the
loader builds its copies in ``reports.db`` from it. The crawler also reads the
journal back for conditional requests (the last ETag / Last-Modified / sha256
seen for a URL).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from crawler.config import Portal

OUTCOMES = ("new", "unchanged", "changed")

CRAWL_COUNTS = (
    "requests",
    "bytes_transferred",
    "pages_fetched",
    "reports_found",
    "new",
    "unchanged",
    "changed",
    "errors",
    "portals_failed",
    "portals_empty",
)
# Counts kept in the crawler's stats as nianbao/<name>: requests and bytes_transferred
# are what went over the wire (crawler.middlewares.TransferStatsMiddleware).
PORTAL_COUNTS = ("requests", "bytes_transferred", "pages_fetched", "reports_found", "new", "unchanged", "changed", "errors")


@dataclass(frozen=True)
class TableSpec:
    columns: dict[str, type]
    pk: str | tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = field(default=())


TABLES: dict[str, TableSpec] = {
    # One row per crawl run.
    "crawls": TableSpec(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "config": str,
            "status": str,
            "portals": int,
            **{name: int for name in CRAWL_COUNTS},
            "errors_by_kind": str,
        },
        pk="id",
    ),
    # Each portal as the run's portals file defined it (name, kind and region say who publishes there).
    "portals": TableSpec(
        {
            "crawl_id": int,
            "portal": str,
            "name": str,
            "kind": str,  # department / government: sets the legal deadline
            "region": str,
            "start_urls": str,  # JSON list
            "allowed_domains": str,  # JSON list
            "render": int,
            "max_depth": int,
        },
        pk=("crawl_id", "portal"),
        indexes=(("portal",),),
    ),
    # Each portal's result in a run.
    "portal_runs": TableSpec(
        {
            "crawl_id": int,
            "portal": str,
            "status": str,  # ok / empty / failed / blocked / idle (a fleet member with nothing to do)
            "reason": str,
            "regressed": int,  # 1 when it found fewer reports than in its previous run
            "previous_reports": int,  # reports found in that previous run
            **{name: int for name in PORTAL_COUNTS},
            "errors_by_kind": str,
        },
        pk=("crawl_id", "portal"),
    ),
    # One row per fetch of an original from a URL (or its confirmation by a 304).
    "sources": TableSpec(
        {
            "id": int,
            "crawl_id": int,
            "portal": str,
            "url": str,
            "final_url": str,
            "page_url": str,
            "link_text": str,
            "page_title": str,
            "sha256": str,
            "outcome": str,
            "http_status": int,
            "etag": str,
            "last_modified": str,
            "content_type": str,
            "filename": str,
            "size": int,
            "content_key": str,
            "published": str,  # YYYY-MM-DD the portal gives for this report, or null
            "published_from": str,  # where that date was read: listing / page / meta / url
            "redirects": str,  # JSON list: every URL requested on the way from url to final_url
            "fetched_at": str,
        },
        pk="id",
        indexes=(("url",), ("final_url",), ("sha256",)),
    ),
    # A URL that gave no original.
    "fetch_errors": TableSpec(
        {
            "id": int,
            "crawl_id": int,
            "portal": str,
            "url": str,
            "page_url": str,
            "kind": str,
            "reason": str,
            "http_status": int,
            "at": str,
        },
        pk="id",
    ),
}
RENAMED = {"fetches": "sources"}  # journals written before the rename


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def create_tables(db: sqlite_utils.Database, tables: dict[str, TableSpec]) -> None:
    """Create the tables of ``tables`` that ``db`` lacks, with their indexes, and add the
    columns an existing table (of an older file) lacks."""
    existing = set(db.table_names())
    for name, spec in tables.items():
        if name in existing:
            have = set(db[name].columns_dict)
            for column, kind in spec.columns.items():
                if column not in have:
                    db[name].add_column(column, kind)
            for columns in spec.indexes:
                db[name].create_index(list(columns), if_not_exists=True)
            continue
        db[name].create(spec.columns, pk=spec.pk)
        for columns in spec.indexes:
            db[name].create_index(list(columns))


def ensure_schema(db: sqlite_utils.Database) -> None:
    existing = set(db.table_names())
    for old, new in RENAMED.items():
        if old in existing and new not in existing:
            db.execute(f"alter table [{old}] rename to [{new}]")
    create_tables(db, TABLES)


def upgrade(path: str | Path) -> None:
    """Bring an existing journal file to the current schema (readers open it read-only)."""
    journal = Journal(path)
    journal.close()


class Journal:
    """Write side of the crawl journal; one instance per crawl process."""

    def __init__(self, path: str | Path, ids=None):
        """``ids``: where row ids come from in a fleet run (crawler.fleet.RedisIds); else SQLite's own."""
        self.path = Path(path)
        self.ids = ids
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(str(self.path), isolation_level=None, timeout=30))
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma synchronous=full")
        ensure_schema(self.db)

    def close(self) -> None:
        self.db.conn.close()

    def begin_crawl(self, config: str, portals: list[Portal]) -> int:
        """A new run over ``portals``; each portal's definition is kept with it."""
        crawl_id = self.db["crawls"].insert(
            {**self._id("crawls"), "started_at": utcnow(), "config": config, "portals": len(portals), "status": "running"}
        ).last_pk
        self.db["portals"].insert_all(
            (
                {
                    "crawl_id": crawl_id,
                    "portal": portal.id,
                    "name": portal.name,
                    "kind": portal.kind,
                    "region": portal.region,
                    "start_urls": json.dumps(list(portal.start_urls)),
                    "allowed_domains": json.dumps(list(portal.allowed_domains)),
                    "render": int(portal.render),
                    "max_depth": portal.max_depth,
                }
                for portal in portals
            ),
            replace=True,
        )
        return crawl_id

    def finish_crawl(self, crawl_id: int, status: str, totals: dict) -> None:
        row = {"finished_at": utcnow(), "status": status}
        row.update({key: value for key, value in totals.items() if key in CRAWL_COUNTS})
        if "errors_by_kind" in totals:
            row["errors_by_kind"] = json.dumps(totals["errors_by_kind"], ensure_ascii=False, sort_keys=True)
        self.db["crawls"].update(crawl_id, row)

    def record_portal(self, crawl_id: int, portal: str, **fields) -> None:
        row = {"crawl_id": crawl_id, "portal": portal, **fields}
        if isinstance(row.get("errors_by_kind"), dict):
            row["errors_by_kind"] = json.dumps(row["errors_by_kind"], ensure_ascii=False, sort_keys=True)
        self.db["portal_runs"].insert(row, replace=True)

    def previous_reports(self, portal: str, crawl_id: int) -> int | None:
        """Reports the portal's last completed run before ``crawl_id`` found (None: no such run)."""
        rows = self.db.query(
            "select reports_found from portal_runs where portal = ? and crawl_id < ? "
            "and status in ('ok', 'empty') order by crawl_id desc limit 1",
            [portal, crawl_id],
        )
        row = next(iter(rows), None)
        return None if row is None else row["reports_found"] or 0

    def last_source(self, url: str) -> dict | None:
        """The newest fetch of ``url`` (for If-None-Match / If-Modified-Since and the outcome)."""
        rows = self.db.query(
            "select sha256, etag, last_modified, fetched_at, size, content_type, filename, content_key from sources "
            "where url = ? order by id desc limit 1",
            [url],
        )
        return next(iter(rows), None)

    def validators_for(self, url: str) -> dict | None:
        """The newest ETag / Last-Modified seen for ``url``, as a link or as where a redirect led."""
        rows = self.db.query(
            "select etag, last_modified from sources where (url = ? or final_url = ?) "
            "and (etag is not null or last_modified is not null) order by id desc limit 1",
            [url, url],
        )
        return next(iter(rows), None)

    def record_source(self, **fields) -> int:
        """One original fetched (or confirmed unchanged by a 304) from one URL."""
        if fields.get("outcome") not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        fields.setdefault("fetched_at", utcnow())
        return self.db["sources"].insert({**self._id("sources"), **fields}, alter=False).last_pk

    def record_error(self, **fields) -> int:
        """A URL that gave no original: 404, soft 404, DNS failure, timeout, anti-bot wall…"""
        fields.setdefault("at", utcnow())
        return self.db["fetch_errors"].insert({**self._id("fetch_errors"), **fields}, alter=False).last_pk

    def _id(self, table: str) -> dict:
        return {"id": self.ids.next(table)} if self.ids is not None else {}


def portal_from_row(row: dict) -> Portal:
    """A Portal as the journal recorded it for a run."""
    return Portal(
        id=row["portal"],
        name=row.get("name") or row["portal"],
        start_urls=tuple(json.loads(row.get("start_urls") or "[]")),
        allowed_domains=tuple(json.loads(row.get("allowed_domains") or "[]")),
        render=bool(row.get("render")),
        max_depth=row.get("max_depth"),
        kind=row.get("kind"),
        region=row.get("region"),
    )
