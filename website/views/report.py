"""``/-/reports/<sha256>``: one report, its figures laid out as the official tables 二, 三
and 四 (each figure linking to a crop of the original where it was read), how completely
each table was read, the arithmetic checks and every fetch; ``/-/reports/<sha256>/text``: its text."""

from __future__ import annotations

import json

from archive.store import is_sha256
from extractors.fields import columns, fields, items

from .base import render, reports_db
from .coverage import coverage_source
from .crops import crop_url

SECTIONS = (2, 3, 4)
# Where documents.published was read (crawler.dates.SOURCES).
PUBLISHED_FROM_LABELS = {
    "listing": "列表 the listing",
    "page": "页面 the report's page",
    "meta": "元数据 the page's metadata",
    "url": "链接 its URL",
}
STATUS_LABELS = {
    "complete": "完整 complete",
    "partial": "部分 partial",
    "found": "有表无数 found, no figure placed",
    "missing": "未找到 missing",
}


async def report_page(datasette, request):
    sha256 = request.url_vars["sha256"].lower()
    db = reports_db(datasette)
    row = (await db.execute("select * from documents where sha256 = ?", [sha256])).first() if is_sha256(sha256) else None
    if row is None:
        return await render(datasette, request, "nianbao_missing.html", {"sha256": sha256}, status=404)
    document = dict(row)
    stats = {
        (r["section"], r["item"], r["measure"]): figure(document, dict(r))
        for r in await db.execute(
            "select section, item, measure, value, page, x0, top, x1, bottom, table_idx, table_row, table_col "
            "from report_stats where sha256 = ?", [sha256])
    }
    quality = {
        r["section"]: table_quality(dict(r))
        for r in await db.execute(
            "select section, status, reading, expected, identified, disagreements, note from report_tables "
            "where sha256 = ?", [sha256])
    }
    checks = [dict(r) for r in await db.execute(
        'select rule, "column", expected, found, ok from report_checks where sha256 = ? order by ok, rule, "column"', [sha256])]
    # Every column of sources and report_coverage: those of a reports.db the loader has not upgraded yet.
    sources = [dict(r) for r in await db.execute("select * from sources where sha256 = ? order by fetched_at, id", [sha256])]
    page_count = (await db.execute("select count(*) from pages where sha256 = ?", [sha256])).single_value()
    coverage = (await db.execute(
        f"select * from {await coverage_source(db)} where portal = ? and year = ?", [document.get("portal"), document.get("year")]
    )).first()
    coverage = dict(coverage) if coverage else {}
    appeal_results = columns(4)
    context = {
        "doc": document,
        "section2": section2_table(stats),
        "section3": section3_table(stats),
        "section4": [(label, [stats.get((4, item, m)) for m, _ in appeal_results]) for item, label in items(4)],
        "quality": quality,
        "quality_labels": STATUS_LABELS,
        "has4": any(key[0] == 4 for key in stats),
        "applicant_columns": columns(3),
        "proceedings": items(4),
        "appeal_results": appeal_results,
        "checks": checks,
        "failed_checks": sum(1 for c in checks if not c["ok"]),
        "sources": sources,
        "page_count": page_count,
        "kind": coverage.get("kind"),
        "deadline": coverage.get("deadline"),
        "coverage_status": coverage.get("status"),
        "judged_on": coverage.get("judged_on"),
        "judged_by": coverage.get("judged_by"),
        "published_from_labels": PUBLISHED_FROM_LABELS,
    }
    return await render(datasette, request, "nianbao_report.html", context)


def figure(document: dict, row: dict) -> dict:
    """A figure as the report page shows it: its value and where to check it.

    ``href`` is the crop of its cell (PDF with a box) or the original at its page (a page
    only); ``title`` says where it was read ("第N页", or the DOCX table cell).
    """
    value, page, box = row["value"], row["page"], (row["x0"], row["top"], row["x1"], row["bottom"])
    href = title = None
    if document.get("format") == "pdf" and page and None not in box:
        href, title = crop_url(document["sha256"], page, box), f"第{page}页"
    elif document.get("format") == "pdf" and page:
        href, title = f"/-/files/{document['sha256']}#page={page}", f"第{page}页"
    elif row["table_idx"] is not None:
        title = f"表 {row['table_idx']} 行 {row['table_row']} 列 {row['table_col']}"
    return {"value": value, "href": href, "title": title}


def table_quality(row: dict) -> dict:
    """A report_tables row with its disagreements as a list of (key, label)."""
    try:
        keys = json.loads(row["disagreements"]) if row["disagreements"] else []
    except ValueError:
        keys = [row["disagreements"]]
    if not isinstance(keys, list):
        keys = [keys]
    return {**row, "disagreements": [(str(key), figure_label(str(key))) for key in keys]}


def figure_label(key: str) -> str:
    """The printed row and column of a figure key such as ``3.denied.state_secret.total``."""
    section, _, rest = key.partition(".")
    item, _, measure = rest.rpartition(".")
    if section == "2":
        return next((f.label for f in fields(2) if (f.item, f.measure) == (item, measure)), "")
    if section in ("3", "4"):
        row = dict(items(int(section))).get(item)
        column = dict(columns(int(section))).get(measure)
        return f"{row} / {column}" if row and column else ""
    return ""


def section2_table(stats: dict) -> dict:
    """Table 二 as printed: one row per item, one column per measure the report has."""
    rows: dict[str, dict[str, object]] = {}
    measures: list[str] = []
    item_labels: dict[str, str] = {}
    measure_labels: dict[str, str] = {}
    for field in fields(2):
        key = (2, field.item, field.measure)
        if key not in stats:
            continue
        head, _, tail = field.label.partition(" / ")
        item_labels.setdefault(field.item, head)
        measure_labels.setdefault(field.measure, tail or field.measure)
        rows.setdefault(field.item, {})[field.measure] = stats[key]
        if field.measure not in measures:
            measures.append(field.measure)
    return {
        "measures": [(m, measure_labels[m]) for m in measures],
        "rows": [(item_labels[item], [values.get(m) for m in measures]) for item, values in rows.items()],
    }


def section3_table(stats: dict) -> list[tuple[str, list]]:
    """Table 三 as printed: its rows in the official order, the seven applicant columns."""
    rows = []
    for item, label in items(3):
        values = [stats.get((3, item, column)) for column, _ in columns(3)]
        if any(v is not None and v["value"] is not None for v in values) or item in ("received", "handled_total"):
            rows.append((label, values))
    return rows


async def report_text(datasette, request):
    sha256 = request.url_vars["sha256"].lower()
    db = reports_db(datasette)
    row = (await db.execute("select sha256, title, text, format from documents where sha256 = ?", [sha256])).first() if is_sha256(sha256) else None
    if row is None:
        return await render(datasette, request, "nianbao_missing.html", {"sha256": sha256}, status=404)
    pages = [dict(r) for r in await db.execute("select page, text from pages where sha256 = ? order by page", [sha256])]
    return await render(datasette, request, "nianbao_text.html", {"doc": dict(row), "text_pages": pages})
