"""Pages of the public site beyond Datasette's tables (routes of the nianbao plugin).

- ``/-/search?q=`` — ranked search over reports and over single pages, with
  highlighted snippets; ``/-/search.json`` gives the same as JSON.
- ``/-/reports/<sha256>`` — one report: metadata, its figures laid out as the
  official tables 二, 三 and 四, the arithmetic checks, every fetch, links to the
  original and its text (``/-/reports/<sha256>/text``).
- ``/-/charts`` (``?agency=``) — applications and outcomes by year, as SVG.
- ``/-/coverage`` — portal × report year: reports found, late and missing,
  against the deadlines of 条例 第四十九条.

Every query goes through Datasette's ``db.execute`` (read-only connection, SQL
time limit); every value reaches HTML through Jinja's autoescape.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from datasette.utils.asgi import Response

from archive.store import is_sha256
from extractors.labels import FIELDS_CSV

from . import charts
from .search import TITLE_HIT, fts_query

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 20

# The seven applicant columns of table 三, as printed.
APPLICANT_COLUMNS = [
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social_welfare", "社会公益组织"),
    ("legal_services", "法律服务机构"),
    ("other", "其他"),
    ("total", "总计"),
]
PROCEEDINGS = [
    ("review", "行政复议"),
    ("litigation_direct", "行政诉讼 · 未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼 · 复议后起诉"),
]
OUTCOMES = [("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计")]

# One report per agency and year: the same report is often published as PDF
# and DOCX, or re-published; counting both would double the archive's totals.
CHOSEN_REPORTS = """
chosen as (
  select sha256, agency, year from (
    select sha256, agency, year, row_number() over (
      partition by coalesce(agency, sha256), year
      order by coalesce(consistent, -1) desc, first_seen desc, sha256) as n
    from documents where year is not null
  ) where n = 1
)"""

OUTCOME_SERIES = [
    ("granted", "予以公开", "#2b8a3e"),
    ("partially_granted", "部分公开", "#74b816"),
    ("denied", "不予公开", "#c92a2a"),
    ("unavailable", "无法提供", "#e67700"),
    ("not_processed", "不予处理", "#868e96"),
    ("other", "其他处理", "#5f3dc4"),
]
BY_YEAR_SQL = f"""
with {CHOSEN_REPORTS}
select d.year,
  count(distinct d.sha256) as reports,
  sum(case when s.item = 'received' then s.value end) as received,
  sum(case when s.item = 'granted' then s.value end) as granted,
  sum(case when s.item = 'partially_granted' then s.value end) as partially_granted,
  sum(case when s.item like 'denied.%' then s.value end) as denied,
  sum(case when s.item like 'unavailable.%' then s.value end) as unavailable,
  sum(case when s.item like 'not_processed.%' then s.value end) as not_processed,
  sum(case when s.item = 'other' or s.item like 'other.%' then s.value end) as other
