"""The reading of a table from positioned words: rows by baseline, values by column position.

A table whose cells are not closed by ruling lines (none at all, or only some) still
prints each row's figures side by side on one baseline, under its column headers. This
reading rebuilds such a table from the characters of the page's text layer alone:

1. characters → lines (by vertical centre) → tokens (split where the gap between two
   characters is wider than a fraction of their height);
2. a line ending in figures (or blank marks: '-', '/') is a value row; its other tokens
   are its label; lines of text alone in the label area are wrapped parts of a label, or
   group labels, and join the nearest value row; lines of text over the value area are
   header rows;
3. the value tokens of a run of rows are clustered by their horizontal centre into
   columns; header fragments join the column they sit over (stacked header words are
   concatenated top to bottom);
4. the result is a Table grid like the ruled reading's — label, then one cell per
   column, ``""`` where a row prints nothing in a column — that the report parser reads
   with the same rules. Narrative lines and section headings end a table.

Each value cell keeps the box of its token, so a figure from this reading can be shown
on the page like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter, methodcaller

from .labels import active_item, compact, request_items
from .model import Box, Table
from .normalize import normalize_chars
from .numbers import is_value
from .tables import nearest

# A character's text, box and OCR word confidence, as read from its dict.
_TEXT, _X0, _TOP, _BOTTOM = (itemgetter(key) for key in ("text", "x0", "top", "bottom"))
_BOX = itemgetter("x0", "top", "x1", "bottom")
_CONFIDENCE = methodcaller("get", "confidence")
# Two characters further apart than this (times their height) are two tokens.
TOKEN_GAP = 0.45
# Value tokens whose centres are closer than this (times the median value height) share a column.
COLUMN_GAP = 1.2
# Words that open a table's header or mark its rows; a line with none of them and no figure,
# spanning most of the page, is narrative text.
TABLE_WORDS = re.compile(
    r"第二十条|信息内容|申请人情况|自然人|法人或其他组织|商业|科研|公益|法律服务|总计|合计|本年新收|上年结转|"
    r"办理结果|予以公开|部分公开|不予公开|无法提供|不予处理|其他处理|结转下年度|行政复议|行政诉讼|结果维持|"
    r"结果纠正|其他结果|尚未审结|复议后起诉|直接起诉|制发|废止|现行有效|处理决定|收费金额|采购|项目数量|增/减|增减"
)
# A report's section headings (二、主动公开政府信息情况 …) end the table before them.
SECTION_HEADING = re.compile(
    r"^(?:[一二三四五六][、.]|[1-6][、.])\S*(?:总体情况|主动公开政府信息|收到和处理|行政复议|行政诉讼|存在的主要问题|"
    r"改进情况|其他需要报告)"
)


@dataclass
class Token:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    offset: float = 0.0  # as Line.offset
    confidence: float | None = None  # OCR: the least of its words' confidences

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2 + self.offset

    @property
    def box(self) -> Box:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class Line:
    tokens: list[Token]
    top: float
    bottom: float
    page: int = 0
    offset: float = 0.0  # added to page positions: the pages of a table laid end to end

    def __post_init__(self):
        self.text = "".join([t.text for t in self.tokens])
        self.compact = compact(self.text)  # every line is weighed by it
        count = 0  # the trailing tokens that are figures or blank marks
        for token in reversed(self.tokens):
            if not is_value(token.text):
                break
            count += 1
        self._values = self.tokens[len(self.tokens) - count:] if count else []

    @property
    def middle(self) -> float:
        """Vertical centre on the pages laid end to end (a row split by a page break stays whole)."""
        return (self.top + self.bottom) / 2 + self.offset

    def values(self) -> list[Token]:
        """The trailing tokens that are figures or blank marks: a value row's figures."""
        return self._values

    def label_tokens(self) -> list[Token]:
        return self.tokens[: len(self.tokens) - len(self._values)]


