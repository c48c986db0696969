"""One reading's tables → the report's figures, under canonical keys, and nothing it is not sure of.

Each table is recognised by its labels, wherever it sits: table 二 row by row (its four
small tables may be one grid or several), table 三 with its columns mapped from the header
(申请人情况 …), table 四 from its 15 result columns. A figure is kept only when both its
row and its column were identified:

- a row is identified when its label names exactly one canonical row (two rows' labels run
  together name two, and that row is dropped);
- a column is identified from the header, or by position when the row holds exactly as many
  values as the table has columns (7 in table 三, 15 in table 四, the header's count in 二);
- a key two rows claim with different values is a conflict: neither value is kept.

Figures are read from table structure (cells), never from running text, which runs numbers
together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .fields import OTHER_SUB_ITEMS, canonical_fields
from .labels import (
    APPEAL_COLUMNS,
    APPEAL_GROUP_LABELS,
    APPEAL_GROUPS,
    APPLICANT_COLUMNS,
    MEASURES_2019,
    MEASURES_2021,
    active_item,
    active_measure,
    applicant_column,
    appeal_column,
    compact,
    request_group,
    request_items,
)
from .model import OCR_MIN_CONFIDENCE, Stat, Table
from .numbers import NotANumber, is_number, is_value, parse_value

# Rows of table 三 that close a result group (the next rows start a new one).
_GROUP_ENDS = ("received", "carried_over", "granted", "partially_granted", "handled_total", "carried_forward")


@dataclass
class Reading:
    """What one reading of a document's tables says."""

    name: str
    stats: dict[str, Stat] = field(default_factory=dict)  # key -> the figure
    conflicts: set[str] = field(default_factory=set)  # keys two rows claimed with different values
    sections: set[int] = field(default_factory=set)  # tables located by their labels (2, 3, 4)
    version: str | None = None  # the format table 二's measures show

    @property
    def other_as_one_row(self) -> bool | None:
        """Whether table 三 printed （六）其他处理 as one row (None: not seen)."""
        items = {s.item for s in self.stats.values() if s.section == 3}
        if "other" in items and not items & set(OTHER_SUB_ITEMS):
            return True
        if items & set(OTHER_SUB_ITEMS):
            return False
        return None

    def add(self, stats: list[Stat]) -> None:
        for stat in stats:
            key = stat.key
            if key in self.conflicts:
                continue
            held = self.stats.get(key)
            if held is None:
                self.stats[key] = stat
            elif held.value != stat.value:  # printed twice, read differently: trust neither
                self.conflicts.add(key)
                del self.stats[key]


def read_figures(tables: list[Table], name: str) -> Reading:
    """The figures of tables 二, 三 and 四 that ``tables`` (all of one reading) print."""
    reading = Reading(name)
    measures_seen: set[str] = set()
    applicant_map: dict[int, str] | None = None
    active_header: list = []  # table 二 may continue in a table without its header
    for table in tables:
        kind = table_kind(table)
        if kind == "applications":
            reading.sections.add(3)
            found, applicant_map = _table3_applications(table, applicant_map)
        elif kind == "appeals":
            reading.sections.add(4)
            found = _table4_appeals(table)
        else:
            found, active_header = _table2_proactive(table, active_header)
            if found or any(active_item(row[0]) for row in table.rows if row and row[0]):
                reading.sections.add(2)
            measures_seen.update(s.measure for s in found)
        reading.add([s for s in found if (s.section, s.item, s.measure) in canonical_fields()])
    if measures_seen & MEASURES_2021 or ("decisions" in measures_seen and not measures_seen & MEASURES_2019):
        reading.version = "2021"
    if measures_seen & MEASURES_2019:
        reading.version = "2019"
    return reading


