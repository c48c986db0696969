"""OFD (GB/T 33190-2016) → page texts and two readings of the tables, from the package's XML alone.

An OFD is a ZIP of XML parts: ``OFD.xml`` names each document (DocBody/DocRoot); a document's
``Document.xml`` gives the page size (CommonData/PageArea/PhysicalBox), its templates and its
pages (Pages/Page BaseLoc); each page's content holds layers of text objects (TextObject:
Boundary, Size, CTM; TextCode: X, Y, DeltaX, DeltaY, the ``g N v`` shorthand) and path objects
(PathObject: AbbreviatedData). Lengths are millimetres from the page's top left.

Every glyph becomes a character box in points, origin top left, as pdfium_page gives a PDF's:
a page's text is read by position (words.text_by_position), its tables twice as in pdf.py —
``words`` from the characters, ``ruled`` from the ruling lines that path objects draw.

Defences as for DOCX (safety): ZIP bomb limits from the directory, defusedxml with no DTD or
entity; every path resolved inside the package; at most pdf.MAX_PAGES pages.
"""

from __future__ import annotations

import math
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExtractionError
from .model import Table
from .pdf import MAX_PAGES, both_readings, has_table_labels, page_tables
from .pdfium_page import THIN, PdfiumPage, add_segment, char, ruling_edge
from .safety import ZIP_ERRORS, check_zip_limits, parse_xml
from .words import Page, text_by_position

PT_PER_MM = 72 / 25.4
A4 = (0.0, 0.0, 210.0, 297.0)
DEFAULT_LINE_WIDTH = 0.353  # mm, GB/T 33190 8.5
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
PATH_ARGS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}  # AbbreviatedData operators


def read_ofd(path: str | Path) -> tuple[list[str], list[Table], int]:
    """Return (raw page texts, tables, page count)."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_limits(archive, "ofd")
            pages = Package(archive).pages()
    except zipfile.BadZipFile as exc:
        raise ExtractionError(f"corrupt ofd: {exc}") from None
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"unreadable ofd: {exc}") from None
    texts, raw_tables, word_pages = [], [], []
    for number, page in enumerate(pages, 1):
        text = text_by_position(page.chars)
        texts.append(text)
        if has_table_labels(text):
            raw_tables.extend(page_tables(PdfiumPage(page.width, page.height, page.chars, page.edges), number))
            word_pages.append(Page(number, page.chars, page.width, page.height))
    return texts, both_readings(raw_tables, word_pages), len(texts)


@dataclass
class OfdPage:
    """One page's characters (pdfplumber-style dicts) and ruling lines, in points."""

    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)


class Package:
    """The parts of one OFD package, read on demand, every path kept inside the package."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names = set(archive.namelist())
        self.parsed: dict[str, object] = {}  # a template serves many pages: parsed once

    def xml(self, name: str):
        if name not in self.parsed:
            self.parsed[name] = parse_xml(name, self.archive.read(name), "ofd")
        return self.parsed[name]

    def resolve(self, loc: str | None, referrer: str) -> str:
        """A part named in ``referrer``: relative to its folder, or to the package root when it starts with /."""
        loc = (loc or "").strip().replace("\\", "/")
        if not loc:
            raise ExtractionError(f"corrupt ofd: {referrer} names an empty path")
        joined = posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else
                                    posixpath.join(posixpath.dirname(referrer), loc))
        if joined.split("/")[0] in ("..", ".") or re.match(r"^[A-Za-z]:", loc):  # above the root, or C:
            raise ExtractionError(f"ofd refused: {referrer} names {loc!r}, outside the package")
        if joined not in self.names:
            raise ExtractionError(f"corrupt ofd: {joined} is missing (named in {referrer})")
        return joined

    def pages(self) -> list[OfdPage]:
        if "OFD.xml" not in self.names:
            raise ExtractionError("not an ofd: no OFD.xml")
        roots = [el for el in self.xml("OFD.xml").iter() if local(el.tag) == "DocRoot"]
        if not roots:
            raise ExtractionError("corrupt ofd: OFD.xml names no DocRoot")
        pages: list[OfdPage] = []
        for root in roots:
            pages.extend(self.document(self.resolve(root.text, "OFD.xml"), len(pages)))
        return pages

    def document(self, name: str, before: int) -> list[OfdPage]:
        """The pages of one document, ``before`` pages of earlier documents counting towards the limit."""
        document = self.xml(name)
        common = child(document, "CommonData")
        area = physical_box(child(common, "PageArea"), name) or A4
        templates = {el.get("ID"): el.get("BaseLoc") for el in children(common, "TemplatePage")}
        entries = children(child(document, "Pages"), "Page")
        if before + len(entries) > MAX_PAGES:
            raise ExtractionError(f"ofd refused: {before + len(entries)} pages (the limit is {MAX_PAGES})")
        pages = []
        for entry in entries:
            part = self.resolve(entry.get("BaseLoc"), name)
            content = parse_xml(part, self.archive.read(part), "ofd")  # read once: not kept
            box = physical_box(child(content, "Area"), part) or area
            page = OfdPage(box[2] * PT_PER_MM, box[3] * PT_PER_MM)
            for template in children(content, "Template"):  # running headers and footers live here
                loc = templates.get(template.get("TemplateID"))
                if loc is not None:
                    draw(self.xml(self.resolve(loc, name)), page, loc)
            draw(content, page, part)
            pages.append(page)
        return pages


def draw(content, page: OfdPage, name: str) -> None:
    """Add a content part's text and ruling lines to ``page`` (PageBlocks at any depth included)."""
    for element in content.iter():
        kind = local(element.tag)
        if kind == "TextObject":
            text_object(element, page, name)
        elif kind == "PathObject":
            path_object(element, page, name)


