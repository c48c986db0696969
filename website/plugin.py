"""The Datasette plugin that publishes the archive.

- ``/-/files/<sha256>`` serves each archived original with its real Content-Type
  and a Content-Disposition file name taken from where it was fetched.
- Chinese full-text search: Datasette's table search calls the SQL function
  ``escape_fts(query)``; we replace it (``trylast`` so ours wins over the
  built-in one) with ``website.search.fts_query``, which turns the query into
  the one-token-per-character phrases that ``documents_fts`` is built from.
  ``nianbao_snippet(text, query)`` gives the highlighted passage a contentless
  index cannot give. The views ``document_search`` and ``page_search`` are
  ranked searches (see ``filters_from_request``); ``/-/search`` searches both.
- Pages of our own (``website.views``): search, a report page, charts, coverage.
- ``original`` links in tables become clickable download links; titles link
  to the report page; ``text`` cells show a snippet, not the whole report.
- Read-only by construction: besides Datasette opening the database with
  ``mode=ro``, an SQLite authorizer refuses writes, ATTACH and schema changes
  on every connection to the archive's databases.

The archive is found beside the database (``DATA/archive`` next to
``DATA/reports.db``) unless ``plugins.nianbao.archive_dir`` says otherwise.
"""

from __future__ import annotations

import asyncio
import contextvars
import html
import re
import sqlite3
from pathlib import Path

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from archive.store import is_sha256

from .search import fts_query, snippet
from .search_cache import cached_responses, matching_rowids, search_shape, unmatched_rowids
from .views import ROUTES
from .views.base import reports_db

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Views whose hidden ``fts`` column takes a MATCH, ranked by ``rank``.
RANKED_VIEWS = {"document_search", "page_search"}
# Tables searched through the match cache (search_cache.py), by their index.
SEARCHED_TABLES = {"documents": "documents_fts", "pages": "pages_fts"}
# Tables whose ``text`` column is shown as a snippet of the current search.
TEXT_TABLES = {"documents", "pages"} | RANKED_VIEWS
# SQLite memory map and page cache of each connection to the archive.
MMAP_BYTES = 2**30
CACHE_KIB = 64 * 1024
# The search of the request being rendered, for render_cell (which gets no request).
current_search: contextvars.ContextVar[str | None] = contextvars.ContextVar("nianbao_search", default=None)


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("nianbao_snippet", 2, snippet, deterministic=True)
    conn.create_function("nianbao_snippet", 3, snippet, deterministic=True)
    db = datasette.databases.get(database)
    if db is not None and db.path and not db.is_memory:  # the archive's files, not Datasette's scratch databases
        # A search joins thousands of matching rowids back to their rows (counts,
        # facets): with SQLite's default 2 MB page cache that is disk-bound. Map
        # the file and keep a larger cache per connection (Datasette keeps a few).
        conn.execute(f"pragma mmap_size = {MMAP_BYTES}")
        conn.execute(f"pragma cache_size = -{CACHE_KIB}")
        conn.create_function("nianbao_match", 2, lambda index, query: matching_rowids(db.path, index, query))
        conn.create_function("nianbao_match", 3, lambda index, query, raw: matching_rowids(db.path, index, query, bool(raw)))
        conn.create_function("nianbao_unmatched", 3,
                             lambda index, query, raw: unmatched_rowids(db.path, index, query, bool(raw)))
        conn.set_authorizer(read_only_authorizer)


# Actions a public, read-only site never needs. Reads, functions, PRAGMA
# (Datasette's introspection) and SELECTs stay allowed; SQLite's own bookkeeping
# of sqlite_master (FTS5 does some while connecting) is let through.
_REFUSED = {
    getattr(sqlite3, name)
    for name in dir(sqlite3)
    if name.startswith(("SQLITE_CREATE_", "SQLITE_DROP_"))
    or name in {"SQLITE_INSERT", "SQLITE_UPDATE", "SQLITE_DELETE", "SQLITE_ATTACH", "SQLITE_DETACH",
                "SQLITE_ALTER_TABLE", "SQLITE_REINDEX", "SQLITE_ANALYZE"}
}


def read_only_authorizer(action, arg1, arg2, db_name, trigger):
    """SQLite authorizer: deny anything that writes, attaches or changes the schema."""
    if action in _REFUSED and arg1 not in ("sqlite_master", "sqlite_temp_master"):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def startup(datasette):
    """Let Datasette's Jinja find our templates.

    (Facet suggestions are switched off by ``nianbao serve``: they try a facet on
    every column of every table page, about a second of SQL for a search matching
    most of a 10,000-report archive, on each request.)
    """
    searchpath = datasette.jinja_env.loader.loaders[0].searchpath
    if str(TEMPLATES) not in searchpath:
        searchpath.insert(max(len(searchpath) - 1, 0), str(TEMPLATES))


@hookimpl
def asgi_wrapper(datasette):
    """Repeated searches are answered from the response cache (search_cache.py)."""

    def database_path():
        db = reports_db(datasette)
        return db.path if db is not None and db.path and not db.is_memory else None

    return lambda app: cached_responses(app, database_path)


@hookimpl
def register_routes():
    return ROUTES


@hookimpl
def menu_links(datasette, actor, request):
    return [
        {"href": datasette.urls.path("/-/search"), "label": "全文检索 · Search"},
        {"href": datasette.urls.path("/-/charts"), "label": "图表 · Charts"},
        {"href": datasette.urls.path("/-/coverage"), "label": "报告覆盖 · Coverage"},
    ]


