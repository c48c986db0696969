"""Understand an extracted document as an annual report: identity, sections, figures.

Figures are read from table structure (cells), never from running text, which runs
numbers together. Each table is recognised by its labels, wherever it sits:
table 二 row by row (its four small tables may be one grid or several), table 三 with
its columns mapped from the header (申请人情况 …), table 四 from its 15 outcome columns.
"""

from __future__ import annotations

import re

from .checks import run_checks
from .figures import read_figures
from .labels import compact
from .model import Report, Table
from .readings import choose

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
    readings = [read_figures([t for t in tables if t.reading == name], name)
                for name in dict.fromkeys(t.reading for t in tables)]
    version = next((r.version for r in readings if r.version), None) or _version_from_text(text)
    anything = any(r.stats for r in readings)
    if title is None and (len(sections) < 4 or not anything):
        return None
    if title is not None and len(sections) < 2 and not anything:
        return None  # a page that only names a report (a notice, a list), not the report
    stats, quality = choose(readings, version)
    return Report(
        title=title,
        agency=agency,
        year=year,
        region=find_region(agency, text),
        format_version=version,
        sections=sections,
        stats=stats,
        checks=run_checks(stats),
        quality=quality,
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
