"""A PDFium page dressed as a pdfplumber page, so pdfplumber's table finder runs on it.

pdfplumber gets its characters and ruling lines from pdfminer, which interprets every
page in Python (about a quarter of a second per page). PDFium has them already: its
text page gives each character's box, its path objects give the ruling lines. This
module supplies exactly what ``pdfplumber.table.TableFinder`` reads — ``chars``,
``edges``, ``bbox`` — and runs pdfplumber's table algorithm ("lines" strategies) with
its steps redone on plain tuples, to the same tables.
Pages it cannot describe faithfully (rotated, offset media box, form XObjects, curves)
return None, and the caller falls back to pdfplumber proper.
"""

from __future__ import annotations

import ctypes
import math
from bisect import bisect_left, bisect_right
from operator import itemgetter

import pypdfium2.raw as pdfium_c
from pypdfium2 import PdfiumError
from pdfplumber.table import Table, TableFinder, TableSettings

THIN = 3.0  # points: a path thinner than this is a ruling line


class _Handle(ctypes.c_void_p):
    """A PDFium handle as a direct call returns it: kept a pointer (a plain c_void_p result
    would become an int, which a call without argtypes passes truncated to a C int)."""


def _direct(function, restype=ctypes.c_int):
    """``function`` without ctypes' conversion of each argument, twice as fast a call: the
    caller passes exactly the C types (handles, ints, ``byref`` buffers)."""
    direct = type(function)(ctypes.cast(function, ctypes.c_void_p).value)
    direct.restype = restype
    return direct


# The calls made once per character or per page object.
_get_loose_char_box = _direct(pdfium_c.FPDFText_GetLooseCharBox)
_get_char_origin = _direct(pdfium_c.FPDFText_GetCharOrigin)
_get_font_size = _direct(pdfium_c.FPDFText_GetFontSize, ctypes.c_double)
_get_char_matrix = _direct(pdfium_c.FPDFText_GetMatrix)
_get_unicode = _direct(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint)
_is_generated = _direct(pdfium_c.FPDFText_IsGenerated)
_get_object = _direct(pdfium_c.FPDFPage_GetObject, _Handle)
_get_object_type = _direct(pdfium_c.FPDFPageObj_GetType)
_get_bounds = _direct(pdfium_c.FPDFPageObj_GetBounds)
_get_draw_mode = _direct(pdfium_c.FPDFPath_GetDrawMode)
_get_fill_color = _direct(pdfium_c.FPDFPageObj_GetFillColor)
_get_stroke_color = _direct(pdfium_c.FPDFPageObj_GetStrokeColor)
_get_object_matrix = _direct(pdfium_c.FPDFPageObj_GetMatrix)
_count_segments = _direct(pdfium_c.FPDFPath_CountSegments)
_get_segment = _direct(pdfium_c.FPDFPath_GetPathSegment, _Handle)
_get_segment_point = _direct(pdfium_c.FPDFPathSegment_GetPoint)
_get_segment_type = _direct(pdfium_c.FPDFPathSegment_GetType)
_get_segment_close = _direct(pdfium_c.FPDFPathSegment_GetClose)


class PdfiumPage:
    """Just enough of pdfplumber's Page for table finding and cell text extraction."""

    def __init__(self, width: float, height: float, chars: list[dict], edges: list[dict]):
        self.width, self.height = width, height
        self.bbox = (0, 0, width, height)
        self.chars, self.edges = chars, edges

    def find_tables(self, settings: dict):
        """``TableFinder(self, settings).tables``: for the "lines" strategies pdfplumber's steps
        redone on edge tuples (``merged_edges``, ``intersections``, ``cells_from``), same tables."""
        resolved = TableSettings.resolve(settings)
        explicit = resolved.explicit_horizontal_lines or []
        if ((resolved.vertical_strategy, resolved.horizontal_strategy) != ("lines", "lines")
                or resolved.explicit_vertical_lines or not all(isinstance(y, (int, float)) for y in explicit)
                or not _plain(self.edges, explicit)):
            return TableFinder(self, resolved).tables
        x0, _, x1, _ = self.bbox
        vertical, horizontal = merged_edges(self.edges, resolved, [(x0, y, x1, y, x1 - x0) for y in explicit])
        points = intersections(vertical, horizontal, resolved.intersection_x_tolerance,
                               resolved.intersection_y_tolerance)
        return [Table(self, group) for group in tables_of(cells_from(points))]