@dataclass
class Row:
    """A value row: its label fragments (any number of lines) and its value tokens."""

    values: list[Token]
    label: list[Token] = field(default_factory=list)
    middle: float = 0.0
    page: int = 0


@dataclass
class Page:
    """One page's characters (pdfplumber's char dicts: text, x0, x1, top, bottom)."""

    number: int
    chars: list[dict]
    width: float
    height: float


def lines_of(chars: list[dict]) -> list[Line]:
    """Group characters into lines by vertical centre, each line's characters left to right."""
    ordered = [((c["top"] + c["bottom"]) / 2, c["x0"], n, c) for n, c in enumerate(chars) if c["text"].strip()]
    ordered.sort()
    groups: list[list[dict]] = []
    last: list[dict] = []
    total = 0.0  # sum of the vertical centres of the last group's characters
    first_height = 0.0  # the height of the last group's first character
    for middle, _, _, char in ordered:
        height = char["bottom"] - char["top"]
        if last and abs(middle - total / len(last)) <= 0.35 * (height if height > first_height else first_height):
            last.append(char)
            total += middle
            continue
        last = [char]
        groups.append(last)
        total, first_height = middle, height
    confident = any("confidence" in c for c in chars)  # OCR words: their tokens keep the least
    lines = []
    for group in groups:
        group.sort(key=_X0)
        lines.append(Line(_tokens(group, confident), min(map(_TOP, group)), max(map(_BOTTOM, group))))
    return lines


def _tokens(chars: list[dict], confident: bool) -> list[Token]:
    """A line's characters (left to right, no blanks among them) cut where the gap is wide;
    ``confident`` when characters may carry a confidence. Each token's box is folded as
    its characters join it (the min and max of their edges, in their order)."""
    tokens: list[Token] = []
    if not chars:
        return tokens
    part = [chars[0]]
    x0, top, x1, bottom = _BOX(chars[0])
    previous_x1, previous_height = x1, bottom - top
    for char in chars[1:]:
        char_x0, char_top, char_x1, char_bottom = _BOX(char)
        height = char_bottom - char_top
        # max(previous_height, height, 1.0), spelt out: this runs once per character
        taller = height if height > previous_height else previous_height
        if char_x0 - previous_x1 <= TOKEN_GAP * (1.0 if 1.0 > taller else taller):
            part.append(char)
            if char_x0 < x0:
                x0 = char_x0
            if char_top < top:
                top = char_top
            if char_x1 > x1:
                x1 = char_x1
            if char_bottom > bottom:
                bottom = char_bottom
        else:
            _add_token(tokens, part, (x0, top, x1, bottom), confident)
            part = [char]
            x0, top, x1, bottom = char_x0, char_top, char_x1, char_bottom
        previous_x1, previous_height = char_x1, height
    _add_token(tokens, part, (x0, top, x1, bottom), confident)
    return tokens


def _add_token(tokens: list[Token], part: list[dict], box: Box, confident: bool) -> None:
    text = normalize_chars("".join(map(_TEXT, part))).replace(" ", "")
    if not text:
        return
    confidences = [v for v in map(_CONFIDENCE, part) if v is not None] if confident else None
    tokens.append(Token(text, *box, confidence=min(confidences) if confidences else None))


def text_by_position(chars: list[dict]) -> str:
    """A page's text in reading order, from where its characters sit: lines top to bottom,
    each left to right, tokens apart by a space."""
    return "\n".join(" ".join(t.text for t in line.tokens) for line in lines_of(chars))


