"""``/-/charts`` (``?agency=``): applications and outcomes by year, as SVG drawn on the server."""

from __future__ import annotations

from loader.schema import AGENCIES_SQL, BY_YEAR_SQL, CHART_COLUMNS, SUMMARIES_VERSION

from .. import svg
from .base import render, reports_db

OUTCOME_SERIES = [
    ("granted", "予以公开", "#2b8a3e"),
    ("partially_granted", "部分公开", "#74b816"),
    ("denied", "不予公开", "#c92a2a"),
    ("unavailable", "无法提供", "#e67700"),
    ("not_processed", "不予处理", "#868e96"),
    ("other", "其他处理", "#5f3dc4"),
]


async def summaries_ready(db) -> bool:
    """The loader has stored this version's summary tables (schema.py, "Summary tables")."""
    rows = await db.execute("select value from nianbao_meta where key = 'summaries_version'")
    return bool(rows.rows) and rows.rows[0][0] == SUMMARIES_VERSION


async def by_year(db, agency: str | None) -> list[dict]:
    """Table 三 totals by year, of one agency or of all: the loader's chart_totals, or computed live."""
    if await summaries_ready(db):
        sql = f"select {', '.join(CHART_COLUMNS)} from chart_totals where agency {'= :agency' if agency else 'is null'} order by year"
    else:
        sql = BY_YEAR_SQL.format(group="", where="and d.agency = :agency" if agency else "")
    return [dict(r) for r in await db.execute(sql, {"agency": agency} if agency else {})]


async def top_agencies(db) -> list[str]:
    """The 500 agencies with the most reports (the chart page's choice of agency)."""
    source = "agency_reports" if await summaries_ready(db) else f"({AGENCIES_SQL})"
    return [r[0] for r in await db.execute(f"select agency from {source} order by documents desc, agency limit 500")]


async def charts_page(datasette, request):
    db = reports_db(datasette)
    agency = request.args.get("agency") or None
    rows = await by_year(db, agency)
    years = [r["year"] for r in rows]
    agencies = await top_agencies(db)
    context = {
        "agency": agency,
        "agencies": agencies,
        "rows": rows,
        "series": OUTCOME_SERIES,
        "applications_svg": svg.bar_chart(
            years, [("新收申请 received", "#1c7ed6", [r["received"] for r in rows])],
            title="本年新收政府信息公开申请数量 · Applications received"),
        "outcomes_svg": svg.bar_chart(
            years, [(label, color, [r[key] for r in rows]) for key, label, color in OUTCOME_SERIES],
            title="办理结果 · Outcomes", stacked=True),
    }
    return await render(datasette, request, "nianbao_charts.html", context)
