"""One full-text lookup per search, however many SQL statements the page runs.

Datasette's table view runs the search's WHERE clause in every statement it
makes: the rows, the count, and one query per facet — eight times for the
documents table. A phrase of common characters ("政府信息公开工作") costs 10–15 ms
of FTS5 work on a 10,000-report archive each time, so the MATCH itself became
most of the page. ``matching_rowids`` runs it once on a private read-only
connection and keeps the answer (a JSON array of rowids, for ``json_each``)
until the database changes: SQLite's ``data_version`` moves whenever another
connection — the loader — commits. Only the search runs here; the rows,
counts and facets still come from Datasette's connection and its time limit.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections import OrderedDict

from .search import fts_query

INDEXES = {"documents_fts", "pages_fts"}
CACHE_ENTRIES = 64
TIME_LIMIT_S = 3.0

_local = threading.local()
_lock = threading.Lock()
_cache: OrderedDict[tuple, str] = OrderedDict()


def _connection(path: str) -> sqlite3.Connection:
    """This thread's private read-only connection to ``path``."""
    connections = getattr(_local, "connections", None)
    if connections is None:
        connections = _local.connections = {}
    if path not in connections:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("pragma mmap_size = 1073741824")
        connections[path] = conn
    return connections[path]


def _data_version(path: str) -> int:
    """A change counter for ``path`` shared by every thread.

    ``pragma data_version`` is per connection, so one probe connection (behind a
    lock; the pragma costs microseconds) gives all of Datasette's SQL threads the
    same cache keys: a search's MATCH then runs once, not once per thread.
    """
    with _probe_lock:
        conn = _probes.get(path)
        if conn is None:
            conn = _probes[path] = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        return conn.execute("pragma data_version").fetchone()[0]


_probe_lock = threading.Lock()
_probes: dict[str, sqlite3.Connection] = {}
_running: dict[tuple, threading.Event] = {}  # key -> set when its MATCH is done


def matching_rowids(path: str, index: str, query: str | None, raw: bool = False) -> str:
    """JSON array of the rowids ``index`` matches for ``query`` (raw = an FTS5 expression as typed)."""
    if index not in INDEXES:
        raise ValueError(f"not a search index: {index}")
    expression = (query or "") if raw else fts_query(query)
    # The version is read before the MATCH runs, so an entry is never older than its key.
    key = (path, _data_version(path), index, expression)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        running = _running.get(key)
        if running is None:
            _running[key] = threading.Event()
    if running is not None:  # the same search is running on another thread: wait for it
        running.wait(TIME_LIMIT_S + 1)
        with _lock:
            if key in _cache:
                return _cache[key]
        return _match(path, index, expression)  # it failed there: try here, uncached
    try:
        value = _match(path, index, expression)
        with _lock:
            _cache[key] = value
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
        return value
    finally:
        with _lock:
            _running.pop(key).set()


# The table each index is keyed by (documents_fts.rowid = documents.rowid).
TABLES = {"documents_fts": "documents", "pages_fts": "pages"}


def _table_rowids(path: str, index: str) -> list[int]:
    """Every rowid of the table ``index`` covers, in order (cached like a match)."""
    table = TABLES[index]
    key = (path, _data_version(path), table, None)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    rowids = [row[0] for row in _connection(path).execute(f"select rowid from {table} order by rowid")]
    with _lock:
        _cache[key] = rowids
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return rowids


def search_shape(path: str, index: str, query: str | None, raw: bool = False) -> tuple[int, int]:
    """(rows matching, rows in the table): how the table search should write its clause."""
    matched = matching_rowids(path, index, query, raw)
    return (0 if matched == "[]" else matched.count(",") + 1), len(_table_rowids(path, index))


def unmatched_rowids(path: str, index: str, query: str | None, raw: bool = False) -> str:
    """JSON array of the rowids of the table that ``index`` does *not* match for ``query``:
    far shorter than the matches when a query finds nearly every report."""
    matched = matching_rowids(path, index, query, raw)
    key = (path, _data_version(path), index, ("unmatched", query, raw))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    found = set(json.loads(matched))
    value = "[" + ",".join(str(rowid) for rowid in _table_rowids(path, index) if rowid not in found) + "]"
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return value


def _match(path: str, index: str, expression: str) -> str:
    """Run the MATCH on this thread's connection, within TIME_LIMIT_S."""
    conn = _connection(path)
    deadline = time.monotonic() + TIME_LIMIT_S
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10000)
    try:
        rowids = [row[0] for row in conn.execute(f"select rowid from {index} where {index} match ?", [expression])]
    finally:
        conn.set_progress_handler(None, 0)
    return "[" + ",".join(map(str, rowids)) + "]"


# --- Whole responses of search pages ---------------------------------------------------
#
# At 100,000 reports a search page costs hundreds of milliseconds of SQL however well its
# MATCH is cached: Datasette's table view runs the rows, the count and six facets over
# every matching row. The same search asked again (the bench's repeats, a reload, the
# back button, a link shared) gets the stored response while the database is unchanged:
# the key holds ``data_version``, as the match cache's does. Only anonymous GETs of search
# URLs are kept, never a response that sets a cookie, at most RESPONSE_BYTES each and
# RESPONSES_BYTES together (the oldest go first).
RESPONSE_ENTRIES = 256
RESPONSE_BYTES = 2 * 2**20
RESPONSES_BYTES = 64 * 2**20
SEARCH_PATHS = re.compile(r"^/(?:-/search(?:\.json)?|[^/]+/(?:documents|pages|document_search|page_search)(?:\.json)?)$")
SEARCH_ARGS = re.compile(rb"(?:^|&)(?:_search|q)=[^&]")

_responses: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()


def _cacheable(scope) -> bool:
    if scope["type"] != "http" or scope["method"] != "GET" or not SEARCH_PATHS.match(scope["path"]):
        return False
    if not SEARCH_ARGS.search(scope.get("query_string", b"")):
        return False
    return not any(name == b"cookie" and b"ds_actor" in value for name, value in scope.get("headers", []))


def cached_responses(app, database_path):
    """ASGI middleware: search responses kept per URL and database version.

    ``database_path()`` gives the archive's reports.db (None: nothing is cached)."""

    async def wrapped(scope, receive, send):
        path = database_path() if _cacheable(scope) else None
        if path is None:
            return await app(scope, receive, send)
        key = (path, _data_version(path), scope["path"], scope.get("query_string", b""))
        with _lock:
            hit = _responses.get(key)
            if hit is not None:
                _responses.move_to_end(key)
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        started: dict = {}
        chunks: list[bytes] = []

        async def recording(message):
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await app(scope, receive, recording)
        body = b"".join(chunks)
        headers = list(started.get("headers", []))
        if started.get("status") == 200 and len(body) <= RESPONSE_BYTES and not any(
            name.lower() == b"set-cookie" for name, _ in headers
        ):
            with _lock:
                _responses[key] = (200, headers, body)
                while len(_responses) > RESPONSE_ENTRIES or sum(len(kept[2]) for kept in _responses.values()) > RESPONSES_BYTES:
                    _responses.popitem(last=False)

    return wrapped