def table_kind(table: Table) -> str:
    """'applications' (table 三), 'appeals' (table 四) or 'other' (table 二 or anything else)."""
    text = compact("".join(c for row in table.rows[:40] for c in row if c))
    if "本年新收" in text or "申请人情况" in text or "上年结转" in text or "结转下年度" in text:
        return "applications"
    if ("行政复议" in text and "行政诉讼" in text) or "复议后起诉" in text or "尚未审结" in text:
        return "appeals"
    opening = "".join(c for row in table.rows[:3] for c in row[:3] if c)
    if request_items(opening) and not any(active_item(row[0]) for row in table.rows if row):
        return "applications"  # a continuation of table 三 on its own
    return "other"


def _label_and_values(row: list[str | None], first_value_col: int | None) -> tuple[str, list[tuple[int, str]]]:
    """Split a row into its label text and its (column, cell) value positions."""
    if first_value_col is None:
        # The trailing run of figure-or-blank cells holds the values.
        k = len(row)
        while k > 0 and (row[k - 1] is None or is_value(row[k - 1])):
            k -= 1
        first_value_col = k
    label = " ".join(c for c in row[:first_value_col] if c)
    values = [(i, c) for i, c in enumerate(row) if i >= first_value_col and c is not None]
    return label, values


def _without_stray_blanks(cells: list[tuple[int, str]], count: int) -> list[tuple[int, str]]:
    """A row's value cells with the empty cells at one end removed, down to ``count``.

    Grids of shifted rows carry empty cells past the figures ('5', '0', …, '5', '', '').
    Only one end may be trimmed: with empty cells at both ends, which of them are printed
    blanks and which strays cannot be told, and the row keeps them all (and is not read).
    """
    if len(cells) <= count:
        return cells
    blank_start, blank_end = cells[0][1] == "", cells[-1][1] == ""
    if blank_start and blank_end:
        return cells
    while len(cells) > count and blank_end and cells[-1][1] == "":
        cells = cells[:-1]
    while len(cells) > count and blank_start and cells[0][1] == "":
        cells = cells[1:]
    return cells


def _value(cell: str | None):
    try:
        return parse_value(cell)
    except NotANumber:
        return None


def _stat(table: Table, row: int, column: int, section: int, item: str, measure: str, cell, row_label, column_label) -> Stat:
    """A figure read from ``table``'s cell at (row, column), with where it was read (and,
    from OCR, how sure it was: an unsure figure is null)."""
    confidence = table.confidence_of(row, column)
    value = _value(cell)
    if confidence is not None and confidence < OCR_MIN_CONFIDENCE:
        value = None
    return Stat(
        section, item, measure, value, table.page_of(row), row_label, column_label,
        bbox=table.box_of(row, column), cell=(table.index, row, column), reading=table.reading,
        confidence=confidence,
    )


def _one_item(label: str, group: str | None) -> str | None:
    """The canonical row ``label`` names, when it names exactly one."""
    items = request_items(label, group)
    return items[0] if len(items) == 1 else None


def _table3_applications(table: Table, inherited: dict[int, str] | None) -> tuple[list[Stat], dict[int, str] | None]:
    """Table 三 (applications received and handled): rows → items, header columns → applicant columns."""
    rows = table.rows
    start = next((i for i, row in enumerate(rows)
                  if _one_item(" ".join(c for c in row if c and not is_value(c)), None) == "received"), None)
    header = rows[:start] if start is not None else []
    colmap: dict[int, str] = {}
    labels: dict[int, str] = {}
    for row in header:
        for i, cell in enumerate(row):
            key = applicant_column(cell)
            if key and key not in colmap.values():
                colmap[i] = key
                labels[i] = cell or ""
    if len(colmap) != len(APPLICANT_COLUMNS):
        colmap = inherited if inherited and start is None else {}
    stats: list[Stat] = []
    group = None
    for r, row in enumerate(rows[start or 0 :], start=start or 0):
        on_grid = (
            colmap
            and max(colmap) < len(row)
            and all(is_value(row[i]) for i in colmap)
            and not any(is_number(c) for c in row[: min(colmap)])
        )
        if on_grid:
            label, _ = _label_and_values(row, min(colmap))
            cells = [(i, row[i]) for i in sorted(colmap)]
            columns = [colmap[i] for i, _ in cells]
        else:  # off the header's grid: its columns are known only if it holds exactly seven values
            label, cells = _label_and_values(row, None)
            cells = _without_stray_blanks(cells, len(APPLICANT_COLUMNS))
            columns = list(APPLICANT_COLUMNS) if len(cells) == len(APPLICANT_COLUMNS) else []
        group = request_group(label) or group
        item = _one_item(label, group)
        if item in _GROUP_ENDS:
            group = None
        elif item and "." in item:  # a sub-item: the rows after it sit in its group (3.其他 under （六）)
            group = item.split(".", 1)[0]
        if item is None or not columns:
            continue
        for (i, cell), measure in zip(cells, columns):
            stats.append(_stat(table, r, i, 3, item, measure, cell, label, labels.get(i, measure)))
    return stats, colmap or inherited