def _plain(edges: list[dict], explicit: list[float]) -> bool:
    """Every position a finite number of page size (well under 1e9): sorting and the
    tolerance arithmetic of the tuple steps then match pdfplumber's exactly."""
    values = list(explicit)
    for key in ("x0", "top", "x1", "bottom", "width", "height"):
        values.extend(map(itemgetter(key), edges))
    if not values:
        return True
    total = sum(values)  # NaN when any is
    return total == total and -1e9 < min(values) and max(values) < 1e9


# An edge as the tuple steps carry it: (x0, top, x1, bottom, length), the length being
# pdfplumber's "height" of a vertical edge and "width" of a horizontal one.
def merged_edges(edges: list[dict], settings: TableSettings, explicit_horizontal: list[tuple]) -> tuple[list, list]:
    """pdfplumber's ``TableFinder.get_edges`` for the "lines" strategies: the vertical and
    the horizontal edges prefiltered, snapped, joined and filtered by length as there, to
    the same floating-point values."""
    prefilter, minimum = settings.edge_min_length_prefilter, settings.edge_min_length
    vertical = [(e["x0"], e["top"], e["x1"], e["bottom"], e["height"]) for e in edges
                if e["orientation"] == "v" and e["height"] >= prefilter]
    horizontal = [(e["x0"], e["top"], e["x1"], e["bottom"], e["width"]) for e in edges
                  if e["orientation"] == "h" and e["width"] >= prefilter] + explicit_horizontal
    if settings.snap_x_tolerance > 0 or settings.snap_y_tolerance > 0:
        vertical = _snapped(vertical, 0, settings.snap_x_tolerance)
        horizontal = _snapped(horizontal, 1, settings.snap_y_tolerance)
    vertical = [e for e in _joined(vertical, 0, 1, 3, settings.join_y_tolerance) if e[4] >= minimum]
    horizontal = [e for e in _joined(horizontal, 1, 0, 2, settings.join_x_tolerance) if e[4] >= minimum]
    return vertical, horizontal


def _snapped(edges: list[tuple], position: int, tolerance: float) -> list[tuple]:
    """pdfplumber's ``snap_objects``: edges clustered by their position (x0 of a vertical,
    top of a horizontal), each moved by its cluster's mean minus its own position."""
    out = []
    for group in clusters(edges, itemgetter(position), tolerance):
        mean = sum(map(itemgetter(position), group)) / len(group)
        for x0, top, x1, bottom, length in group:
            if position == 0:
                shift = mean - x0
                out.append((x0 + shift, top, x1 + shift, bottom, length))
            else:
                shift = mean - top
                out.append((x0, top + shift, x1, bottom + shift, length))
    return out


def _joined(edges: list[tuple], position: int, start: int, end: int, tolerance: float) -> list[tuple]:
    """pdfplumber's ``join_edge_group`` over each line of edges (same position): sorted by
    start, an edge starting within ``tolerance`` of the last one's end extends it."""
    out: list[tuple] = []
    for edge in sorted(edges, key=itemgetter(position, start)):  # stable, as pdfplumber's two sorts
        last = out[-1] if out else None
        if last is None or last[position] != edge[position] or edge[start] > last[end] + tolerance:
            out.append(edge)
        elif edge[end] > last[end]:
            value = edge[end]
            if end == 2:  # a horizontal edge's x1: its width follows
                out[-1] = (last[0], last[1], value, last[3], value - last[0])
            else:  # a vertical edge's bottom: its height grows by as much
                out[-1] = (last[0], last[1], last[2], value, last[4] + (value - last[3]))
    return out


