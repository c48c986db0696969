"""``/-/coverage``: portal × report year, found on time, late or missing against the legal
deadlines of 条例 第四十九条 (the ``report_coverage`` view; the loader stores its rows in
``coverage_summary`` at the end of every load)."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup, escape

from .base import render, reports_db
from .charts import summaries_ready

COLUMNS = ("portal", "year", "kind", "deadline", "reports", "first_seen", "published", "judged_on", "judged_by", "status")
LABELS = {"ok": "✓", "late": "迟 late", "missing": "缺 missing"}


async def coverage_source(db) -> str:
    """Where the coverage cells are: the loader's coverage_summary, else the live view."""
    return "coverage_summary" if await summaries_ready(db) else "report_coverage"


def cell_html(c: dict) -> str:
    """One grid cell: its status, the dates it was judged on in its title."""
    fallback = c["judged_by"] == "first_seen (fallback)"
    title = f"deadline {escape(c['deadline'])}"
    if c["published"]:
        title += f"; published {escape(c['published'])}"
    if c["first_seen"]:
        title += f"; first seen {escape(c['first_seen'])}"
    if c["judged_by"]:
        title += f"; judged on {escape(c['judged_on'])} by {escape(c['judged_by'])}"
    label = LABELS.get(c["status"], "–")
    if c["status"] == "ok" and c["reports"] > 1:
        label += f" {escape(c['reports'])}"
    mark = '<span class="cov-fallback-mark">*</span>' if fallback else ""
    return f'<td class="cov-{escape(c["status"])}{" cov-fallback" if fallback else ""}" title="{title}">{label}{mark}</td>'


def rows_html(grid: list[dict]) -> Markup:
    """The grid's rows (built here: a Jinja loop over 10,000 cells took a third of a second)."""
    return Markup("".join(
        f'<tr><th><a href="/reports/documents?portal={escape(quote(str(row["portal"]), safe="/"))}">{escape(row["portal"])}</a>'
        f'</th><td>{escape(row["kind"] or "?")}</td>\n  {"".join(cell_html(c) for c in row["cells"])}</tr>'
        for row in grid
    ))


async def coverage_page(datasette, request):
    db = reports_db(datasette)
    source = await coverage_source(db)

    def fetch(conn):  # plain tuples: Datasette's Row objects cost more than the query
        return conn.execute(f"select {', '.join(COLUMNS)} from {source} order by portal, year").fetchall()

    cells = [dict(zip(COLUMNS, row)) for row in await db.execute_fn(fetch)]
    years = sorted({cell["year"] for cell in cells if cell["year"] is not None})
    grid: dict[str, dict] = {}
    for cell in cells:
        row = grid.setdefault(cell["portal"], {"portal": cell["portal"], "kind": cell["kind"], "cells": []})
        if cell["year"] is not None:
            row["cells"].append(cell)
    last_crawl = (await db.execute("select max(fetched_at) from sources")).single_value()
    return await render(datasette, request, "nianbao_coverage.html",
                        {"years": years, "rows_html": rows_html(list(grid.values())), "last_crawl": last_crawl})
