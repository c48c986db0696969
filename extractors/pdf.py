"""PDF → page texts and two readings of the tables, the document opened once, in one pass.

The text layer of every page comes from PDFium, close to pdftotext in speed. Tables are
looked for only on pages whose text carries the labels of the report's tables, and read
twice: ``ruled``, pdfplumber's table finder run on PDFium's characters and ruling lines
(pdfium_page), a table that runs on into the next page joined (tables.join_tables); and
``words``, from the characters' positions alone (words). Pages PDFium cannot describe
go to pdfplumber proper, for both readings.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from operator import itemgetter
from pathlib import Path

import pdfplumber
from pdfplumber.utils import extract_text
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES
import pypdfium2 as pdfium

from .errors import ExtractionError
from .model import Table
from .normalize import normalize_cell, normalize_chars
from .pdfium_page import CharsOf, PdfiumPage, clusters, pdfium_page
from .tables import Cell, RawTable, join_tables
from .words import Page, text_by_position, word_tables

for _name in ("pdfminer", "pdfplumber", "pypdfium2"):
    logging.getLogger(_name).setLevel(logging.ERROR)

# Labels that only the report's tables carry; a page without any has no table to find.
TABLE_MARKERS = re.compile(
    r"第二十条|信息内容|申请人情况|本年新收|上年结转|予以公开|不予公开|无法提供|不予处理|其他处理|"
    r"结转下年度|行政复议|行政诉讼|结果维持|尚未审结|总计|部分公开|国家秘密|不掌握|信访|重复申请|出版物|不补正|缴纳费用"
)
TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
    "edge_min_length": 3,
}
OCR_CHARS_PER_PAGE = 20  # fewer text characters than this per page: a scan
# Annual reports run to tens of pages; thousands means a hostile or mistaken file.
MAX_PAGES = 2000


def read_pdf(path: str | Path) -> tuple[list[str], list[Table], int, bool]:
    """Return (raw page texts, tables, page count, needs_ocr)."""
    path = Path(path)
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 8192))
        if b"%%EOF" not in f.read():
            raise ExtractionError("truncated PDF: no %%EOF trailer at the end")
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionError("encrypted PDF: a password is required to open it") from None
        raise ExtractionError(f"unreadable PDF: {exc}") from None
    if len(document) > MAX_PAGES:
        pages = len(document)
        document.close()
        raise ExtractionError(f"PDF refused: {pages} pages (the limit is {MAX_PAGES})")
    texts: list[str] = []
    raw_tables: list[RawTable] = []
    word_pages: list[Page] = []
    fallback: list[int] = []  # table pages PDFium cannot describe: pdfplumber reads them
    try:
        for i in range(len(document)):
            page = document[i]
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
                chars_of = CharsOf(textpage)  # read at most once, for the text and the tables
                if _out_of_order(text):  # text objects written in no particular order
                    text = text_by_position(chars_of(page.get_height()))
                texts.append(text)
                if has_table_labels(text):
                    described = pdfium_page(page, textpage, chars_of)
                    if described is None:
                        fallback.append(i)
                    else:
                        raw_tables.extend(page_tables(described, i + 1))
                        word_pages.append(Page(i + 1, described.chars, described.width, described.height))
            finally:
                textpage.close()
                page.close()
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"unreadable PDF: {exc}") from None
    finally:
        document.close()
    if not texts:
        raise ExtractionError("unreadable PDF: no pages")
    chars = sum(len(re.sub(r"\s", "", t)) for t in texts)
    if chars < OCR_CHARS_PER_PAGE * len(texts):
        return texts, [], len(texts), True
    if fallback:
        ruled, pages = _plumber_tables(path, fallback)
        raw_tables.extend(ruled)
        raw_tables.sort(key=lambda t: (t.page, t.bbox[1]))
        word_pages = sorted(word_pages + pages, key=lambda p: p.number)
    return texts, both_readings(raw_tables, word_pages), len(texts), False


def has_table_labels(text: str) -> bool:
    """Whether a page's text carries labels only the report's tables have (TABLE_MARKERS)."""
    return TABLE_MARKERS.search(re.sub(r"\s+", "", normalize_chars(text))) is not None


def both_readings(raw_tables: list[RawTable], word_pages: list[Page]) -> list[Table]:
    """The ruled tables (joined over page breaks), then the words reading of each run of
    consecutive table pages, numbered in that order."""
    tables = join_tables(raw_tables)
    for run in _consecutive(word_pages):
        for table in word_tables(run):
            table.index = len(tables)
            tables.append(table)
    return tables


def _out_of_order(text: str) -> bool:
    """PDFium gives the text in the order it was written; a page whose lines hold a character
    or two on average was written glyph by glyph in no reading order."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 20 and sum(len(line.strip()) for line in lines) / len(lines) < 3


