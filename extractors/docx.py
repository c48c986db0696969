"""DOCX → paragraphs and tables in document order, merged cells resolved once.

python-docx's ``row.cells`` repeats a merged cell at every grid position it covers;
here the grid is built from the XML (w:gridBefore, w:gridSpan, w:vMerge) so a merged
cell's text appears once, at its first position, with ``None`` at the positions it covers.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml.ns import qn

from .errors import ExtractionError
from .model import Table
from .normalize import normalize_cell
from .safety import check_docx_package
from .tables import count_header_rows


def read_docx(path: str | Path) -> tuple[str, list[Table], int | None]:
    """Return (raw_text, tables, pages) for a DOCX; tables' text is also in raw_text."""
    check_docx_package(path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ExtractionError(f"unreadable docx: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    blocks: list[str] = []
    tables: list[Table] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            blocks.append(_paragraph_text(element))
        elif element.tag == qn("w:tbl"):
            grid = table_grid(element)
            tables.append(Table(page=None, index=len(tables), rows=grid, header_rows=count_header_rows(grid), reading="docx"))
            blocks.append("\n".join("\t".join(c for c in row if c) for row in grid))
        elif element.tag == qn("w:sdt"):
            for p in element.iter(qn("w:p")):
                blocks.append(_paragraph_text(p))
    return "\n".join(blocks), tables, _page_count(document)


def _paragraph_text(p) -> str:
    """A paragraph's text: runs, tabs and breaks (python-docx's own rendering of w:p)."""
    from docx.text.paragraph import Paragraph

    return Paragraph(p, None).text


def table_grid(tbl) -> list[list[str | None]]:
    """Resolve a w:tbl into a rectangular grid of cell texts (see module docstring)."""
    rows: list[list[tuple[int, int, str | None]]] = []  # (column, span, text-or-None)
    width = 0
    for tr in tbl.iterchildren(qn("w:tr")):
        col = tr.grid_before
        cells = []
        for tc in tr.iterchildren(qn("w:tc")):
            span = tc.grid_span
            vmerge = tc.vMerge  # "restart", "continue" or None
            text = None if vmerge == "continue" else _cell_text(tc)
            cells.append((col, span, text))
            col += span
        width = max(width, col)
        rows.append(cells)
    grid: list[list[str | None]] = []
    for cells in rows:
        row: list[str | None] = [None] * width
        for col, _span, text in cells:
            row[col] = text
        grid.append(row)
    return grid


def _cell_text(tc) -> str:
    lines = [_paragraph_text(p) for p in tc.iterchildren(qn("w:p"))]
    for nested in tc.iterchildren(qn("w:tbl")):
        lines.extend("\t".join(c for c in row if c) for row in table_grid(nested))
    return normalize_cell("\n".join(lines)) or ""


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
