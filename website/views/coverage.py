"""``/-/coverage``: portal × report year, found on time, late or missing against the legal
deadlines of 条例 第四十九条 (the ``report_coverage`` view the loader keeps)."""

from __future__ import annotations

from .base import render, reports_db


async def coverage_page(datasette, request):
    db = reports_db(datasette)
    cells = [dict(r) for r in await db.execute("select * from report_coverage")]
    years = sorted({cell["year"] for cell in cells if cell["year"] is not None})
    grid: dict[str, dict] = {}
    for cell in cells:
        row = grid.setdefault(cell["portal"], {"portal": cell["portal"], "kind": cell["kind"], "cells": []})
        if cell["year"] is not None:
            row["cells"].append(cell)
    last_crawl = (await db.execute("select max(fetched_at) from sources")).single_value()
    return await render(datasette, request, "nianbao_coverage.html",
                        {"years": years, "grid": list(grid.values()), "last_crawl": last_crawl})
