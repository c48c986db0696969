"""Table grids: build them from positioned cells, join a table continuing on the next
page, recognise header rows.

PDF tables arrive as cells with bounding boxes (from pdfplumber). Laying them out on one
column grid, with columns clustered by their left edges, makes a merged cell take one
position (``None`` at the positions it covers) and lets the rows of a continuation on the
next page line up with the columns of its first part even when that part has fewer
column splits.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Box, Table
from .numbers import is_number

COLUMN_TOLERANCE = 3.0  # points: left edges closer than this are one column


@dataclass
class Cell:
    x0: float
    top: float
    x1: float
    bottom: float
    text: str


@dataclass
class RawTable:
    """A table as found on one page: rows of positioned cells, plus where it sits."""

    page: int
    bbox: tuple[float, float, float, float]
    rows: list[list[Cell]]
    first_on_page: bool = False
    last_on_page: bool = False


def column_edges(rows: list[list[Cell]]) -> list[float]:
    """Cluster the left edges of all cells into column positions."""
    xs = sorted(c.x0 for row in rows for c in row)
    edges: list[float] = []
    for x in xs:
        if not edges or x - edges[-1] > COLUMN_TOLERANCE:
            edges.append(x)
    return edges


def nearest(positions: list[float], x: float) -> int:
    """The index of the position closest to ``x`` (the first of equals)."""
    distances = [abs(position - x) for position in positions]
    return distances.index(min(distances))


def build_grid(rows: list[list[Cell]]) -> tuple[list[list[str | None]], list[list[Box | None]]]:
    """Lay positioned cells on one grid; covered positions are None. Returns the texts and
    each position's cell box."""
    edges = column_edges(rows)
    grid, boxes = [], []
    for row in rows:
        out: list[str | None] = [None] * len(edges)
        out_boxes: list[Box | None] = [None] * len(edges)
        for cell in row:
            i = nearest(edges, cell.x0)
            out[i] = cell.text
            out_boxes[i] = (cell.x0, cell.top, cell.x1, cell.bottom)
        grid.append(out)
        boxes.append(out_boxes)
    return grid, boxes


def continues(prev: RawTable, nxt: RawTable) -> bool:
    """Does ``nxt`` (first on its page) continue ``prev`` (last on the previous page)?"""
    if nxt.page != prev.page + 1 or not (prev.last_on_page and nxt.first_on_page):
        return False
    # Same right edge; the left edge may differ when a row-spanning label cell runs on
    # into the new page without borders of its own (browsers print it so).
    if abs(prev.bbox[2] - nxt.bbox[2]) >= 6:
        return False
    # The column edges of one part must line up with (a subset of) the other's: a part
    # without sub-label rows lacks that column's edge.
    # Edges left of the other part's left border (that unbordered label column) are skipped.
    a, b = column_edges(prev.rows), column_edges(nxt.rows)
    a = [x for x in a if x > nxt.bbox[0] - 6]
    b = [x for x in b if x > prev.bbox[0] - 6]
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) < 2:
        return False
    return all(min(abs(e - x) for e in large) < 6 for x in small)


def join_tables(raw: list[RawTable]) -> list[Table]:
    """Merge page-continued tables and turn each into a Table grid.

    Header rows that the authoring program repeats at the top of each page are dropped,
    and a row that the page break split in two is put back together.
    """
    groups: list[list[RawTable]] = []
    for t in raw:
        if groups and continues(groups[-1][-1], t):
            groups[-1].append(t)
        else:
            groups.append([t])
    tables = []
    for index, group in enumerate(groups):
        grid, grid_boxes = build_grid([row for t in group for row in t.rows])
        rows: list[list[str | None]] = []
        boxes: list[list[Box | None]] = []
        pages: list[int] = []
        start = 0
        for part_number, part in enumerate(group):
            part_rows = grid[start : start + len(part.rows)]
            part_boxes = grid_boxes[start : start + len(part.rows)]
            start += len(part.rows)
            if part_number:
                header = {_row_key(r) for r in rows[: count_header_rows(rows)]}
                while part_rows and _row_key(part_rows[0]) in header:
                    part_rows, part_boxes = part_rows[1:], part_boxes[1:]
                if part_rows and rows and _is_split_remainder(rows[-1], part_rows[0]):
                    rows[-1] = _merge_rows(rows[-1], part_rows[0])
                    part_rows, part_boxes = part_rows[1:], part_boxes[1:]
            rows.extend(part_rows)
            boxes.extend(part_boxes)
            pages.extend([part.page] * len(part_rows))
        tables.append(Table(page=group[0].page, index=index, rows=rows, header_rows=count_header_rows(rows),
                            row_pages=pages, boxes=boxes, reading="ruled"))
    return tables


def _row_key(row: list[str | None]) -> str:
    return "".join(c for c in row if c).replace(" ", "")


def _is_split_remainder(prev: list[str | None], cur: list[str | None]) -> bool:
    """A page break split a row: the part on the new page has only empty cells where the
    part on the old page has figures (and no figure of its own), or the other way round."""
    if len(prev) != len(cur) or any(is_number(c) for c in cur):
        return False
    figure_cols = [i for i, c in enumerate(prev) if is_number(c)]
    if figure_cols:
        return all(cur[i] == "" for i in figure_cols)
    return False


def _merge_rows(a: list[str | None], b: list[str | None]) -> list[str | None]:
    out = []
    for x, y in zip(a, b):
        if x is None or y is None:
            out.append(x if y is None else (y or x))
        else:
            out.append(x + y)
    return out


def count_header_rows(grid: list[list[str | None]]) -> int:
    """Leading rows that hold no figure are header rows."""
    for i, row in enumerate(grid):
        if any(is_number(c) for c in row[1:]):
            return i
    return 0
