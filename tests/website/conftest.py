"""The fixture DATA of the site's tests, the site over it in-process, and served live."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao import DataDir
from tests.support import fixture_files, record_fetches, serve_live

# Fixture number -> (month-day of the year after the report year, where the portal gave it):
# the department's report published by its deadline (31 January), the government's after its (31 March).
PUBLISHED = {0: ("01-20", "listing"), 1: ("04-10", "page")}
HTML_TEXT = '2023年 复议 <script>alert("x")</script> <b>粗体</b> & 收费'


def html_docx(folder: Path) -> Path:
    """A DOCX whose text is markup: the site must show it, never run it."""
    import docx

    document = docx.Document()
    document.add_paragraph("某某局2023年政府信息公开工作年度报告")
    document.add_paragraph(HTML_TEXT)
    path = folder / "markup.docx"
    document.save(path)
    return path


@pytest.fixture(scope="module")
def site_data(tmp_path_factory) -> Path:
    """DATA holding every fixture original fetched from two portals (a department and a
    government), one URL whose file was replaced, and a DOCX whose text carries HTML.
    Every fetch is of today, long after the deadlines; the portals give a publication date
    for two originals (``PUBLISHED``), the first before its deadline, the second after it."""
    data = tmp_path_factory.mktemp("site-data")
    files = fixture_files()
    fetches = []
    for number, expected in enumerate(files):
        portal = "dept" if number % 2 == 0 else "gov"
        fetches.append({"body": expected["path"].read_bytes(), "portal": portal,
                        "url": f"http://{portal}.test/ndbg/{expected['file']}"})
        if number in PUBLISHED:
            day, source = PUBLISHED[number]
            fetches[-1].update(published=f"{expected['year'] + 1}-{day}", published_from=source)
    # The same URL served two different originals: a replaced report.
    fetches.append({"body": files[0]["path"].read_bytes(), "portal": "gov", "url": "http://gov.test/ndbg/replaced.pdf"})
    fetches.append({"body": files[1]["path"].read_bytes(), "portal": "gov", "url": "http://gov.test/ndbg/replaced.pdf"})
    fetches.append({"body": html_docx(data).read_bytes(), "portal": "dept", "url": "http://dept.test/ndbg/markup.docx"})
    record_fetches(data, fetches, portals=[
        {"id": "dept", "name": "某部门", "start_urls": ["http://dept.test/"], "kind": "department"},
        {"id": "gov", "name": "某政府", "start_urls": ["http://gov.test/"], "kind": "government"},
    ])
    DataDir(data).load(workers=2)
    return data


@pytest.fixture(scope="module")
def ds(site_data):
    """The site as a Datasette instance (``DataDir.datasette()``), driven through ``ds.client``."""
    return DataDir(site_data).datasette()


@pytest.fixture(scope="module")
def live_site(site_data):
    """``nianbao serve DATA`` as a user runs it; its base URL."""
    with serve_live(site_data) as base:
        yield base
