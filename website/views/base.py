"""What every page of the site shares: the archive's database and template rendering."""

from __future__ import annotations

from datasette.utils.asgi import Response


def reports_db(datasette):
    """The archive's database: the one holding ``documents``."""
    for name, db in datasette.databases.items():
        if name != "_internal" and not db.is_memory:
            return db
    return datasette.get_database()


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    body = await datasette.render_template(template, context, request=request)
    return Response.html(body, status=status)
