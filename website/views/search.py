"""``/-/search?q=``: ranked search of whole reports and of single pages (``.json`` too)."""

from __future__ import annotations

from datasette.utils.asgi import Response

from ..search import TITLE_HIT, fts_query
from .base import render, reports_db

PAGE_SIZE = 20


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
