"""A PNG of the region of a PDF page around a box: where a figure was read, to check it by eye.

Boxes are in the extractors' coordinates (``model.Box``): PDF points, origin at the top
left of the page, x from the left edge of the media box, ``top`` from its top edge (what
pdfplumber and ``pdfium_page`` give). The region is the box plus a margin, clamped to the
page, rendered by PDFium at ``scale`` pixels per point.

Originals come from the open web: callers that serve crops run this in a time- and
memory-limited child (``isolated.run_isolated``). pypdfium2 is imported here, in that
child, so the caller's process never loads PDFium.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from .errors import ExtractionError
from .model import Box

MAX_SCALE = 8.0
MAX_PIXELS = 25_000_000  # a whole A0 page at scale 2 is about 14 million


def render_crop(
    path: str | Path, page: int, box: Box, margin: float = 12, scale: float = 2.0, outline: bool = True
) -> bytes:
    """PNG bytes of ``box`` (with ``margin`` points around it) on ``page`` (1-based) of the PDF at ``path``;
    ``outline`` draws the box in red, so the figure stands out from its neighbours.

    Raises ExtractionError (one line) for a file PDFium cannot open, a page the file does
    not have, or a box that is not a region of that page.
    """
    import pypdfium2 as pdfium

    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise ExtractionError(f"bad page number: {page!r}")
    x0, top, x1, bottom = _box(box)
    if not (0 < scale <= MAX_SCALE and math.isfinite(margin) and margin >= 0):
        raise ExtractionError(f"bad scale or margin: {scale!r}, {margin!r}")
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"cannot open PDF: {exc}") from None
    except OSError as exc:  # the message alone: no paths in what a site may show
        raise ExtractionError(f"cannot open PDF: {exc.strerror or type(exc).__name__}") from None
    try:
        if page > len(document):
            raise ExtractionError(f"no page {page}: the PDF has {len(document)}")
        pdf_page = document[page - 1]
        try:
            (left, right, up, down), shown = _region(pdf_page, (x0, top, x1, bottom), margin)
            width, height = pdf_page.get_size()
            if (right - left) * (down - up) * scale * scale > MAX_PIXELS:
                raise ExtractionError("crop too large")
            bitmap = pdf_page.render(scale=scale, crop=(left, height - down, width - right, up))
            image = bitmap.to_pil().convert("RGB")
            if outline:
                _outline(image, shown, left, up, scale)
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            return out.getvalue()
        finally:
            pdf_page.close()
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"cannot render page {page}: {exc}") from None
    except ValueError as exc:  # pypdfium2: "Crop exceeds page dimensions"
        raise ExtractionError(f"cannot render page {page}: {exc}") from None
    finally:
        document.close()


def _box(box) -> Box:
    try:
        x0, top, x1, bottom = (float(v) for v in box)
    except (TypeError, ValueError):
        raise ExtractionError(f"bad box: {box!r}") from None
    if not all(math.isfinite(v) for v in (x0, top, x1, bottom)) or x1 <= x0 or bottom <= top:
        raise ExtractionError(f"bad box: {box!r}")
    return x0, top, x1, bottom


def _region(pdf_page, box: Box, margin: float) -> tuple[tuple[float, float, float, float], Box]:
    """(left, right, top, bottom) of the region to render and the box itself, both in points
    of the rendered page (PDFium renders the crop box, rotated as displayed)."""
    width, height = pdf_page.get_size()
    x0, top, x1, bottom = box
    if pdf_page.get_rotation() % 360 == 0:
        # The extractors measure from the media box; PDFium renders the crop box.
        media_left, media_bottom, _, media_top = pdf_page.get_mediabox()
        crop_left, _, _, crop_top = pdf_page.get_cropbox()
        dx, dy = crop_left, (media_top - media_bottom) - crop_top
        x0, x1, top, bottom = x0 - dx, x1 - dx, top - dy, bottom - dy
    if x1 - x0 > width + 1 or bottom - top > height + 1:
        raise ExtractionError(f"box larger than the page ({width:.0f} x {height:.0f} pt)")
    if x1 <= 0 or x0 >= width or bottom <= 0 or top >= height:
        raise ExtractionError(f"box outside the page ({width:.0f} x {height:.0f} pt)")
    left, right = max(0.0, x0 - margin), min(width, x1 + margin)
    up, down = max(0.0, top - margin), min(height, bottom + margin)
    return (left, right, up, down), (x0, top, x1, bottom)


def _outline(image, box: Box, left: float, up: float, scale: float) -> None:
    """A thin red frame on ``box`` (page points), in a crop whose top left is (left, up)."""
    from PIL import ImageDraw

    x0, top, x1, bottom = ((v - origin) * scale for v, origin in zip(box, (left, up, left, up)))
    width = max(1, round(scale))
    ImageDraw.Draw(image).rectangle((x0, top, x1 - 1, bottom - 1), outline=(220, 0, 0), width=width)
