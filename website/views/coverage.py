"""``/-/coverage``: portal × report year, found on time, late or missing against the legal
deadlines of 条例 第四十九条 (the ``report_coverage`` view the loader keeps)."""

from __future__ import annotations

from .base import render, reports_db
from .charts import summaries_ready


async def coverage_source(db) -> str:
    """Where the coverage cells are: the loader's coverage_summary, else the live view."""
    return "coverage_summary" if await summaries_ready(db) else "report_coverage"


async def coverage_page(datasette, request):
    db = reports_db(datasette)
    cells = [dict(r) for r in await db.execute(f"select * from {await coverage_source(db)} order by portal, year")]
    years = sorted({cell["year"] for cell in cells if cell["year"] is not None})
    grid: dict[str, dict] = {}
    for cell in cells:
        row = grid.setdefault(cell["portal"], {"portal": cell["portal"], "kind": cell["kind"], "cells": []})
        if cell["year"] is not None:
            row["cells"].append(cell)
    last_crawl = (await db.execute("select max(fetched_at) from sources")).single_value()
    return await render(datasette, request, "nianbao_coverage.html",
                        {"years": years, "grid": list(grid.values()), "last_crawl": last_crawl})