def word_tables(pages: list[Page], reading: str = "words") -> list[Table]:
    """The tables of consecutive pages, read from their positioned characters (see module
    docstring). A table that runs on to the next page continues there: its lines are laid
    end to end, the page margins and running headers and footers left out. ``reading``
    names the tables' reading ("ocr" for words OCR read, whose confidences the cells keep)."""
    lines: list[Line] = []
    for page in pages:
        page_lines = [line for line in lines_of(page.chars) if not _furniture(line, page.height)]
        if lines and page_lines:
            offset = lines[-1].bottom + lines[-1].offset - page_lines[0].top + (page_lines[0].bottom - page_lines[0].top)
        else:
            offset = 0.0
        for line in page_lines:
            line.page, line.offset = page.number, offset
            for token in line.tokens:
                token.offset = offset
        lines.extend(page_lines)
    width = max((page.width for page in pages), default=0.0)
    tables = []
    for block in _blocks(lines, width):
        for part in _parts(block):
            table = _grid(part, len(tables), reading)
            if table is not None:
                tables.append(table)
    return tables


PAGE_NUMBER = re.compile(r"^[-—–]*(第)?\d+(页)?(/\d+)?(共\d+页)?[-—–]*$")


def _furniture(line: Line, height: float) -> bool:
    """A running header or footer, or a page number, in the page's top or bottom margin."""
    if 0.07 * height < line.middle < 0.93 * height:
        return False
    return PAGE_NUMBER.match(line.compact) is not None or not TABLE_WORDS.search(line.compact)


def _is_narrative(line: Line, page_width: float) -> bool:
    text = line.compact
    if line.values():
        return False
    if SECTION_HEADING.match(text):
        return True
    wide = (line.tokens[-1].x1 - line.tokens[0].x0) > 0.6 * page_width and len(line.tokens) <= 2
    return (wide or len(text) > 40) and not TABLE_WORDS.search(text)


def _blocks(lines: list[Line], page_width: float) -> list[list[Line]]:
    """Runs of table lines between narrative lines, each holding at least two value rows."""
    blocks, current = [], []
    for line in lines:
        if _is_narrative(line, page_width):
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return [b for b in blocks if sum(1 for line in b if line.values() and len(line.values()) >= 1) >= 1
            and any(TABLE_WORDS.search(line.compact) for line in b)]


def _parts(block: list[Line]) -> list[list[Line]]:
    """A block cut before each header that follows value rows (table 二's small tables)."""
    value_lines = [line for line in block if line.values()]
    if not value_lines:
        return []
    value_left = min(t.x0 for line in value_lines for t in line.values())
    parts: list[list[Line]] = [[]]
    seen_values = False
    for line in block:
        values = line.values()
        heads = not values and any(t.centre >= value_left - 2 for t in line.tokens)
        if heads and seen_values:
            parts.append([])
            seen_values = False
        parts[-1].append(line)
        seen_values = seen_values or bool(values)
    return [part for part in parts if any(line.values() for line in part)]