def text_object(element, page: OfdPage, name: str) -> None:
    x, y = boundary(element, name)
    ctm = matrix(element.get("CTM"), name)
    size = number(element.get("Size"), "Size", name)
    scale_x, scale_y = math.hypot(ctm[0], ctm[1]), math.hypot(ctm[2], ctm[3])
    upright = abs(ctm[1]) < 1e-6 and abs(ctm[2]) < 1e-6
    pen_x = pen_y = 0.0
    for code in children(element, "TextCode"):
        text = code.text or ""
        pen_x = number(code.get("X"), "X", name) if code.get("X") is not None else pen_x
        pen_y = number(code.get("Y"), "Y", name) if code.get("Y") is not None else pen_y
        dx = deltas(code.get("DeltaX"), len(text), name)
        dy = deltas(code.get("DeltaY"), len(text), name)
        for i, glyph in enumerate(text):
            own = advance(glyph, size)
            step = dx[i] if i < len(dx) else own  # the glyph's advance to the next one
            left, baseline = apply(ctm, pen_x, pen_y)
            if glyph not in "\r\n":
                x0 = (x + left) * PT_PER_MM
                width = min(own, step) if step > 0 else own
                page.chars.append(char(glyph, x0, x0 + width * scale_x * PT_PER_MM, (y + baseline) * PT_PER_MM,
                                       size * scale_y * PT_PER_MM, upright))
            pen_x += step
            pen_y += dy[i] if i < len(dy) else 0.0


def advance(glyph: str, size: float) -> float:
    """A glyph's width without the font's metrics: full width for CJK, half for Latin."""
    return size if unicodedata.east_asian_width(glyph) in ("W", "F", "A") else size / 2


def path_object(element, page: OfdPage, name: str) -> None:
    """Ruling lines of a path: a thin path is one line; a larger stroked one gives its straight,
    axis-parallel segments. Filled boxes (shading), white paint and invisible paths are no rules."""
    if element.get("Visible") == "false":
        return
    stroked = element.get("Stroke", "true") != "false" and visible(child(element, "StrokeColor"))
    filled = element.get("Fill", "false") == "true" and visible(child(element, "FillColor"))
    data = child(element, "AbbreviatedData")
    if not (stroked or filled) or data is None or not data.text:
        return
    x, y = boundary(element, name)
    ctm = matrix(element.get("CTM"), name)
    half = number(element.get("LineWidth"), "LineWidth", name) / 2 if element.get("LineWidth") else DEFAULT_LINE_WIDTH / 2
    subpaths = outline(data.text, name)
    points = [p for sub in subpaths for p in sub]
    if not points:
        return

    def at(point):
        px, py = apply(ctm, *point)
        return (x + px) * PT_PER_MM, (y + py) * PT_PER_MM

    placed = [[at(p) for p in sub] for sub in subpaths]
    xs, ys = [p[0] for sub in placed for p in sub], [p[1] for sub in placed for p in sub]
    pad = half * PT_PER_MM if stroked else 0.0
    x0, x1, top, bottom = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    w, h = x1 - x0, bottom - top
    if w <= THIN and h > THIN:
        page.edges.append(ruling_edge((x0 + x1) / 2, top, (x0 + x1) / 2, bottom, "v"))
    elif h <= THIN and w > THIN:
        page.edges.append(ruling_edge(x0, (top + bottom) / 2, x1, (top + bottom) / 2, "h"))
    elif w > THIN and h > THIN and stroked:
        for sub in placed:
            for a, b in zip(sub, sub[1:]):
                add_segment(page.edges, a, b)


