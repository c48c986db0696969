"""Understand an extracted document as an annual report: identity, sections, figures.

Figures are read from table structure (cells), never from running text, which runs
numbers together. Each table is recognised by its labels, wherever it sits:
table 二 row by row (its four small tables may be one grid or several), table 三 with
its columns mapped from the header (申请人情况 …), table 四 from its 15 outcome columns.
"""

from __future__ import annotations

import re

from .checks import run_checks
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
    request_item,
)
from .fields import canonical_fields
from .model import Report, Stat, Table
from .numbers import NotANumber, is_number, is_value, parse_value

TITLE = re.compile(
    r"^(?:关于)?(?P<pre>.*?)(?P<year>(?:19|20)\d{2})\s*年度?(?P<mid>.*?)"
    r"政府信息公开(?:工作)?(?:年度)?(?:情况)?(?:年度)?报告(?P<suffix>[（(][^）)]{1,12}[）)])?$"
)
SECTION_WORDS = [
    (1, "总体情况"),
    (2, "主动公开"),
    (3, "收到和处理"),
    (4, "行政复议"),
    (4, "行政诉讼"),
    (5, "存在的主要问题"),
    (5, "问题及改进"),
    (6, "其他需要报告"),
]
SECTION_HEAD = re.compile(r"^(?:[一二三四五六][、.．]|[1-6][、.．]|第[一二三四五六]部分)\s*(?P<rest>.{2,40})$")
REGION = re.compile(r"^(?P<region>(?:[^\s省市区县]{2,8}(?:省|自治区))?(?:[^\s省市区县]{1,8}(?:市|自治州|州|盟|地区))?(?:[^\s省市区县]{1,8}(?:区|县|市|旗))?)")


def parse_report(text: str, tables: list[Table]) -> Report | None:
    """A Report when ``text`` reads as an annual report (title, or sections and tables), else None."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title, agency, year = find_title(lines)
    sections = find_sections(lines)
    stats, version = read_stats(tables)
    if version is None:
        version = _version_from_text(text)
    if title is None and (len(sections) < 4 or not stats):
        return None
    if title is not None and len(sections) < 2 and not stats:
        return None  # a page that only names a report (a notice, a list), not the report
    stats = [s for s in stats if (s.section, s.item, s.measure) in canonical_fields()]
    return Report(
        title=title,
        agency=agency,
        year=year,
        region=find_region(agency, text),
        format_version=version,
        sections=sections,
        stats=stats,
        checks=run_checks(stats),
    )


def find_title(lines: list[str]) -> tuple[str | None, str | None, int | None]:
    """Title (possibly split over two lines), publishing body and report year."""
    head = lines[:20]
    for i, line in enumerate(head):
        for candidate in (line, line + (head[i + 1] if i + 1 < len(head) else "")):
            flat = re.sub(r"\s+", "", candidate)
            m = TITLE.match(flat)
            if m and len(flat) <= 80:
                agency = (m.group("pre") or m.group("mid")).strip("：:，, ") or None
                return flat, agency, int(m.group("year"))
    return None, None, None


_HAN = "\u4e00-\u9fff"
_DIVISION = (
    rf"(?:[{_HAN}]{{2,3}}(?:省|自治区))?(?:[{_HAN}]{{2,3}}(?:市|自治州|州|盟|地区))?(?:[{_HAN}]{{2,3}}(?:区|县|旗|市))?"
)
# A division name right before the agency's name or 人民政府, starting after punctuation
# or a function word (可在济源市天坛街道办事处…, 通过济源市人民政府网站, 。北京市东城区人民政府).
_DIVISION_BEFORE = re.compile(rf"(?:^|[^{_HAN}]|[在于的及和与从向为由对过到是])(?P<region>{_DIVISION})$")


def find_region(agency: str | None, text: str = "") -> str | None:
    """The administrative area: from the front of the body's name (新华区…, 延津县…), else
    from the text where a division name precedes the body's name, 人民政府, 政府 or 委 (济源市委)."""
    if agency:
        m = REGION.match(agency)
        region = m.group("region") if m else ""
        if region and region != agency and len(region) >= 3:
            return region
    for anchor in ([agency] if agency else []) + ["人民政府", "政府", "委"]:
        for hit in re.finditer(re.escape(anchor), text[:20000]):
            m = _DIVISION_BEFORE.search(text[max(0, hit.start() - 14) : hit.start()])
            if m and len(m.group("region")) >= 3:
                return m.group("region")
    return None


def find_sections(lines: list[str]) -> list[dict]:
    """The six section headings, first occurrence of each, in document order."""
    found: dict[int, str] = {}
    for line in lines:
        m = SECTION_HEAD.match(line)
        if not m:
            continue
        rest = compact(m.group("rest"))
        for number, word in SECTION_WORDS:
            if word in rest and number not in found and not re.match(r"结转|本年|上年", rest):
                found[number] = line
                break
    return [{"number": n, "heading": h} for n, h in sorted(found.items())]