def _grid(block: list[Line], index: int, reading: str = "words") -> Table | None:
    value_lines = [line for line in block if line.values()]
    if not value_lines:
        return None
    value_left = min(t.x0 for line in value_lines for t in line.values())
    columns = _columns([t for line in value_lines for t in line.values()])
    if not columns:
        return None
    spacing = min((b - a for a, b in zip(columns, columns[1:])), default=0.0)
    spanning: list[list[Token]] = [[] for _ in columns]  # header words over several columns (申请人情况)
    header: list[list[Token]] = [[] for _ in columns]  # header words over one column, top to bottom
    corner: list[Token] = []  # header text over the label columns
    rows: list[Row] = []
    loose: list[tuple[float, Token]] = []  # label fragments without values: wrapped parts, group labels
    # The header ends with the last line over the value columns before the first value row;
    # label text below it is already a row's (the first line of a wrapped label).
    first_values = next(i for i, line in enumerate(block) if line.values())
    header_end = max((i for i, line in enumerate(block[:first_values])
                      if any(t.centre >= value_left - 2 for t in line.tokens)), default=-1)
    for number, line in enumerate(block):
        values = line.values()
        if values:
            rows.append(Row(values, line.label_tokens(), line.middle, line.page))
            continue
        for token in line.tokens:
            if token.centre < value_left - 2:
                (corner.append(token) if number <= header_end else loose.append((line.middle, token)))
            elif spacing and token.x1 - token.x0 > 1.5 * spacing:
                spanning[nearest(columns, token.centre)].append(token)
            else:
                header[nearest(columns, token.centre)].append(token)
    if not rows:
        return None
    _attach_label_fragments(rows, [token for _, token in loose])
    width = len(columns) + 1
    grid: list[list[str | None]] = []
    boxes: list[list[Box | None]] = []
    for cells in (spanning, header):
        if any(cells):
            label = "".join(t.text for t in _reading_order(corner)) if cells is header else ""
            grid.append([label] + ["".join(t.text for t in sorted(c, key=lambda t: (t.top, t.x0))) for c in cells])
            boxes.append([None] * width)
    header_rows = len(grid)
    confidences: list[list[float | None]] = [[None] * width for _ in grid]
    for row in rows:
        cells: list[str | None] = [""] * len(columns)
        cell_boxes: list[Box | None] = [None] * len(columns)
        cell_confidences: list[float | None] = [None] * len(columns)
        for token in row.values:
            column = nearest(columns, token.centre)
            if cells[column]:
                return None  # two figures under one column: the columns are not what they seem
            cells[column], cell_boxes[column], cell_confidences[column] = token.text, token.box, token.confidence
        grid.append(["".join(t.text for t in _reading_order(row.label))] + cells)
        boxes.append([None] + cell_boxes)
        confidences.append([None] + cell_confidences)
    pages = [block[0].page] * header_rows + [row.page for row in rows]
    return Table(page=pages[0], index=index, rows=grid, header_rows=header_rows, row_pages=pages, boxes=boxes,
                 reading=reading, confidences=confidences if reading == "ocr" else [])


