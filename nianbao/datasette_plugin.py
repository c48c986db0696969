"""The Datasette plugin that publishes the archive.

- ``/-/files/<sha256>`` serves each archived original with its real Content-Type
  and a Content-Disposition file name taken from where it was fetched.
- Chinese full-text search: Datasette's table search calls the SQL function
  ``escape_fts(query)``; we replace it (``trylast`` so ours wins over the
  built-in one) with ``nianbao.search.fts_query``, which turns the query into
  the one-token-per-character phrases that ``documents_fts`` is built from.
- ``original`` links in tables become clickable download links.

The archive is found beside the database (``DATA/archive`` next to
``DATA/reports.db``) unless ``plugins.nianbao.archive_dir`` says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from datasette import hookimpl
from datasette.utils.asgi import AsgiFileDownload, Response
from markupsafe import Markup, escape

from archive import Archive
from archive.sniff import by_extension
from archive.store import is_sha256

from .search import fts_query

@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)


@hookimpl
def register_routes():
    return [(r"^/-/files/(?P<sha256>[^/]+)$", serve_original)]


def archive_dirs(datasette) -> list[Path]:
    """Where to look for originals: the configured folder, else beside each database."""
    config = datasette.plugin_config("nianbao") or {}
    if config.get("archive_dir"):
        return [Path(config["archive_dir"])]
    return [Path(db.path).parent / "archive" for db in datasette.databases.values() if db.path]


async def serve_original(datasette, request):
    sha256 = request.url_vars["sha256"].lower()
    if not is_sha256(sha256):
        return Response.text("Not a sha256", status=404)
    path = None
    for folder in archive_dirs(datasette):
        path = Archive(folder).path_for(sha256)
        if path is not None:
            break
    if path is None:
        return Response.text("No such original in the archive", status=404)
    kind = by_extension(path)
    filename = await original_filename(datasette, sha256) or f"{sha256}{kind.extension}"
    disposition = "attachment" if request.args.get("download") else "inline"
    headers = {
        "content-disposition": content_disposition(disposition, filename),
        "x-content-type-options": "nosniff",
        "cache-control": "public, max-age=31536000, immutable",
        "etag": f'"{sha256}"',
    }
    return AsgiFileDownload(path, content_type=kind.media_type, headers=headers)


async def original_filename(datasette, sha256: str) -> str | None:
    """The name the portal gave this file: Content-Disposition name, else the URL's last part."""
    for db in datasette.databases.values():
        if db.is_memory or "sources" not in await db.table_names():
            continue
        row = (
            await db.execute(
                "select filename, url from sources where sha256 = ? order by fetched_at limit 1", [sha256]
            )
        ).first()
        if row is None:
            continue
        if row["filename"]:
            return Path(row["filename"]).name
        last = unquote(urlsplit(row["url"] or "").path.rsplit("/", 1)[-1])
        if "." in last:
            return last
    return None


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266 header value with an ASCII fallback and the UTF-8 name (Chinese names)."""
    safe = filename.replace("\\", "_").replace('"', "_").replace("/", "_")
    ascii_name = safe.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


@hookimpl
def render_cell(value, column, table):
    if column == "original" and isinstance(value, str) and value.startswith("/-/files/") and is_sha256(value[9:]):
        return Markup('<a href="{0}">original</a> · <a href="{0}?download=1">download</a>').format(escape(value))
    return None
