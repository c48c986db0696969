"""``/-/charts`` (``?agency=``): applications and outcomes by year, as SVG drawn on the server."""

from __future__ import annotations

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
# Table 三, column 总计, of one report per agency and year (chosen_reports).
BY_YEAR_SQL = """
select d.year,
  count(distinct d.sha256) as reports,
  sum(case when s.item = 'received' then s.value end) as received,
  sum(case when s.item = 'granted' then s.value end) as granted,
  sum(case when s.item = 'partially_granted' then s.value end) as partially_granted,
  sum(case when s.item like 'denied.%' then s.value end) as denied,
  sum(case when s.item like 'unavailable.%' then s.value end) as unavailable,
  sum(case when s.item like 'not_processed.%' then s.value end) as not_processed,
  sum(case when s.item = 'other' or s.item like 'other.%' then s.value end) as other
from chosen_reports d join report_stats s on s.sha256 = d.sha256
where s.section = 3 and s.measure = 'total' {agency_clause}
group by d.year order by d.year
"""


async def by_year(db, agency: str | None) -> list[dict]:
    sql = BY_YEAR_SQL.format(agency_clause="and d.agency = :agency" if agency else "")
    return [dict(r) for r in await db.execute(sql, {"agency": agency} if agency else {})]


async def charts_page(datasette, request):
    db = reports_db(datasette)
    agency = request.args.get("agency") or None
    rows = await by_year(db, agency)
    years = [r["year"] for r in rows]
    agencies = [r[0] for r in await db.execute(
        "select agency from documents where agency is not null group by agency order by count(*) desc, agency limit 500")]
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
