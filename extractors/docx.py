"""DOCX → paragraphs and tables in document order, merged cells resolved once.

Reads the text the way Word, WPS Office and CMS templates wrap it:

- content controls (w:sdt) and custom XML at block, row, cell and run level, opened up;
- hyperlinks, smart tags, simple fields and tracked insertions inside a paragraph (text that
  python-docx's ``Paragraph.text`` drops); tracked deletions (w:del, w:moveFrom) left out;
- text boxes (w:txbxContent), after the paragraph they are anchored in; of an
  mc:AlternateContent only the first mc:Choice is read (else the mc:Fallback), so the VML copy
  that Word writes beside a DrawingML text box is never read twice;
- tables nested in a layout table (one cell, or a few cells around tables): the wrapper is no
  table, its paragraphs are text and the tables in it are tables of their own. A table nested
  in a data table's cell is a table of its own too, numbered after the table around it.

python-docx's ``row.cells`` repeats a merged cell at every grid position it covers; here the
grid is built from the XML (w:gridBefore, w:gridSpan, w:vMerge, w:hMerge, w:gridAfter) so a
merged cell's text appears once, at its first position, with ``None`` at the positions it covers
(and where a short row has no cell); ``""`` is an empty cell.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml.exceptions import InvalidXmlError
from docx.oxml.ns import qn

from .errors import ExtractionError
from .model import Table
from .normalize import normalize_cell
from .numbers import is_number
from .safety import check_docx_package
from .tables import count_header_rows

MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
ALTERNATE, CHOICE, FALLBACK = MC + "AlternateContent", MC + "Choice", MC + "Fallback"
P, TBL, TR, TC, R = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r")
SDT, SDT_CONTENT, CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
TEXT_BOX = qn("w:txbxContent")
# Inside a paragraph: what is not (or no longer) its text.
NOT_TEXT = frozenset(qn(t) for t in ("w:del", "w:moveFrom", "w:pPr", "w:rPr", "w:sdtPr", "w:sdtEndPr"))

LAYOUT_MAX_CELLS = 6  # a table around tables with at most this many cells (and no figures) is page layout
MAX_COLUMNS = 256  # Word allows 63; a hostile gridSpan must not allocate a giant grid


def read_docx(path: str | Path) -> tuple[str, list[Table], int | None]:
    """Return (raw_text, tables, pages) for a DOCX; tables' text is also in raw_text."""
    check_docx_package(path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ExtractionError(f"unreadable docx: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    reader = BodyReader()
    try:
        reader.content(document.element.body, reader.blocks)
    except RecursionError:
        raise ExtractionError("docx refused: content nested too deep") from None
    except (ValueError, InvalidXmlError) as exc:  # a damaged attribute (w:gridSpan="x", no w:val) python-docx read
        raise ExtractionError(f"corrupt docx: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    return "\n".join(reader.blocks), reader.tables, _page_count(document)


# A DOCX of scanned pages holds one image a page; more than this is no scan to OCR.
MAX_IMAGES = 200
MAX_IMAGE_BYTES = 200 * 1024 * 1024  # all images together


def docx_images(path: str | Path) -> list[bytes]:
    """The images of a DOCX's body in document order (a scan pasted into Word), bounded."""
    try:
        document = docx.Document(str(path))
        parts = document.part.related_parts
        images, total = [], 0
        for blip in document.element.body.iter(qn("a:blip")):
            part = parts.get(blip.get(qn("r:embed")))
            if part is None or not part.content_type.startswith("image/"):
                continue
            images.append(part.blob)
            total += len(part.blob)
            if len(images) > MAX_IMAGES or total > MAX_IMAGE_BYTES:
                raise ExtractionError(f"docx refused: more than {MAX_IMAGES} images or {MAX_IMAGE_BYTES >> 20} MB of them to OCR")
    except ExtractionError:
        raise
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ExtractionError(f"unreadable docx images: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    return images


class BodyReader:
    """Walks block content in document order: paragraph texts go to the list the caller
    passes (the document's blocks, or a cell's lines), tables to ``tables`` and ``blocks``."""

    def __init__(self):
        self.blocks: list[str] = []
        self.tables: list[Table] = []

    def content(self, container, lines: list[str]) -> None:
        """The paragraphs and tables of a body, cell or text box."""
        for element in opened(container):
            if element.tag == P:
                self.paragraph(element, lines)
            elif element.tag == TBL:
                self.table(element, lines)

    def paragraph(self, p, lines: list[str]) -> None:
        lines.append(paragraph_text(p))
        for box in text_boxes(p):
            self.content(box, lines)

    def table(self, tbl, lines: list[str]) -> None:
        rows = table_rows(tbl)
        if is_layout(rows):
            for _tr, cells in rows:
                for tc in cells:
                    self.content(tc, lines)
            return
        # Reserve this table's number and text block: tables nested in its cells come after it.
        index, block = len(self.tables), len(self.blocks)
        self.tables.append(None)
        self.blocks.append("")
        grid = self.grid(rows)
        self.tables[index] = Table(page=None, index=index, rows=grid, header_rows=count_header_rows(grid), reading="docx")
        self.blocks[block] = "\n".join("\t".join(c for c in row if c) for row in grid)

    def grid(self, rows) -> list[list[str | None]]:
        """Rows of (column, text-or-None) placed on the table grid, then made rectangular."""
        placed: list[list[tuple[int, str | None]]] = []
        width = 0
        for tr, cells in rows:
            col = max(0, tr.grid_before)
            row = []
            for tc in cells:
                covered = tc.vMerge == "continue" or _merge_value(tc, "w:hMerge") == "continue"
                if col < MAX_COLUMNS:
                    row.append((col, None if covered else self.cell_text(tc)))
                col += max(1, tc.grid_span)
            width = max(width, min(col + max(0, tr.grid_after), MAX_COLUMNS))
            placed.append(row)
        grid = []
        for row in placed:
            cells: list[str | None] = [None] * width
            for col, text in row:
                cells[col] = text
            grid.append(cells)
        return grid

    def cell_text(self, tc) -> str:
        lines: list[str] = []
        self.content(tc, lines)
        return normalize_cell("\n".join(lines)) or ""


def opened(parent):
    """Children of ``parent`` with content controls, custom XML and alternate content opened up."""
    for child in parent.iterchildren():
        if child.tag == SDT:
            for content in child.iterchildren(SDT_CONTENT):
                yield from opened(content)
        elif child.tag == CUSTOM_XML:
            yield from opened(child)
        elif child.tag == ALTERNATE:
            branch = chosen(child)
            if branch is not None:
                yield from opened(branch)
        else:
            yield child


def chosen(alternate):
    """The branch of an mc:AlternateContent to read: its first mc:Choice, else its mc:Fallback."""
    branch = next(alternate.iterchildren(CHOICE), None)
    return branch if branch is not None else next(alternate.iterchildren(FALLBACK), None)


def table_rows(tbl) -> list[tuple[object, list]]:
    """(w:tr, its w:tc cells) of a table, rows in content controls included, deleted rows left out."""
    rows = []
    for tr in opened(tbl):
        if tr.tag == TR and tr.find(f"{qn('w:trPr')}/{qn('w:del')}") is None:
            rows.append((tr, [tc for tc in opened(tr) if tc.tag == TC]))
    return rows


def is_layout(rows) -> bool:
    """A one-cell table, or a few cells around a table with no figure of their own: page layout, not data."""
    cells = [tc for _tr, row in rows for tc in row]
    if len(cells) == 1:
        return True
    if len(cells) > LAYOUT_MAX_CELLS:
        return False
    content = [el for tc in cells for el in opened(tc)]
    return any(el.tag == TBL for el in content) and not any(
        el.tag == P and is_number(paragraph_text(el)) for el in content)


def paragraph_text(element) -> str:
    """A paragraph's text: runs (python-docx renders their w:t, w:tab, w:br) wherever they are
    wrapped, deleted runs left out."""
    parts = []
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in NOT_TEXT:
            continue  # comments, properties, deletions
        if tag == R:
            parts.append(child.text or "")
        elif tag == ALTERNATE:
            branch = chosen(child)
            if branch is not None:
                parts.append(paragraph_text(branch))
        else:  # w:hyperlink, w:smartTag, w:ins, w:moveTo, w:fldSimple, w:sdt(Content), w:customXml, w:bdo, w:dir
            parts.append(paragraph_text(child))
    return "".join(parts)


def text_boxes(element):
    """The text boxes anchored in a paragraph, each once (one branch of each mc:AlternateContent)."""
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in NOT_TEXT:
            continue
        if tag == TEXT_BOX:
            yield child  # boxes inside it are found when its paragraphs are read
        elif tag == ALTERNATE:
            branch = chosen(child)
            if branch is not None:
                yield from text_boxes(branch)
        else:
            yield from text_boxes(child)


def _merge_value(tc, tag: str) -> str | None:
    """w:hMerge (or w:vMerge) of a cell: "restart", "continue" (also when bare) or None."""
    tc_pr = tc.tcPr
    merge = tc_pr.find(qn(tag)) if tc_pr is not None else None
    if merge is None:
        return None
    return merge.get(qn("w:val"), "continue")


def _page_count(document) -> int | None:
    """Pages as counted by the authoring program when it last saved (docProps/app.xml), if trustworthy."""
    try:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        part = document.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    except Exception:
        return None
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(part.blob)
    except Exception:
        return None
    values = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in root}
    # A template's stale statistics (python-docx writes Pages 1, Words 0) are no count.
    if not values.get("Pages", "").isdigit() or values.get("Characters", "0") in ("", "0"):
        return None
    return int(values["Pages"])