@hookimpl
def extra_template_vars(template, database, datasette):
    """The home page lists each portal's last crawl (``portal_status``), problems first."""
    if template != "index.html":
        return {}

    async def portal_status():
        db = datasette.get_database("reports")
        if "portal_status" not in await db.view_names():
            return {"portal_status": []}
        return {"portal_status": [dict(row) for row in (await db.execute("select * from portal_status")).rows]}

    return portal_status


@hookimpl
def extra_css_urls():
    return ["/-/nianbao/static/nianbao.css"]


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    """``?_search=`` for the archive's tables and ranked views; remember it for render_cell.

    - ``documents`` and ``pages``: ``rowid in (json_each(nianbao_match(…)))`` —
      the MATCH runs once per search and is reused by the count and every facet
      (see search_cache.py). Datasette's own search clause would repeat it in
      each statement, so these tables name no ``fts_table`` in the metadata.
      ``_searchmode=raw`` passes an FTS5 expression through unchanged.
    - ``document_search`` / ``page_search``: views exposing the index's hidden
      column as ``fts`` and its bm25 as ``rank``; SQLite pushes ``fts match …``
      down into the index, so ``?_search=复议&_sort=rank`` is a ranked search.
    """
    search = request.args.get("_search")
    current_search.set(search if table in TEXT_TABLES else None)
    if table not in RANKED_VIEWS and table not in SEARCHED_TABLES:
        return None
    extra = {"supports_search": True, "search": search or ""}
    if not search:
        return FilterArguments([], extra_context=extra)
    params = {"nianbao_search": search}
    describe = [f'search matches "{search}"']
    if table in RANKED_VIEWS:
        return FilterArguments(["fts match escape_fts(:nianbao_search)"], params=params, human_descriptions=describe,
                               extra_context=extra)
    index = SEARCHED_TABLES[table]
    raw = int(request.args.get("_searchmode") == "raw")
    db = datasette.databases.get(database)

    async def matching():
        shape = None
        if db is not None and db.path and not db.is_memory:
            try:
                shape = await asyncio.to_thread(search_shape, db.path, index, search, bool(raw))
            except sqlite3.Error:  # not a valid expression, or too slow: the statements report it as before
                pass
        return FilterArguments([search_clause(index, raw, shape)], params=params, human_descriptions=describe,
                               extra_context=extra)

    return matching


# A search matching under this share of a table looks its rows up by rowid; above it the
# statements scan an index of the columns they need (the facets', the sort's) and test
# each rowid against the matches - or, above half the table, against the rows not matched.
SEEK_SHARE = 0.02


def search_clause(index: str, raw: int, shape: tuple[int, int] | None) -> str:
    """The WHERE clause of a table search, the same rows written the way that costs least.

    Every statement of Datasette's table view (rows, count, each facet) repeats it. Looking
    up 100,000 matching rowids one by one reads each report's wide row (its text); testing
    ``+rowid`` (no rowid lookup) lets SQLite scan a narrow index instead, and ``not in``
    the few rows a query of common characters misses builds a small set, not a huge one.
    """
    matches = f"select value from json_each(nianbao_match('{index}', :nianbao_search, {raw}))"
    if shape is None or shape[0] <= SEEK_SHARE * shape[1]:
        return f"rowid in ({matches})"
    if 2 * shape[0] > shape[1]:
        return f"+rowid not in (select value from json_each(nianbao_unmatched('{index}', :nianbao_search, {raw})))"
    return f"+rowid in ({matches})"


_MARK = re.compile(r"(</?mark>)")
ORIGINAL_LINK = re.compile(r"(/-/files/[0-9a-f]{64})(#page=[0-9]+)?")


def safe_snippet(value: str) -> Markup:
    """Re-escape a snippet keeping only its <mark> tags: a SQL author cannot inject markup."""
    return Markup("".join(
        part if part in ("<mark>", "</mark>") else str(escape(html.unescape(part))) for part in _MARK.split(value)
    ))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column == "original" and isinstance(value, str) and ORIGINAL_LINK.fullmatch(value):
        path, fragment = ORIGINAL_LINK.fullmatch(value).groups()
        return Markup('<a href="{0}{1}">original</a> · <a href="{0}?download=1">download</a>').format(path, fragment or "")
    if column == "report" and isinstance(value, str) and value.startswith("/-/reports/") and is_sha256(value[11:]):
        return Markup('<a href="{0}">报告页 report</a>').format(escape(value))
    if column == "snippet" and isinstance(value, str):
        return safe_snippet(value)
    if not isinstance(row, sqlite3.Row) and not hasattr(row, "keys"):
        return None
    keys = row.keys()
    if table in TEXT_TABLES and column == "text" and isinstance(value, str):
        return Markup('<div class="nianbao-snippet">{}</div>').format(
            Markup(snippet(value, current_search.get(), width=160))
        )
    if table in ("documents", "document_search") and column == "title" and "sha256" in keys and is_sha256(row["sha256"] or ""):
        return Markup('<a href="/-/reports/{}">{}</a>').format(row["sha256"], value or "(untitled)")
    if table == "page_search" and column == "page" and "sha256" in keys and "format" in keys and is_sha256(row["sha256"] or ""):
        anchor = f"#page={value}" if row["format"] == "pdf" else ""
        return Markup('<a href="/-/files/{}{}">p. {}</a>').format(row["sha256"], anchor, value)
    return None
