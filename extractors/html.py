"""Web-page report → text and table grids, from the page's article only.

The article is what archive.webpage finds (navigation, breadcrumbs, footers, scripts
left out); its text reads block by block, and each of its data tables becomes a
Table grid (reading ``html``) the way a DOCX table does: a cell spanning rows or
columns (rowspan / colspan) holds its text at its first position and ``None`` at the
others, an empty cell (``&nbsp;`` included) is ``""``.
"""

from __future__ import annotations

from pathlib import Path

from archive import webpage

from .errors import ExtractionError
from .model import Table
from .normalize import normalize_cell
from .tables import count_header_rows

MAX_SPAN = 100  # a rowspan/colspan beyond this is a broken page, not a table
MAX_CELLS = 200_000
MAX_BYTES = 32 * 1024 * 1024


def read_html(path: str | Path) -> tuple[list[str], list[Table]]:
    """Return ([the article's text, title first], the article's tables)."""
    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise ExtractionError(f"web page refused: over {MAX_BYTES // (1024 * 1024)} MB")
    found = webpage.article(webpage.parse(path.read_bytes()))
    text = found.text
    if found.title and found.title not in text[: len(found.title) + 200]:
        text = f"{found.title}\n{text}"
    tables = []
    for element in found.tables():
        grid = table_grid(element)
        if grid:
            tables.append(Table(page=None, index=len(tables), rows=grid, header_rows=count_header_rows(grid), reading="html"))
    return [text], tables


def table_grid(table) -> list[list[str | None]]:
    """A <table> as a rectangular grid, spans expanded (see the module docstring)."""
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    grid: list[list[str | None]] = []
    pending: dict[tuple[int, int], None] = {}  # positions a rowspan from above covers
    cells = 0
    for r, row in enumerate(rows):
        line: list[str | None] = []
        column = 0
        for cell in row.xpath("./td | ./th"):
            while (r, column) in pending:
                line.append(None)
                column += 1
            rowspan, colspan = _span(cell.get("rowspan")), _span(cell.get("colspan"))
            cells += rowspan * colspan
            if cells > MAX_CELLS:
                raise ExtractionError(f"web page refused: a table of over {MAX_CELLS} cells")
            line.append(normalize_cell(webpage.block_text(cell).replace("\n", " ")) or "")
            line.extend([None] * (colspan - 1))
            for down in range(1, rowspan):
                for across in range(colspan):
                    pending[(r + down, column + across)] = None
            column += colspan
        while (r, column) in pending:
            line.append(None)
            column += 1
        grid.append(line)
    width = max((len(line) for line in grid), default=0)
    grid = [line + [""] * (width - len(line)) for line in grid]
    return [line for line in grid if any(c for c in line)]


def _span(value: str | None) -> int:
    try:
        return min(max(int(str(value).strip() or 1), 1), MAX_SPAN)
    except ValueError:
        return 1
