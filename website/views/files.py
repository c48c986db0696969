"""``/-/files/<sha256>``: every archived original, with its real Content-Type and the file
name it was fetched under (a web page under a sandboxing Content-Security-Policy: it never
runs script on our origin); ``/-/nianbao/static/<name>``: the site's own CSS."""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from datasette.utils.asgi import AsgiFileDownload, Response

from archive import Archive, ArchivedObject, ArchiveError, MissingObject, Originals, open_archive
from archive.sniff import by_extension
from archive.store import is_sha256

STATIC = Path(__file__).resolve().parent.parent / "static"
THIRD_PARTY_PAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CHUNK = 256 * 1024  # what one read from an object store sends on
logger = logging.getLogger(__name__)
_opened: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Datasette -> its archives, opened once


def archives(datasette) -> list[Originals]:
    """Where to look for originals: the configured folder, else the archive of each database's
    DATA (``archive.open_archive``: DATA/archive, or the object store DATA/archive.yml names)."""
    if datasette not in _opened:
        config = datasette.plugin_config("nianbao") or {}
        if config.get("archive_dir"):
            _opened[datasette] = [Archive(config["archive_dir"])]
        else:
            _opened[datasette] = [open_archive(Path(db.path).parent) for db in datasette.databases.values() if db.path]
    return _opened[datasette]


def find_original(datasette, sha256: str) -> tuple[Originals, ArchivedObject] | None:
    """The archive holding ``sha256`` and the object there (blocking: run it off the event loop)."""
    for archive in archives(datasette):
        found = archive.find(sha256)
        if found is not None:
            return archive, found
    return None


def unavailable(error: ArchiveError) -> Response:
    logger.warning("archive unavailable: %s", error)
    return Response.text("The archive is unavailable; try again later", status=503,
                         headers={"x-content-type-options": "nosniff", "retry-after": "60"})


async def serve_original(datasette, request):
    sha256 = request.url_vars["sha256"].lower()
    if not is_sha256(sha256):
        return Response.text("Not a sha256", status=404)
    loop = asyncio.get_running_loop()
    try:
        found = await loop.run_in_executor(None, find_original, datasette, sha256)
        if found is None:
            return Response.text("No such original in the archive", status=404)
        archive, original = found
        body = None if isinstance(archive, Archive) else await loop.run_in_executor(None, archive.open, original)
    except MissingObject:
        return Response.text("No such original in the archive", status=404)
    except ArchiveError as error:
        return unavailable(error)
    kind = by_extension(original.name)
    filename = await original_filename(datasette, sha256) or f"{sha256}{kind.extension}"
    disposition = "attachment" if request.args.get("download") else "inline"
    headers = {
        "content-disposition": content_disposition(disposition, filename),
        "x-content-type-options": "nosniff",
        "cache-control": "public, max-age=31536000, immutable",
        "etag": f'"{sha256}"',
    }
    if not kind.is_document:
        # A third party's web page: shown as archived, but in a sandbox of its own origin
        # that runs no script and loads nothing (not even from us).
        headers["content-security-policy"] = THIRD_PARTY_PAGE_POLICY
    if body is None:
        return AsgiFileDownload(archive.path_for(sha256), content_type=kind.media_type, headers=headers)
    return StreamedObject(body, original.size, kind.media_type, headers)


class StreamedObject:
    """An object store's object sent on as it is read (the body opened already: a missing object was a 404)."""

    def __init__(self, body, size: int, content_type: str, headers: dict):
        self.body, self.size, self.content_type, self.headers = body, size, content_type, headers

    async def asgi_send(self, send):
        loop = asyncio.get_running_loop()
        headers = {**self.headers, "content-type": self.content_type, "content-length": str(self.size)}
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [[k.encode("latin-1"), v.encode("latin-1")] for k, v in headers.items()]})
            while chunk := await loop.run_in_executor(None, self.body.read, CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            self.body.close()


async def serve_static(datasette, request):
    path = STATIC / request.url_vars["name"]
    if not path.is_file():
        return Response.text("Not found", status=404)
    media = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}.get(path.suffix, "text/plain")
    return Response(path.read_text(encoding="utf-8"), content_type=f"{media}; charset=utf-8",
                    headers={"cache-control": "public, max-age=3600"})


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
