"""``/-/crops/<sha256>/<page>/<x0>,<top>,<x1>,<bottom>.png``: the region of a PDF original's
page around a box (a figure's table cell), so any figure can be checked against the original.

The box is in PDF points from the top left of the page, as ``report_stats`` stores it;
``crop_url`` writes it to 0.1 pt, and only boxes of stored figures are rendered. Originals are hostile third-party files, so the PNG
is rendered by ``extractors.crop`` in a forked child with a time and memory limit
(``extractors.isolated.run_isolated``), never in the web process. Each PNG is cached
on disk, keyed by sha256, page and box (rounded to 0.1 pt): in ``plugins.nianbao.crop_cache``
if configured, else ``cache/crops/`` beside reports.db; written atomically (temp file +
rename); a folder that cannot be written means serving uncached. One render per key at a time.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import tempfile
import threading
from pathlib import Path

from datasette.utils.asgi import Response

from archive import ArchivedObject, ArchiveError, Originals
from archive.store import is_sha256
from extractors.crop import render_crop
from extractors.errors import ExtractionError
from extractors.isolated import run_isolated

from .base import reports_db
from .files import find_original, unavailable

MARGIN = 12  # points of the page shown around the box
SCALE = 2.0  # pixels per point
RENDER_TIMEOUT_S = 20
RENDER_MEMORY_MB = 1024
MAX_POINTS = 14400  # the largest page side PDF allows (200 inches)
MAX_RENDERS = max(2, min(8, os.cpu_count() or 2))  # children rendering at once
NUMBER = re.compile(r"-?[0-9]{1,5}(\.[0-9]{1,6})?")
PAGE = re.compile(r"[1-9][0-9]{0,5}")
HEADERS = {"cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff"}

_renders = threading.BoundedSemaphore(MAX_RENDERS)
_keys_lock = threading.Lock()
_key_locks: dict[str, list] = {}  # cache key -> [lock, requests holding or waiting for it]


def crop_url(sha256: str, page: int, box) -> str:
    """The crop URL of ``box`` (x0, top, x1, bottom) on ``page`` of an original."""
    return f"/-/crops/{sha256}/{page}/{box_key(box)}.png"


def box_key(box) -> str:
    """``x0,top,x1,bottom`` to 0.1 pt: the box as URLs and the cache name it."""
    return ",".join(f"{round(float(v), 1) + 0.0:.1f}" for v in box)  # + 0.0: no "-0.0"


def parse_box(text: str) -> tuple[float, float, float, float] | None:
    """Four finite numbers making a box no larger than a PDF page can be, else None."""
    parts = text.split(",")
    if len(parts) != 4 or not all(NUMBER.fullmatch(p) for p in parts):
        return None
    x0, top, x1, bottom = (round(float(p), 1) for p in parts)
    if not all(math.isfinite(v) and abs(v) <= MAX_POINTS for v in (x0, top, x1, bottom)):
        return None
    if not (0 < x1 - x0 <= MAX_POINTS and 0 < bottom - top <= MAX_POINTS):
        return None
    return x0, top, x1, bottom


def not_found(message: str) -> Response:
    return Response.text(message, status=404, headers={"x-content-type-options": "nosniff"})


async def serve_crop(datasette, request):
    sha256 = request.url_vars["sha256"].lower()
    page_text, box = request.url_vars["page"], parse_box(request.url_vars["box"])
    if not is_sha256(sha256) or not PAGE.fullmatch(page_text) or box is None:
        return not_found("Not a crop: /-/crops/<sha256>/<page>/<x0>,<top>,<x1>,<bottom>.png")
    page = int(page_text)
    db = reports_db(datasette)
    document = (await db.execute("select format, pages from documents where sha256 = ?", [sha256])).first()
    if document is None or document["format"] != "pdf":
        return not_found("No such PDF in the archive")
    if document["pages"] is not None and page > document["pages"]:
        return not_found(f"The PDF has {document['pages']} pages")
    if not await is_figure_box(db, sha256, page, box):
        return not_found("No figure of this report was read from that box")
    loop = asyncio.get_running_loop()
    try:
        found = await loop.run_in_executor(None, find_original, datasette, sha256)
        if found is None:
            return not_found("No such original in the archive")
        cache_file = cache_path(crop_cache(datasette, db), sha256, page, box)
        status, body = await loop.run_in_executor(None, cached_crop, *found, cache_file, page, box)
    except ArchiveError as error:
        return unavailable(error)
    if status == "bad":
        return not_found(f"Cannot crop this: {body}")
    if status == "failed":
        return Response.text(f"Could not render this crop: {body}", status=500,
                             headers={"x-content-type-options": "nosniff"})
    return Response(body, content_type="image/png", headers=HEADERS)


async def is_figure_box(db, sha256: str, page: int, box) -> bool:
    """Crops show where figures were read: only boxes report_stats holds (to 0.1 pt) are rendered,
    so nobody can make the site render and keep arbitrary regions of every original."""
    x0, top, x1, bottom = box
    found = await db.execute(
        "select 1 from report_stats where sha256 = ? and page = ? and abs(x0 - ?) < 0.051 and abs(top - ?) < 0.051 "
        "and abs(x1 - ?) < 0.051 and abs(bottom - ?) < 0.051 limit 1",
        [sha256, page, x0, top, x1, bottom],
    )
    return found.first() is not None


def crop_cache(datasette, db) -> Path:
    """The folder of cached crops: ``plugins.nianbao.crop_cache``, else DATA/cache/crops."""
    config = datasette.plugin_config("nianbao") or {}
    if config.get("crop_cache"):
        return Path(config["crop_cache"])
    return Path(db.path).parent / "cache" / "crops"


def cache_path(folder: Path, sha256: str, page: int, box) -> Path:
    """Where the crop is kept: by original, page and box, and by how it is drawn (margin, scale)."""
    return folder / sha256[:2] / sha256 / f"{page}-{box_key(box)}-m{MARGIN:g}s{SCALE:g}.png"


def cached_crop(archive: Originals, original: ArchivedObject, cache_file: Path, page: int, box) -> tuple[str, bytes | str]:
    """("png", bytes), ("bad", why) for a page or box the original lacks, or ("failed", why).

    Runs on a worker thread; the lock per cache file means one render per crop at a time.
    The original is read from a file on this machine (an object store's is fetched for
    the render, only when the crop is not cached).
    """
    with _key_lock(str(cache_file)):
        try:
            return "png", cache_file.read_bytes()
        except OSError:
            pass
        with _renders, archive.local_path(original) as path:
            status, body = render_isolated(path, page, box)
        if status == "png":
            store(cache_file, body)
        return status, body


def render_isolated(original: Path, page: int, box) -> tuple[str, bytes | str]:
    """Render in a fresh child limited to RENDER_TIMEOUT_S seconds and RENDER_MEMORY_MB."""
    try:
        results = list(run_isolated(_render, [(str(original), page, box)], workers=1, timeout=RENDER_TIMEOUT_S,
                                    memory_mb=RENDER_MEMORY_MB, tasks_per_child=1))
    except OSError as error:  # no child could be started (process or memory limits)
        return "failed", f"cannot start a renderer: {error}"
    if not results:
        return "failed", "no result"
    if results[0].error:
        return "failed", results[0].error
    return results[0].value


def _render(task) -> tuple[str, bytes | str]:
    """In the child: the PNG, or why the page or box does not fit the original."""
    path, page, box = task
    try:
        return "png", render_crop(path, page, box, margin=MARGIN, scale=SCALE)
    except ExtractionError as error:
        return "bad", str(error)


def store(cache_file: Path, png: bytes) -> None:
    """Write ``png`` to ``cache_file`` atomically (temp file, fsync, rename); give up quietly."""
    temp = None
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_file.parent, prefix=".", suffix=".tmp", delete=False) as f:
            temp = f.name
            f.write(png)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, cache_file)
        temp = None
    except OSError:
        pass  # a read-only or full disk: the crop is served, just not kept
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


class _key_lock:
    """A lock for one cache key, dropped once no request holds or waits for it."""

    def __init__(self, key: str):
        self.key = key

    def __enter__(self):
        with _keys_lock:
            entry = _key_locks.setdefault(self.key, [threading.Lock(), 0])
            entry[1] += 1
        entry[0].acquire()

    def __exit__(self, *exc):
        with _keys_lock:
            entry = _key_locks[self.key]
            entry[0].release()
            entry[1] -= 1
            if entry[1] == 0:
                del _key_locks[self.key]