def outline(data: str, name: str) -> list[list[tuple[float, float]]]:
    """AbbreviatedData as straight subpaths (lists of points); a curve breaks its subpath."""
    tokens = data.split()
    subpaths: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op not in PATH_ARGS:
            raise ExtractionError(f"corrupt ofd: {name}: unknown path operator {op[:20]!r}")
        args = [number(t, "AbbreviatedData", name) for t in tokens[i + 1: i + 1 + PATH_ARGS[op]]]
        if len(args) < PATH_ARGS[op]:
            raise ExtractionError(f"corrupt ofd: {name}: path operator {op} lacks its coordinates")
        i += 1 + PATH_ARGS[op]
        end = (args[-2], args[-1]) if args else None
        if op == "L" and current:
            current.append(end)
        elif op == "C":
            if len(current) > 1:
                current.append(current[0])
        else:  # a move, or a curve: a new straight run from its end point
            if len(current) > 1:
                subpaths.append(current)
            current = [end]
    if len(current) > 1:
        subpaths.append(current)
    return subpaths


def visible(color) -> bool:
    """Paint that shows on white paper: no colour given is black; white or transparent is not."""
    if color is None:
        return True
    if color.get("Alpha") is not None and color.get("Alpha").strip() == "0":
        return False
    try:
        values = [float(v) for v in (color.get("Value") or "0 0 0").split()]
    except ValueError:
        return True
    return not values or min(values) < 235


# ---------------------------------------------------------------- XML helpers


def local(tag) -> str:
    """An element's name without its namespace (producers differ in prefixes, a few omit it)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(element, name: str):
    if element is None:
        return None
    return next((el for el in element if local(el.tag) == name), None)


def children(element, name: str) -> list:
    return [] if element is None else [el for el in element if local(el.tag) == name]


def number(text: str | None, what: str, name: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ExtractionError(f"corrupt ofd: {name}: {what} {str(text)[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise ExtractionError(f"corrupt ofd: {name}: {what} is not finite")
    return value


def numbers(text: str | None, count: int, what: str, name: str) -> list[float]:
    values = [number(v, what, name) for v in (text or "").split()]
    if len(values) != count:
        raise ExtractionError(f"corrupt ofd: {name}: {what} {str(text)[:40]!r} needs {count} numbers")
    return values


def physical_box(area, name: str) -> tuple[float, float, float, float] | None:
    box = child(area, "PhysicalBox")
    if box is None:
        return None
    values = numbers(box.text, 4, "PhysicalBox", name)
    if values[2] <= 0 or values[3] <= 0:
        raise ExtractionError(f"corrupt ofd: {name}: PhysicalBox has no area")
    return tuple(values)


def boundary(element, name: str) -> tuple[float, float]:
    """The origin of a graphic unit's Boundary, where its own coordinates start."""
    x, y, _w, _h = numbers(element.get("Boundary"), 4, "Boundary", name)
    return x, y


def matrix(text: str | None, name: str) -> Matrix:
    return IDENTITY if text is None else tuple(numbers(text, 6, "CTM", name))


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def deltas(text: str | None, glyphs: int, name: str) -> list[float]:
    """DeltaX / DeltaY: one advance per glyph after the first; ``g N v`` repeats v N times (at
    most as many as there are glyphs: a hostile N allocates nothing)."""
    tokens = (text or "").split()
    out: list[float] = []
    i = 0
    while i < len(tokens) and len(out) < glyphs:
        if tokens[i] == "g":
            if i + 2 >= len(tokens):
                raise ExtractionError(f"corrupt ofd: {name}: 'g' in a delta list lacks its count and value")
            repeat = number(tokens[i + 1], "delta count", name)
            out.extend([number(tokens[i + 2], "delta", name)] * max(0, min(int(repeat), glyphs - len(out))))
            i += 3
        else:
            out.append(number(tokens[i], "delta", name))
            i += 1
    return out
