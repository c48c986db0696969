"""The public site: a Datasette plugin over reports.db and the archive.

Modules: plugin (Datasette's hooks: search in tables, cells, the read-only guard),
views (the site's own pages: search, report, charts, coverage, files), search
(queries to FTS5 MATCH expressions, snippets), search_cache (one MATCH per
search), svg (charts drawn on the server); templates/, static/ and
``datasette-metadata.yml`` travel with the package.
"""

from importlib.resources import files

METADATA = files(__name__) / "datasette-metadata.yml"
