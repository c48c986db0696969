"""The crawl journal: an append-only record of every run, fetch and failure.

It lives beside the archive in ``DATA/journal.db`` and, with the archive, is the
source of truth: ``reports.db`` is derived from the two and can be rebuilt from
them at any time. The crawler also reads it back for conditional requests
(the last ETag / Last-Modified / sha256 seen for a URL).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

OUTCOMES = ("new", "unchanged", "changed")


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Journal:
    """Write side of the crawl journal; one instance per crawl process."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(str(self.path), isolation_level=None, timeout=30))
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma synchronous=full")
        ensure_schema(self.db)

    def close(self) -> None:
        self.db.conn.close()

    def begin_crawl(self, config: str, portals: list[str]) -> int:
        return self.db["crawls"].insert(
            {
                "started_at": utcnow(),
                "config": config,
                "portals": len(portals),
                "status": "running",
            }
        ).last_pk

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

    def last_fetch(self, url: str) -> dict | None:
        """The newest successful fetch of ``url`` (for If-None-Match / If-Modified-Since)."""
        rows = self.db.query(
            "select sha256, etag, last_modified, fetched_at from fetches "
            "where url = ? order by id desc limit 1",
            [url],
        )
        return next(iter(rows), None)

    def known_sha256(self, sha256: str) -> bool:
        return bool(list(self.db.query("select 1 from fetches where sha256 = ? limit 1", [sha256])))

    def record_fetch(self, **fields) -> int:
        """One original fetched (or confirmed unchanged by a 304) from one URL."""
        if fields.get("outcome") not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        fields.setdefault("fetched_at", utcnow())
        return self.db["fetches"].insert(fields, alter=False).last_pk

    def record_error(self, **fields) -> int:
        """A URL that gave no original: 404, soft 404, DNS failure, timeout, anti-bot wall…"""
        fields.setdefault("at", utcnow())
        return self.db["fetch_errors"].insert(fields, alter=False).last_pk


CRAWL_COUNTS = (
    "pages_fetched",
    "reports_found",
    "new",
    "unchanged",
    "changed",
    "errors",
    "portals_failed",
    "portals_empty",
)


def ensure_schema(db: sqlite_utils.Database) -> None:
    if "crawls" not in db.table_names():
        db["crawls"].create(
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
        )
    if "portal_runs" not in db.table_names():
        db["portal_runs"].create(
            {
                "crawl_id": int,
                "portal": str,
                "status": str,  # ok / empty / failed / blocked
                "reason": str,
                "pages_fetched": int,
                "reports_found": int,
                "new": int,
                "unchanged": int,
                "changed": int,
                "errors": int,
                "errors_by_kind": str,
            },
            pk=("crawl_id", "portal"),
        )
    if "fetches" not in db.table_names():
        db["fetches"].create(
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
                "fetched_at": str,
            },
            pk="id",
        )
        db["fetches"].create_index(["url"])
        db["fetches"].create_index(["sha256"])
    if "fetch_errors" not in db.table_names():
        db["fetch_errors"].create(
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
        )