def intersections(vertical: list[tuple], horizontal: list[tuple], x_tolerance: float,
                  y_tolerance: float) -> dict[tuple, tuple[set, set]]:
    """pdfplumber's ``edges_to_intersections``: each point (x of a vertical edge, top of a
    horizontal one) where the two meet within the tolerances, with the boxes of the
    vertical and of the horizontal edges meeting there. The horizontal edges are looked up
    by their top (one point of margin over the exact test, which decides)."""
    horizontal = sorted(horizontal, key=itemgetter(1))
    tops = [h[1] for h in horizontal]
    reaches = [(h[1], h[0] - x_tolerance, h[2] + x_tolerance, h[:4]) for h in horizontal]  # top, x span, box
    points: dict[tuple, tuple[set, set]] = {}
    for v in vertical:
        x, top, bottom, box = v[0], v[1], v[3], v[:4]
        first = bisect_left(tops, top - y_tolerance - 1)
        last = bisect_right(tops, bottom + y_tolerance + 1)
        for h_top, left, right, h_box in reaches[first:last]:
            if top <= h_top + y_tolerance and bottom >= h_top - y_tolerance and left <= x <= right:
                point = (x, h_top)
                meeting = points.get(point)
                if meeting is None:
                    meeting = points[point] = (set(), set())
                meeting[0].add(box)
                meeting[1].add(h_box)
    return points


def clusters(items: list, key, tolerance: float) -> list[list]:
    """pdfplumber's ``cluster_objects(items, key, tolerance)``: the distinct key values
    sorted and chained while each is within the tolerance of the one before; groups in
    that order, items in their given order."""
    keys = [key(item) for item in items]
    values = sorted(set(keys))
    if len(values) <= 1:
        return [items] if items else []
    group_of: dict = {}
    group, last = 0, values[0]
    for value in values:
        if value > last + tolerance:
            group += 1
        group_of[value] = group
        last = value
    groups: list[list] = [[] for _ in range(group + 1)]
    for item, value in zip(items, keys):
        groups[group_of[value]].append(item)
    return groups


def cells_from(points: dict[tuple, tuple[set, set]]) -> list[tuple]:
    """pdfplumber's ``intersections_to_cells``, same cells in the same order, faster.

    pdfplumber rebuilds both points' edge sets on every connectivity test and rescans
    every later point for each point; here each point comes with its edge sets and the
    points below (same x) and to the right (same y) are looked up directly.
    """

    def connects(p1, p2) -> bool:
        return (p1[0] == p2[0] and not points[p1][0].isdisjoint(points[p2][0])) or (
            p1[1] == p2[1] and not points[p1][1].isdisjoint(points[p2][1])
        )

    ordered = sorted(points)
    by_x: dict[float, list] = {}
    by_y: dict[float, list] = {}
    place: dict[tuple, tuple[int, int]] = {}  # a point's index in its by_x and its by_y list
    for point in ordered:  # each list stays in sorted order
        column, row = by_x.setdefault(point[0], []), by_y.setdefault(point[1], [])
        place[point] = (len(column), len(row))
        column.append(point)
        row.append(point)
    cells = []
    for pt in ordered:
        in_column, in_row = place[pt]
        below = by_x[pt[0]][in_column + 1 :]  # the later points: those below, those to the right
        right = by_y[pt[1]][in_row + 1 :]
        cell = _smallest_cell(pt, below, right, points, connects)
        if cell:
            cells.append(cell)
    return cells


def tables_of(cells: list[tuple]) -> list[list[tuple]]:
    """pdfplumber's ``cells_to_tables`` for distinct cells (``cells_from`` gives one per
    top-left point), same tables with their cells in the same order: sweeps over the
    cells left, each taking those that share a corner with the table grown so far, until
    a sweep takes none; each cell's corners made once."""
    corners = [((x0, top), (x0, bottom), (x1, top), (x1, bottom)) for x0, top, x1, bottom in cells]
    remaining = list(range(len(cells)))
    tables: list[list[tuple]] = []
    current: list[tuple] = []
    current_corners: set[tuple] = set()
    while remaining:
        taken = len(current)
        left = []
        for i in remaining:
            if not current or any(corner in current_corners for corner in corners[i]):
                current_corners.update(corners[i])
                current.append(cells[i])
            else:
                left.append(i)
        remaining = left
        if len(current) == taken:
            tables.append(current)
            current, current_corners = [], set()
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def _smallest_cell(pt, below, right, intersections, connects):
    if not right:
        return None
    for below_pt in below:
        if not connects(pt, below_pt):
            continue
        for right_pt in right:
            if not connects(pt, right_pt):
                continue
            bottom_right = (right_pt[0], below_pt[1])
            if bottom_right in intersections and connects(bottom_right, right_pt) and connects(bottom_right, below_pt):
                return (pt[0], pt[1], bottom_right[0], bottom_right[1])
    return None