from chosen d join report_stats s on s.sha256 = d.sha256
where s.section = 3 and s.measure = 'total' {{agency_clause}}
group by d.year order by d.year
"""


# --- portals file: kind of each portal (department / government) ----------------


def portals_file(datasette) -> Path | None:
    config = datasette.plugin_config("nianbao") or {}
    for candidate in (config.get("portals_file"), PROJECT_ROOT / "portals.yml"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def portal_kinds(datasette) -> dict[str, str]:
    """Portal id → 'department' | 'government', from the portals file (``plugins.nianbao.portals_file``)."""
    path = portals_file(datasette)
    return dict(_read_kinds(str(path))) if path else {}


@lru_cache(maxsize=4)
def _read_kinds(path: str) -> tuple[tuple[str, str], ...]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ()
    return tuple(
        (str(p["id"]), str(p["kind"]))
        for p in data.get("portals") or []
        if isinstance(p, dict) and p.get("id") and p.get("kind") in ("department", "government")
    )


def deadline(year: int, kind: str | None) -> date:
    """条例 第四十九条: departments publish by 31 January, governments by 31 March of year+1."""
    return date(year + 1, 1, 31) if kind == "department" else date(year + 1, 3, 31)


# --- labels of the report fields --------------------------------------------------


@lru_cache(maxsize=1)
def field_labels() -> dict[tuple[int, str, str], str]:
    """(section, item, measure) → label from report-fields.csv, in the file's order."""
    labels: dict[tuple[int, str, str], str] = {}
    with open(FIELDS_CSV, encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(lines):
        labels.setdefault((int(row["section"]), row["item"], row["column"]), row["label_zh"])
    return labels


def reports_db(datasette):
    """The archive's database: the one holding ``documents``."""
    for name, db in datasette.databases.items():
        if name != "_internal" and not db.is_memory:
            return db
    return datasette.get_database()


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    body = await datasette.render_template(template, context, request=request)
    return Response.html(body, status=status)


# --- /-/search -------------------------------------------------------------------


async def search_page(datasette, request):
    """Ranked search of whole reports and of single pages."""
    wants_json = request.url_vars.get("format") == "json" or request.args.get("_format") == "json"
    query = (request.args.get("q") or request.args.get("_search") or "").strip()
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    db = reports_db(datasette)
    result = {"q": query, "match": fts_query(query), "page": page, "documents": [], "total": 0}
    if query:
        params = {"q": query, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
        result["total"] = (await db.execute(
            "select count(*) from documents_fts where documents_fts match escape_fts(:q)", params)).single_value()
        rows = await db.execute(
            """select d.sha256, d.title, d.agency, d.year, d.format, d.pages, d.original,
                      nianbao_snippet(d.text, :q) as snippet, documents_fts.rank as rank, {TITLE_HIT} as title_hit
               from documents_fts join documents d on d.rowid = documents_fts.rowid
               where documents_fts match escape_fts(:q)
               order by title_hit desc, documents_fts.rank limit :limit offset :offset""".format(TITLE_HIT=TITLE_HIT),
            params,
        )
        result["documents"] = [dict(row) for row in rows]
        await add_page_hits(db, query, result["documents"])
    if wants_json:
        return Response.json(result)
    return await render(datasette, request, "nianbao_search.html", {**result, "page_size": PAGE_SIZE})


async def add_page_hits(db, query: str, documents: list[dict]) -> None:
    """Give each hit the pages that hold the query, each a link to the original at that page.

    pages_fts is asked about these documents' pages only (a rowid lookup per
    page), not ranked over the whole archive: cheap even for a one-character
    query that matches every page. The ranked page-level table is page_search.
    """
    if not documents:
        return
    shas = [d["sha256"] for d in documents]
    rows = await db.execute(
        f"""select p.sha256, p.page from pages p
            where p.sha256 in ({", ".join("?" * len(shas))})
              and exists (select 1 from pages_fts where pages_fts match escape_fts(?) and pages_fts.rowid = p.rowid)
            order by p.sha256, p.page""",
        [*shas, query],
    )
    by_sha: dict[str, list[dict]] = {}
    formats = {d["sha256"]: d["format"] for d in documents}
    for row in rows:
        anchor = f"#page={row['page']}" if formats[row["sha256"]] == "pdf" else ""
        by_sha.setdefault(row["sha256"], []).append({"page": row["page"], "url": f"/-/files/{row['sha256']}{anchor}"})
    for document in documents:
        document["page_hits"] = by_sha.get(document["sha256"], [])


# --- /-/reports/<sha256> ---------------------------------------------------------


async def report_page(datasette, request):
    sha256 = request.url_vars["sha256"].lower()
    db = reports_db(datasette)
    row = (await db.execute("select * from documents where sha256 = ?", [sha256])).first() if is_sha256(sha256) else None
    if row is None:
        return await render(datasette, request, "nianbao_missing.html", {"sha256": sha256}, status=404)
    document = dict(row)
    stats = {
        (r["section"], r["item"], r["measure"]): r["value"]
        for r in await db.execute("select section, item, measure, value from report_stats where sha256 = ?", [sha256])
    }
    checks = [dict(r) for r in await db.execute(
        'select rule, "column", expected, found, ok from report_checks where sha256 = ? order by ok, rule, "column"', [sha256])]
    sources = [dict(r) for r in await db.execute(
        "select url, final_url, portal, page_url, link_text, fetched_at, outcome, http_status from sources "
        "where sha256 = ? order by fetched_at, id", [sha256])]
    page_count = (await db.execute("select count(*) from pages where sha256 = ?", [sha256])).single_value()
    context = {
        "doc": document,
        "section2": section2_table(stats),
        "section3": section3_table(stats),
        "section4": [(label, [stats.get((4, item, m)) for m, _ in OUTCOMES]) for item, label in PROCEEDINGS],
        "has4": any(key[0] == 4 for key in stats),
        "applicant_columns": APPLICANT_COLUMNS,
        "proceedings": PROCEEDINGS,
        "outcomes": OUTCOMES,
        "checks": checks,
        "failed_checks": sum(1 for c in checks if not c["ok"]),
        "sources": sources,
        "page_count": page_count,
        "kind": portal_kinds(datasette).get(document.get("portal") or ""),
    }
    if document.get("year"):
        context["deadline"] = deadline(document["year"], context["kind"]).isoformat()
    return await render(datasette, request, "nianbao_report.html", context)


def section2_table(stats: dict) -> dict:
    """Table 二 as printed: one row per item, one column per measure the report has."""
    labels = field_labels()
    items: dict[str, dict[str, object]] = {}
    measures: list[str] = []
    item_labels: dict[str, str] = {}
    measure_labels: dict[str, str] = {}
    for (section, item, measure), label in labels.items():
        if section != 2 or (2, item, measure) not in stats:
            continue
        head, _, tail = label.partition(" / ")
        item_labels.setdefault(item, head)
        measure_labels.setdefault(measure, tail or measure)
        items.setdefault(item, {})[measure] = stats[(2, item, measure)]
        if measure not in measures:
            measures.append(measure)
    return {
        "measures": [(m, measure_labels[m]) for m in measures],
        "rows": [(item_labels[item], [values.get(m) for m in measures]) for item, values in items.items()],
    }


def section3_table(stats: dict) -> list[tuple[str, list]]:
    """Table 三 as printed: its rows in the official order, the seven applicant columns."""
    rows = []
    for (section, item, measure), label in field_labels().items():
        if section != 3 or measure != "*":
            continue
        values = [stats.get((3, item, column)) for column, _ in APPLICANT_COLUMNS]
        if any(v is not None for v in values) or item in ("received", "handled_total"):
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


# --- /-/charts -------------------------------------------------------------------


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
        "applications_svg": charts.bar_chart(
            years, [("新收申请 received", "#1c7ed6", [r["received"] for r in rows])],
            title="本年新收政府信息公开申请数量 · Applications received"),
        "outcomes_svg": charts.bar_chart(
            years, [(label, color, [r[key] for r in rows]) for key, label, color in OUTCOME_SERIES],
            title="办理结果 · Outcomes", stacked=True),
    }
    return await render(datasette, request, "nianbao_charts.html", context)


# --- /-/coverage -----------------------------------------------------------------


async def coverage_page(datasette, request):
    """Portal × report year: found on time, late (first seen after the deadline) or missing."""
    db = reports_db(datasette)
    kinds = portal_kinds(datasette)
    found = {}
    for r in await db.execute(
        "select portal, year, count(*) as reports, min(first_seen) as first_seen from documents "
        "where portal is not null and year is not null group by portal, year"
    ):
        found[(r["portal"], r["year"])] = dict(r)
    portals = sorted({r[0] for r in await db.execute(
        "select portal from sources where portal is not null union select portal from portal_runs where portal is not null")})
    last_crawl = (await db.execute("select max(fetched_at) from sources")).single_value()
    years = sorted({year for _, year in found})
    if years:
        this_year = int((last_crawl or date.today().isoformat())[:4])
        years = list(range(min(years), max(max(years), this_year - 1) + 1))
    grid = []
    for portal in portals:
        kind = kinds.get(portal)
        cells = []
        for year in years:
            due = deadline(year, kind).isoformat()
            hit = found.get((portal, year))
            if hit:
                status = "late" if (hit["first_seen"] or "")[:10] > due else "ok"
            elif last_crawl and last_crawl[:10] > due:
                status = "missing"
            else:
                status = "not_due"
            cells.append({"year": year, "status": status, "deadline": due, **(hit or {})})
        grid.append({"portal": portal, "kind": kind, "cells": cells})
    return await render(datasette, request, "nianbao_coverage.html", {"years": years, "grid": grid, "last_crawl": last_crawl})


ROUTES = [
    (r"^/-/search(\.(?P<format>json))?$", search_page),
    (r"^/-/reports/(?P<sha256>[^/]+)/text$", report_text),
    (r"^/-/reports/(?P<sha256>[^/]+)$", report_page),
    (r"^/-/charts$", charts_page),
    (r"^/-/coverage$", coverage_page),
]