def _consecutive(pages: list[Page]) -> list[list[Page]]:
    """Runs of consecutive page numbers: a table may go on from one page to the next."""
    runs: list[list[Page]] = []
    for page in pages:
        if runs and page.number == runs[-1][-1].number + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return runs


def _plumber_tables(path: Path, page_indexes: list[int]) -> tuple[list[RawTable], list[Page]]:
    raw: list[RawTable] = []
    pages: list[Page] = []
    try:
        with pdfplumber.open(path) as pdf:
            for i in page_indexes:
                page = pdf.pages[i]
                raw.extend(page_tables(page, i + 1))
                pages.append(Page(i + 1, page.chars, page.width, page.height))
    except Exception as exc:  # pdfminer fails in many ways on damaged files
        raise ExtractionError(f"unreadable PDF tables: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    return raw, pages


def page_tables(page, page_number: int) -> list[RawTable]:
    found = page.find_tables(TABLE_SETTINGS)
    if not found:
        return []
    missing = _missing_borders(page, found)
    if missing:
        found = page.find_tables(dict(TABLE_SETTINGS, explicit_horizontal_lines=missing))
    found.sort(key=lambda t: t.bbox[1])
    centres = CharCentres(page.chars) if isinstance(page, PdfiumPage) else None
    out = []
    for table in found:
        table_rows = table.rows
        texts = cell_texts(table_rows, centres) if centres is not None else table.extract()
        rows = []
        for row, row_texts in zip(table_rows, texts):
            cells = [
                Cell(*bbox, text=normalize_cell(text) or "")
                for bbox, text in zip(row.cells, row_texts)
                if bbox is not None
            ]
            if cells:
                rows.append(cells)
        if len(rows) > 1 or (rows and len(rows[0]) > 1):  # a lone box frames a title: no table
            out.append(RawTable(page=page_number, bbox=tuple(table.bbox), rows=rows))
    if out:
        # First/last thing on the page (page furniture aside): candidates for a page join.
        out[0].first_on_page = not _text_outside(page, 0, out[0].bbox[1])
        out[-1].last_on_page = not _text_outside(page, out[-1].bbox[3], page.height)
    return out


class CharCentres:
    """A page's characters by the centre of their box, sorted top to bottom, to find those
    in a row without scanning the whole page."""

    def __init__(self, chars: list[dict]):
        located = [((c["top"] + c["bottom"]) / 2, n, (c["x0"] + c["x1"]) / 2, c) for n, c in enumerate(chars)]
        self.located = sorted(item for item in located if item[0] == item[0] and item[2] == item[2])  # NaN: no box
        self.middles = [item[0] for item in self.located]

    def in_box(self, x0: float, top: float, x1: float, bottom: float) -> list[tuple]:
        """(vertical centre, page order, horizontal centre, char) of the characters whose
        centre lies in the half-open box, top to bottom."""
        start, end = bisect_left(self.middles, top), bisect_left(self.middles, bottom)
        return [item for item in self.located[start:end] if x0 <= item[2] < x1]


def cell_texts(rows, centres: CharCentres) -> list[list[str | None]]:
    """What pdfplumber's ``Table.extract()`` returns for these rows and characters, faster.

    Same rule (a character belongs to the cell holding its centre, half-open box) and
    the same text per cell (``_cell_text``); each centre is computed once per page and a row's
    characters are looked up by their vertical centre instead of scanning the page's.
    """
    out: list[list[str | None]] = []
    for row in rows:
        in_row = sorted(centres.in_box(*row.bbox), key=itemgetter(2))  # by horizontal centre
        across = [item[2] for item in in_row]
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            cx0, ctop, cx1, cbottom = cell
            inside = in_row[bisect_left(across, cx0) : bisect_left(across, cx1)]
            cell_chars = [item[3] for item in sorted(inside, key=itemgetter(1)) if ctop <= item[0] < cbottom]
            texts.append(_cell_text(cell_chars))
        out.append(texts)
    return out


def _cell_text(chars: list[dict]) -> str:
    """``extract_text(chars)`` (pdfplumber's defaults) without its per-word dicts and maps.

    The same steps on upright characters: lines by ``top`` (values chained within the y
    tolerance), each left to right (stable on x0) and cut into words where a character
    starts before the last one or beyond its end plus the x tolerance, or sits more than
    the y tolerance off its top; blanks end a word; ligatures expanded; then the words
    clustered into lines by their top, joined by spaces and line breaks. Anything else
    (rotated or textless characters, a NaN position) goes through ``extract_text`` itself.
    """
    if not chars:
        return ""
    top = chars[0]["top"]
    one_line = True  # every top the same: clusters() would give the characters as they are
    for c in chars:
        if c["upright"] is not True or not c["text"] or c["top"] != c["top"]:
            return extract_text(chars)
        if c["top"] != top:
            one_line = False
    words: list[list[dict]] = []
    for line in [chars] if one_line else clusters(chars, _top, DEFAULT_Y_TOLERANCE):
        line.sort(key=_x0)
        word: list[dict] = []
        for char in line:
            if char["text"].isspace():
                if word:
                    words.append(word)
                word = []
                continue
            if word:
                last = word[-1]
                if (char["x0"] < last["x0"] or char["x0"] > last["x1"] + DEFAULT_X_TOLERANCE
                        or abs(char["top"] - last["top"]) > DEFAULT_Y_TOLERANCE):
                    words.append(word)
                    word = []
            word.append(char)
        if word:
            words.append(word)
    if len(words) == 1:  # most cells: one word
        return _word_text(words[0])
    placed = [(min(c["top"] for c in word), _word_text(word)) for word in words]
    return "\n".join(" ".join(text for _, text in line) for line in clusters(placed, itemgetter(0), DEFAULT_Y_TOLERANCE))


def _word_text(chars: list[dict]) -> str:
    return "".join([LIGATURES.get(c["text"], c["text"]) for c in chars])


def _x0(char: dict) -> float:
    return char["x0"]


def _top(char: dict) -> float:
    return char["top"]


def _missing_borders(page, found) -> list[float]:
    """Close tables whose first or last row has no horizontal border.

    A browser printing a table that runs over a page break draws the cells' side
    borders but no top border on the new page (nor a bottom one on the old): vertical
    rules that run past the table's top or bottom mark such a row.
    """
    vertical = [e for e in page.edges if e["orientation"] == "v"]
    lines = []
    for table in found:
        x0, top, x1, bottom = table.bbox
        inside = [e for e in vertical if x0 - 2 <= e["x0"] <= x1 + 2]
        above = [e["top"] for e in inside if e["top"] < top - 3 and e["bottom"] >= top - 1]
        below = [e["bottom"] for e in inside if e["bottom"] > bottom + 3 and e["top"] <= bottom + 1]
        if above:
            lines.append(min(above))
        if below:
            lines.append(max(below))
    return lines


def _text_outside(page, top: float, bottom: float) -> str:
    """Text whose characters sit (by their centre) between ``top`` and ``bottom``,
    minus page numbers and the running header and footer zones."""
    # Running headers and footers (top and bottom 7% of the page) do not count.
    top, bottom = max(top, 0.07 * page.height), min(bottom, 0.93 * page.height)
    if bottom - top < 1:
        return ""
    lines: dict[int, list[str]] = {}
    for c in page.chars:
        middle = (c["top"] + c["bottom"]) / 2
        if top <= middle <= bottom and c["text"].strip():
            lines.setdefault(round(middle / 4), []).append(c["text"])
    texts = ["".join(chars) for _, chars in sorted(lines.items())]
    page_number = re.compile(r"[-—–]*(第)?\d+(页)?(/\d+)?(共\d+页)?[-—–]*")
    return "\n".join(t for t in texts if not page_number.fullmatch(t))