def pdfium_page(page, textpage, chars_of: "CharsOf | None" = None) -> PdfiumPage | None:
    """Describe a pypdfium2 page (with its loaded text page), or None when unsupported;
    ``chars_of`` the page's characters when already asked for."""
    if page.get_rotation() % 360:
        return None
    left, bottom, right, top = page.get_mediabox()
    if abs(left) > 0.01 or abs(bottom) > 0.01:
        return None
    height, width = top, right
    edges = _edges(page, height)
    if edges is None:
        return None
    return PdfiumPage(width, height, (chars_of or CharsOf(textpage))(height), edges)


class CharsOf:
    """A text page's characters (``page_chars``), read once for each page height asked."""

    def __init__(self, textpage):
        self.textpage, self.read = textpage, {}

    def __call__(self, height: float) -> list[dict]:
        if height not in self.read:
            self.read[height] = page_chars(self.textpage, height)
        return self.read[height]


def page_chars(textpage, height: float) -> list[dict]:
    """Every character of a text page as pdfplumber describes one (text, x0, x1, top, bottom…)."""
    chars = []
    raw = textpage.raw
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    origin_x_ref, origin_y_ref = ctypes.byref(origin_x), ctypes.byref(origin_y)
    box = pdfium_c.FS_RECTF()  # one buffer for every character
    box_ref = ctypes.byref(box)
    matrix = pdfium_c.FS_MATRIX()
    matrix_ref = ctypes.byref(matrix)
    count = textpage.count_chars()
    # The page's text in one call (one UTF-16 unit per character index) saves a call per
    # character; a page with characters beyond the BMP is asked character by character.
    text = textpage.get_text_range(0, count) if count else ""
    codes = map(ord, text) if len(text) == count else (_get_unicode(raw, i) for i in range(count))
    for i, code in enumerate(codes):
        # PDFium generates only blanks and line ends (asked only for those).
        if code in _NEVER_TEXT or (code in _BLANKS and _is_generated(raw, i) == 1):
            continue
        if not _get_loose_char_box(raw, i, box_ref):
            raise PdfiumError("Failed to get charbox.")
        x0, x1 = box.left, box.right
        # Vertical extent from the baseline and the font size as drawn, so that every
        # glyph of a line (a flat 一 as much as a tall 国) shares one top and bottom.
        # FPDFText_GetFontSize is the size of the Tf operator: WPS Office sets fonts at
        # 20 times their size and scales them back in the text matrix, so the size as
        # drawn is that times the matrix's vertical scale.
        _get_char_origin(raw, i, origin_x_ref, origin_y_ref)
        size = _get_font_size(raw, i)
        extent = max(box.top - box.bottom, x1 - x0, 1.0)
        if size > 2 * extent and _get_char_matrix(raw, i, matrix_ref):  # scaled by the text matrix
            size *= math.hypot(matrix.c, matrix.d)
        if not size or size > 4 * extent:
            size = extent  # no trustworthy size: the glyph's own box
        chars.append(char(chr(code), x0, x1, height - origin_y.value, size))
    return chars


_NEVER_TEXT = frozenset((0, 0x0A, 0x0D, 0x02, 0xFFFE))  # codes of no character drawn
_BLANKS = frozenset((0x20, 0xA0))


def char(text: str, x0: float, x1: float, baseline: float, size: float, upright: bool = True) -> dict:
    """A character as pdfplumber describes one, from its baseline (from the page top) and font size:
    every glyph of a line then shares one top and bottom."""
    top, bottom = baseline - 0.88 * size, baseline + 0.12 * size
    return {
        "text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
        "width": x1 - x0, "height": bottom - top, "size": bottom - top, "upright": upright, "object_type": "char",
    }


def ruling_edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    return {
        "x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top,
        "orientation": orientation, "object_type": "line",
    }