def _table4_appeals(table: Table) -> list[Stat]:
    """Table 四 (administrative review and litigation): one data row of 15 figures, three proceedings × five results."""
    cols: list[tuple[int, str]] = []
    figures, blanks = [], []  # rows made only of figures / of blank cells
    for r, row in enumerate(table.rows):
        present = [c for c in row if c is not None]
        if len(present) >= 5 and all(is_value(c) for c in present):
            (figures if any(is_number(c) for c in present) else blanks).append(r)
            continue
        for i, cell in enumerate(row):
            key = appeal_column(cell)
            if key and i not in dict(cols):
                cols.append((i, cell))
    cols.sort()
    expected = len(APPEAL_GROUPS) * len(APPEAL_COLUMNS)
    data_rows = figures or [b for b in blanks if b > 0]
    if len(data_rows) != 1:
        return []  # none, or several rows of figures: which is the data row is not certain
    r = data_rows[0]
    row = table.rows[r]
    if len(cols) == expected and all(i < len(row) and row[i] is not None for i, _ in cols):
        cells = [(i, row[i], label) for i, label in cols]
    else:
        cells = _without_stray_blanks([(i, c) for i, c in enumerate(row) if c is not None and is_value(c)], expected)
        cells = [(i, c, "") for i, c in cells]
    if len(cells) != expected:
        return []
    stats = []
    for k, (i, cell, label) in enumerate(cells):
        group, result = APPEAL_GROUPS[k // len(APPEAL_COLUMNS)], APPEAL_COLUMNS[k % len(APPEAL_COLUMNS)]
        stats.append(_stat(table, r, i, 4, group, result, cell, APPEAL_GROUP_LABELS[group], label or result))
    return stats


def _table2_proactive(table: Table, measures: list[tuple[int, str, str]]) -> tuple[list[Stat], list]:
    """Table 二 (proactive disclosure): header rows name the measures; item rows (规章, 行政许可 …) carry the figures.

    ``measures`` is the header in force when the table starts: (column, measure, text).
    """
    stats: list[Stat] = []
    for r, row in enumerate(table.rows):
        filled = [(i, c) for i, c in enumerate(row) if c]
        if not filled:
            continue
        first_col, first = filled[0]
        item = active_item(first)
        if item is None:
            found = [(i, active_measure(c), c) for i, c in filled]
            found = [(i, m, c) for i, m, c in found if m]
            if found:
                measures = found
            continue
        if not measures:
            continue
        values = [(i, c) for i, c in enumerate(row) if i > first_col and c is not None]
        by_col = dict(values)
        if all(i in by_col for i, _, _ in measures):
            pairs = [(i, by_col[i], m, h) for i, m, h in measures]
        elif len(values) == len(measures):  # by position only when the counts agree
            pairs = [(i, c, m, h) for (i, c), (_, m, h) in zip(values, measures)]
        else:
            continue
        for i, cell, measure, header in pairs:
            if is_value(cell):  # text in a figure cell (详见附表) is no figure
                stats.append(_stat(table, r, i, 2, item, measure, cell, first, header))
    return stats, measures
