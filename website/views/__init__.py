"""The site's own pages, one module each (routes of the nianbao Datasette plugin).

Every query goes through Datasette's ``db.execute`` (read-only connection, SQL
time limit); every value reaches HTML through Jinja's autoescape.
"""

from .charts import charts_page
from .coverage import coverage_page
from .crops import serve_crop
from .files import serve_original, serve_static
from .report import report_page, report_text
from .search import search_page

ROUTES = [
    (r"^/-/files/(?P<sha256>[^/]+)$", serve_original),
    (r"^/-/crops/(?P<sha256>[^/]+)/(?P<page>[^/]+)/(?P<box>[^/]+)\.png$", serve_crop),
    (r"^/-/nianbao/static/(?P<name>[a-z0-9_.-]+)$", serve_static),
    (r"^/-/search(\.(?P<format>json))?$", search_page),
    (r"^/-/reports/(?P<sha256>[^/]+)/text$", report_text),
    (r"^/-/reports/(?P<sha256>[^/]+)$", report_page),
    (r"^/-/charts$", charts_page),
    (r"^/-/coverage$", coverage_page),
]