def _attach_label_fragments(rows: list[Row], fragments: list[Token]) -> None:
    """Give every label line of no value row (a wrapped line, a group label) to a value row.

    Labels and figures of one row need not share a baseline (labels set at the top of tall
    cells, figures centred), so two associations are made and a row keeps a label only where
    they agree: by distance (each line to its nearest row, moved to the row on its other side
    when that leaves more rows naming one canonical row) and by order (the label lines cut
    into numbered or naming heads with the lines continuing them; the k-th row head labels
    the k-th value row). A row the two give different lines gets no label, so its figures
    are not read; when the heads cannot be matched to the rows, rows keep only the text on
    their own baseline.
    """
    if not fragments:
        return
    starts = sorted(row.label[-1].x0 for row in rows if row.label)
    item_left = starts[len(starts) // 2] - 3 if starts else min(t.x0 for t in fragments)
    ordered, openers, own = _by_order(rows, fragments)
    if ordered is None:
        return
    by_distance = _by_distance(rows, fragments, item_left)
    for row, near, order in zip(rows, by_distance, ordered):
        near_own = [t for t in near if id(t) in own]
        order_own = [t for t in order if id(t) in own]
        if len(near_own) == len(order_own) and all(a is b for a, b in zip(near_own, order_own)):
            row.label = order  # the same lines: the same head, the same names
            continue
        same_head = {id(t) for t in near_own} & openers == {id(t) for t in order_own} & openers
        row.label = order if same_head and _names(near_own) == _names(order_own) else []


def _by_distance(rows: list[Row], fragments: list[Token], item_left: float) -> list[list[Token]]:
    labels = {id(row): list(row.label) for row in rows}
    items = sorted((t for t in fragments if t.x0 >= item_left), key=lambda t: t.middle)
    for block in _blocks_of_lines(sorted((t for t in fragments if t.x0 < item_left), key=lambda t: t.middle)):
        middle = (block[0].middle + block[-1].middle) / 2
        labels[id(min(rows, key=lambda row: abs(row.middle - middle)))].extend(block)
    owner: dict[int, Row] = {}
    neighbours: dict[int, list[Row]] = {}  # the last row above a fragment and the first below
    for fragment in items:
        middle = fragment.middle
        owner[id(fragment)] = min(rows, key=lambda row: abs(row.middle - middle))
        labels[id(owner[id(fragment)])].append(fragment)
        above = [row for row in rows if row.middle <= middle]
        below = [row for row in rows if row.middle > middle]
        neighbours[id(fragment)] = ([above[-1]] if above else []) + ([below[0]] if below else [])
    named: dict[tuple[int, ...], int] = {}  # _named of each label tried, by its tokens (all alive here)

    def named_of(tokens: list[Token]) -> int:
        key = tuple(map(id, tokens))
        if key not in named:
            named[key] = _named(tokens)
        return named[key]

    for _ in range(3):  # moves until none helps
        moved = False
        for fragment in items:
            current = owner[id(fragment)]
            other = next((r for r in neighbours[id(fragment)] if r is not current), None)
            if other is None:
                continue
            mine, theirs = labels[id(current)], labels[id(other)]
            named_now = named_of(mine) + named_of(theirs)
            if named_now == 2:  # both name one row already: no move can do better
                continue
            without = [t for t in mine if t is not fragment]
            if named_of(without) + named_of(theirs + [fragment]) > named_now:
                labels[id(current)], labels[id(other)] = without, theirs + [fragment]
                owner[id(fragment)] = other
                moved = True
        if not moved:
            break
    return [labels[id(row)] for row in rows]


def _by_order(rows: list[Row], fragments: list[Token]) -> tuple[list[list[Token]] | None, set[int], set[int]]:
    """Each row's label lines by order; the first line of each row head; the lines of row heads."""
    tokens = [t for row in rows for t in row.label] + fragments
    vertical = {id(t) for t in _vertical_text(tokens)}
    tokens = sorted((t for t in tokens if id(t) not in vertical), key=lambda t: (t.middle, t.x0))
    numbered = sum(1 for t in tokens if NUMBERED.match(compact(t.text))) >= 3
    heads = _heads(tokens, numbered)
    row_heads = [head for head in heads if _opens(head[0], numbered) and not _is_group(head, tokens)]
    if len(row_heads) != len(rows):
        return None, set(), set()
    labels: dict[int, list[Token]] = {}
    pending: list[Token] = []  # group heads (and lines continuing a label of the page before): context
    rows_by_head = {id(head[0]): row for head, row in zip(row_heads, rows)}
    for head in heads:
        row = rows_by_head.get(id(head[0]))
        if row is None:
            pending.extend(head)
        else:
            labels[id(row)], pending = pending + head, []
    openers = {id(head[0]) for head in row_heads}
    own = {id(t) for head in row_heads for t in head}
    return [labels[id(row)] for row in rows], openers, own


# A label that opens a row (or a group of rows): 一、 （一） 1. and the like; "（三" when a narrow
# cell wraps before the bracket closes.
NUMBERED = re.compile(r"^(?:\([一二三四五六七八九十\d]{1,3}(?:\)|$)|[一二三四五六七八九十]{1,3}\.|\d{1,2}\.)")


def _heads(tokens: list[Token], numbered: bool) -> list[list[Token]]:
    """Label lines cut into heads, each with the lines below it in its column that continue it.

    A line that opens nothing and has no head above it (the rest of a label cut by a page
    break) is a head of its own that opens no row.
    """
    heads: list[list[Token]] = []
    for token in tokens:
        if not _opens(token, numbered):
            above = next((h for h in reversed(heads) if any(token.x0 < t.x1 and t.x0 < token.x1 for t in h)), None)
            if above is not None:  # the last head in its column
                above.append(token)
                continue
        heads.append([token])
    return heads


def _opens(token: Token, numbered: bool) -> bool:
    """Whether a label line starts a label: numbered when the table numbers its rows, else naming one."""
    text = compact(token.text)
    return NUMBERED.match(text) is not None if numbered else bool(_names_one(text))


def _is_group(head: list[Token], tokens: list[Token]) -> bool:
    """A head over several rows: 三、本年度办理结果, or one with label lines beside it (（三）不予公开)."""
    if "办理结果" in _text(head):
        return True
    beside = max(t.x1 for t in head) - 1
    own = {id(t) for t in head}
    reaches = [(h.middle, 0.8 * (h.bottom - h.top)) for h in head]  # how far off a head line a token may sit
    for t in tokens:
        if t.x0 >= beside and id(t) not in own:
            middle = t.middle
            if any(abs(middle - head_middle) <= reach for head_middle, reach in reaches):
                return True
    return False


def _text(tokens: list[Token]) -> str:
    return compact("".join(t.text for t in _reading_order(tokens)))


def _names(tokens: list[Token]) -> tuple[tuple[str, ...], str | None]:
    """The canonical rows of table 三 and the row of table 二 a label names."""
    text = _text(tokens)
    return tuple(request_items(text)), active_item(text)


def _named(tokens: list[Token]) -> int:
    """1 when the label names exactly one canonical row of table 三 or 二, else 0."""
    return _names_one("".join(t.text for t in _reading_order(tokens)))


@lru_cache(maxsize=4096)
def _names_one(text: str) -> int:
    return int(len(request_items(text)) == 1 or active_item(text) is not None)


def _vertical_text(tokens: list[Token]) -> list[Token]:
    """Characters stacked one per line, each close under the last (三、本年度办理结果 set vertically)."""
    runs: list[list[Token]] = []
    for token in sorted(tokens, key=lambda t: t.middle):
        run = next((r for r in reversed(runs) if r[-1].x0 < token.x1 and token.x0 < r[-1].x1), None)
        height = max(token.bottom - token.top, 1.0)
        if run and _single(token) and _single(run[-1]) and token.middle - run[-1].middle <= 1.8 * height:
            run.append(token)
        else:
            runs.append([token])
    return [t for run in runs if len(run) >= 4 and _single(run[0]) for t in run]


def _single(token: Token) -> bool:
    """One character, with any punctuation (三、 本)."""
    return len(re.sub(r"\W", "", compact(token.text))) <= 1


def _blocks_of_lines(tokens: list[Token]) -> list[list[Token]]:
    """Tokens stacked in one column, each line close under the last, as blocks."""
    blocks: list[list[Token]] = []
    for token in tokens:
        if blocks:
            last = blocks[-1][-1]
            height = max(last.bottom - last.top, token.bottom - token.top, 1.0)
            overlaps = token.x0 < last.x1 and last.x0 < token.x1
            if overlaps and token.middle - last.middle <= 1.8 * height:
                blocks[-1].append(token)
                continue
        blocks.append([token])
    return blocks


def _header_label(lines: list[Line], value_left: float) -> list[Token]:
    return [t for line in lines for t in line.tokens if t.centre < value_left - 2]


def _reading_order(tokens: list[Token]) -> list[Token]:
    """Label columns left to right (the vertical 三、 cell, the group, the item), each top to bottom."""
    columns: list[list[Token]] = []
    for token in sorted(tokens, key=lambda t: t.x0):
        column = next((c for c in columns if any(token.x0 < t.x1 and t.x0 < token.x1 for t in c)), None)
        if column is None:
            columns.append([token])
        else:
            column.append(token)
    return [t for column in columns for t in sorted(column, key=lambda t: (t.middle, t.x0))]


def _columns(values: list[Token]) -> list[float]:
    """Column centres: value tokens clustered by their horizontal centre."""
    if not values:
        return []
    heights = sorted(t.bottom - t.top for t in values)
    gap = COLUMN_GAP * max(heights[len(heights) // 2], 1.0)
    centres = sorted(t.centre for t in values)
    clusters: list[list[float]] = [[centres[0]]]
    for centre in centres[1:]:
        if centre - clusters[-1][-1] > gap:
            clusters.append([centre])
        else:
            clusters[-1].append(centre)
    return [sum(c) / len(c) for c in clusters]
