"""``/-/files/<sha256>``: every archived original, with its real Content-Type and the file
name it was fetched under (a web page under a sandboxing Content-Security-Policy: it never
runs script on our origin); ``/-/nianbao/static/<name>``: the site's own CSS."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from datasette.utils.asgi import AsgiFileDownload, Response

from archive import Archive
from archive.sniff import by_extension
from archive.store import is_sha256

STATIC = Path(__file__).resolve().parent.parent / "static"
THIRD_PARTY_PAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


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
    if not kind.is_document:
        # A third party's web page: shown as archived, but in a sandbox of its own origin
        # that runs no script and loads nothing (not even from us).
        headers["content-security-policy"] = THIRD_PARTY_PAGE_POLICY
    return AsgiFileDownload(path, content_type=kind.media_type, headers=headers)


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