def _version_from_text(text: str) -> str | None:
    c = compact(text)
    if "本年制发件数" in c or "本年收费金额" in c:
        return "2021"
    if "本年新制作数量" in c or "上一年项目数量" in c or "对外公开总数量" in c:
        return "2019"
    return None


# ---------------------------------------------------------------- figures


def read_stats(tables: list[Table]) -> tuple[list[Stat], str | None]:
    """All figures of tables 二, 三 and 四, and the format version table 二 shows."""
    stats: list[Stat] = []
    seen: set[tuple[int, str, str]] = set()
    measures_seen: set[str] = set()
    applicant_map: dict[int, str] | None = None
    active_header: list = []  # table 二 may continue in a table without its header
    for table in tables:
        kind = table_kind(table)
        if kind == "applications":
            found, applicant_map = _table3_applications(table, applicant_map)
        elif kind == "appeals":
            found = _table4_appeals(table)
        else:
            found, active_header = _table2_proactive(table, active_header)
            measures_seen.update(s.measure for s in found)
        for s in found:
            key = (s.section, s.item, s.measure)
            if key not in seen:  # the first printing of a figure wins
                seen.add(key)
                stats.append(s)
    version = None
    if measures_seen & MEASURES_2021 or ("decisions" in measures_seen and not measures_seen & MEASURES_2019):
        version = "2021"
    if measures_seen & MEASURES_2019:
        version = "2019"
    return stats, version


def table_kind(table: Table) -> str:
    """'applications' (table 三), 'appeals' (table 四) or 'other' (table 二 or anything else)."""
    text = compact("".join(c for row in table.rows[:40] for c in row if c))
    if "本年新收" in text or "申请人情况" in text or "上年结转" in text or "结转下年度" in text:
        return "applications"
    if ("行政复议" in text and "行政诉讼" in text) or "复议后起诉" in text or "尚未审结" in text:
        return "appeals"
    if request_item("".join(c for row in table.rows[:3] for c in row[:3] if c)) is not None and not any(
        active_item(row[0]) for row in table.rows if row
    ):
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


def _value(cell: str | None):
    try:
        return parse_value(cell)
    except NotANumber:
        return None


def _stat(table: Table, row: int, column: int, section: int, item: str, measure: str, cell, row_label, column_label) -> Stat:
    """A figure read from ``table``'s cell at (row, column), with where it was read."""
    return Stat(
        section, item, measure, _value(cell), table.page_of(row), row_label, column_label,
        bbox=table.box_of(row, column), cell=(table.index, row, column), reading=table.reading,
    )


def _table3_applications(table: Table, inherited: dict[int, str] | None) -> tuple[list[Stat], dict[int, str] | None]:
    """Table 三 (applications received and handled): rows → items, header columns → applicant columns."""
    rows = table.rows
    start = next((i for i, row in enumerate(rows) if request_item(" ".join(c for c in row if c and not is_value(c))) == "received"), None)
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
        else:  # a row not on the header's grid: its trailing figures, stray blanks trimmed
            label, values = _label_and_values(row, None)
            while len(values) > len(APPLICANT_COLUMNS) and values[-1][1] == "":
                values.pop()
            while len(values) > len(APPLICANT_COLUMNS) and values[0][1] == "":
                values.pop(0)
            cells = values[-len(APPLICANT_COLUMNS) :] if len(values) >= len(APPLICANT_COLUMNS) else []
        group = request_group(label) or group
        item = request_item(label, group)
        if item in ("received", "carried_over", "granted", "partially_granted", "handled_total", "carried_forward"):
            group = None
        if item is None or not cells or not all(is_value(c) for _, c in cells):
            continue
        positional = not colmap or any(i not in colmap for i, _ in cells)
        for k, (i, cell) in enumerate(cells):
            measure = APPLICANT_COLUMNS[k] if positional else colmap[i]
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
    stats: list[Stat] = []
    # The data row: the first with figures, else a row printed all blank (all missing).
    for r in (figures or [b for b in blanks if b > 0])[:1]:
        row = table.rows[r]
        if len(cols) == 15 and all(i < len(row) and row[i] is not None for i, _ in cols):
            cells = [(i, row[i], label) for i, label in cols]
        else:
            cells = [(i, c, "") for i, c in enumerate(row) if c is not None and is_value(c)][:15]
        if len(cells) != 15:
            continue
        for k, (i, cell, label) in enumerate(cells):
            group, outcome = APPEAL_GROUPS[k // 5], APPEAL_COLUMNS[k % 5]
            stats.append(_stat(table, r, i, 4, group, outcome, cell, APPEAL_GROUP_LABELS[group], label or outcome))
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
        else:
            pairs = [(i, c, m, h) for (i, c), (_, m, h) in zip(values, measures)]
        for i, cell, measure, header in pairs:
            if not is_value(cell):
                continue
            stats.append(_stat(table, r, i, 2, item, measure, cell, first, header))
    return stats, measures