def _edges(page, height: float) -> list[dict] | None:
    edges: list[dict] = []
    # The page's top-level objects through the raw API: a page holds thousands of
    # text objects, and wrapping each in a helper object only to skip it was slow.
    raw_page = page.raw
    count = pdfium_c.FPDFPage_CountObjects(raw_page)
    if count < 0:
        raise PdfiumError("Failed to get number of pageobjects.")
    # An object's bounds in PDF space (y upwards), one buffer for every object.
    pdf_left, pdf_bottom, pdf_right, pdf_top = (ctypes.c_float() for _ in range(4))
    bound_refs = tuple(ctypes.byref(v) for v in (pdf_left, pdf_bottom, pdf_right, pdf_top))
    paint = _Paint()
    form, path_kind = pdfium_c.FPDF_PAGEOBJ_FORM, pdfium_c.FPDF_PAGEOBJ_PATH
    for i in range(count):
        obj = _get_object(raw_page, i)
        if not obj:
            raise PdfiumError("Failed to get pageobject.")
        kind = _get_object_type(obj)
        if kind == form:
            return None  # nested coordinate spaces: leave it to pdfplumber
        if kind != path_kind:
            continue
        filled, stroked = paint.visible(obj)
        if not (filled or stroked):
            continue  # invisible: a white box behind a line of text, or a clip-only path
        if not _get_bounds(obj, *bound_refs):
            raise PdfiumError("Failed to locate pageobject.")
        x0, x1, top, bottom = pdf_left.value, pdf_right.value, height - pdf_top.value, height - pdf_bottom.value
        w, h = x1 - x0, bottom - top
        if w <= THIN and h > THIN:
            edges.append(ruling_edge((x0 + x1) / 2, top, (x0 + x1) / 2, bottom, "v"))
        elif h <= THIN and w > THIN:
            edges.append(ruling_edge(x0, (top + bottom) / 2, x1, (top + bottom) / 2, "h"))
        elif w > THIN and h > THIN and stroked:  # a filled box alone is shading, not a rule
            segments = _segments(obj, height)
            if segments is None:
                return None
            edges.extend(segments)
    return edges


class _Paint:
    """Whether a path's paint shows on white paper; the ctypes buffers made once per page."""

    def __init__(self):
        self.fill_mode, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.fill_mode_ref, self.stroke_ref = ctypes.byref(self.fill_mode), ctypes.byref(self.stroke)
        self.rgba = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
        self.rgba_refs = tuple(ctypes.byref(v) for v in self.rgba)

    def visible(self, path) -> tuple[bool, bool]:
        """(filled, stroked), counting only paint that differs from white paper."""
        if not _get_draw_mode(path, self.fill_mode_ref, self.stroke_ref):
            return True, True  # unknown: count it, as before
        filled = self.fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE and self._shows(_get_fill_color, path)
        stroked = bool(self.stroke.value) and self._shows(_get_stroke_color, path)
        return filled, stroked

    def _shows(self, get_color, path) -> bool:
        if not get_color(path, *self.rgba_refs):
            return True
        r, g, b, a = self.rgba
        return a.value > 0 and min(r.value, g.value, b.value) < 235


def _segments(path, height: float) -> list[dict] | None:
    """The axis-parallel straight segments of a larger path (a box, or a whole grid)."""
    m = pdfium_c.FS_MATRIX()
    if not _get_object_matrix(path, ctypes.byref(m)):
        raise PdfiumError("Failed to get matrix of pageobject.")
    x, y = ctypes.c_float(), ctypes.c_float()
    point_refs = (ctypes.byref(x), ctypes.byref(y))
    out: list[dict] = []
    start = prev = None
    for i in range(_count_segments(path)):
        seg = _get_segment(path, i)
        _get_segment_point(seg, *point_refs)
        kind = _get_segment_type(seg)
        point = (m.a * x.value + m.c * y.value + m.e, height - (m.b * x.value + m.d * y.value + m.f))
        if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            return None  # curves (rounded boxes): not ours to judge
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = prev = point
            continue
        add_segment(out, prev, point)
        prev = point
        if _get_segment_close(seg) and start is not None:
            add_segment(out, prev, start)
            prev = start
    return out


def add_segment(out: list[dict], a, b) -> None:
    if a is None:
        return
    (ax, ay), (bx, by) = a, b
    if abs(ax - bx) < 0.5 and abs(ay - by) > THIN:
        out.append(ruling_edge(ax, min(ay, by), ax, max(ay, by), "v"))
    elif abs(ay - by) < 0.5 and abs(ax - bx) > THIN:
        out.append(ruling_edge(min(ax, bx), ay, max(ax, bx), ay, "h"))
