"""Checking a figure against the original: crops of the cell each figure was read from,
the report page linking every figure to its crop, and how completely each table was read.

DATA holds one report as PDF and as DOCX (dhsjj-2022). The quality of the PDF's tables
is set by hand in this test's reports.db, whatever the extractor said: table 二 complete,
三 partial with two disagreements, 四 missing; the DOCX gets no report_tables rows.
"""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from PIL import Image

from nianbao import DataDir
from tests.support import REPORTS, record_fetches, reports_tuples, sha256_of
from website import METADATA
from website.views import crops
from website.views.crops import MARGIN, SCALE, crop_url

PDF, DOCX = REPORTS / "dhsjj-2022.pdf", REPORTS / "dhsjj-2022.docx"
DISAGREEMENTS = '["3.received.natural_person", "3.denied.state_secret.total"]'


@pytest.fixture(scope="module")
def crop_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("crop-data")
    record_fetches(data, [
        {"body": PDF.read_bytes(), "portal": "p", "url": "http://p.test/ndbg/dhsjj-2022.pdf"},
        {"body": DOCX.read_bytes(), "portal": "p", "url": "http://p.test/ndbg/dhsjj-2022.docx"},
    ])
    DataDir(data).load(workers=1)
    pdf = sha256_of(PDF)
    with sqlite3.connect(data / "reports.db") as conn:
        conn.executemany(
            "insert or replace into report_tables (sha256, section, status, reading, expected, identified, disagreements, note) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [(pdf, 2, "complete", "ruled", 20, 20, None, None),
             (pdf, 3, "partial", "ruled", 175, 173, DISAGREEMENTS, "两处读取分歧"),
             (pdf, 4, "missing", None, 15, 0, None, "未找到表四")],
        )
        conn.execute("update documents set figures_quality = 'partial' where sha256 = ?", [pdf])
        # The DOCX as read before tables were assessed: no report_tables rows.
        conn.execute("delete from report_tables where sha256 = ?", [sha256_of(DOCX)])
        conn.execute("update documents set figures_quality = null where sha256 = ?", [sha256_of(DOCX)])
        # One figure known only by its page, one with no location at all.
        conn.execute("update report_stats set x0 = null, top = null, x1 = null, bottom = null "
                     "where sha256 = ? and section = 2 and item = 'regulations' and measure = 'issued'", [pdf])
        conn.execute("update report_stats set x0 = null, top = null, x1 = null, bottom = null, page = null, "
                     "table_idx = null, table_row = null, table_col = null "
                     "where sha256 = ? and section = 2 and item = 'regulations' and measure = 'repealed'", [pdf])
    return data


@pytest.fixture(scope="module")
def ds(crop_data):
    return DataDir(crop_data).datasette()


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


def boxed_figures(data: Path) -> list[tuple]:
    return reports_tuples(data, "select section, item, measure, value, page, x0, top, x1, bottom from report_stats "
                                "where sha256 = ? and x0 is not null order by section, item, measure", [sha256_of(PDF)])


def cache_file(data: Path, sha: str, page: int, box) -> Path:
    """DATA/cache/crops/…: the default cache folder."""
    return crops.cache_path(data / "cache" / "crops", sha, page, box)


def test_crop_of_a_figure_is_a_png_of_its_cell_and_margin_at_scale_2(ds, crop_data):
    section, item, measure, value, page, *box = boxed_figures(crop_data)[0]
    response = get(ds, crop_url(sha256_of(PDF), page, box))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    x0, top, x1, bottom = box
    assert abs(image.width - (x1 - x0 + 2 * MARGIN) * SCALE) <= 2, image.size
    assert abs(image.height - (bottom - top + 2 * MARGIN) * SCALE) <= 2, image.size


def test_a_second_request_is_served_from_the_cache_file(ds, crop_data):
    sha = sha256_of(PDF)
    section, item, measure, value, page, *box = boxed_figures(crop_data)[1]
    first = get(ds, crop_url(sha, page, box))
    cached = cache_file(crop_data, sha, page, box)
    assert first.status_code == 200 and cached.is_file() and cached.read_bytes() == first.content
    mtime = cached.stat().st_mtime_ns
    second = get(ds, crop_url(sha, page, box))
    assert second.content == first.content and cached.stat().st_mtime_ns == mtime
    # What is served is the file: replace it and the next answer is the replacement.
    marker = io.BytesIO()
    Image.new("RGB", (3, 3), "white").save(marker, format="PNG")
    cached.write_bytes(marker.getvalue())
    assert get(ds, crop_url(sha, page, box)).content == marker.getvalue()
    assert not [p for p in cached.parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_concurrent_requests_for_one_crop_render_it_once(ds, crop_data, monkeypatch):
    sha = sha256_of(PDF)
    section, item, measure, value, page, *box = boxed_figures(crop_data)[2]
    renders = []
    real = crops.render_isolated

    def counting(*args):
        renders.append(args)
        return real(*args)

    monkeypatch.setattr(crops, "render_isolated", counting)

    async def many():
        return await asyncio.gather(*(ds.client.get(crop_url(sha, page, box)) for _ in range(4)))

    responses = asyncio.run(many())
    assert [r.status_code for r in responses] == [200] * 4
    assert len({r.content for r in responses}) == 1 and len(renders) == 1


def metadata_with(tmp_path: Path, **plugin) -> Path:
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    metadata.setdefault("plugins", {})["nianbao"] = plugin
    path = tmp_path / "metadata.yml"
    path.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
    return path


def test_the_cache_folder_can_be_configured_and_an_unwritable_one_is_skipped(crop_data, tmp_path):
    sha = sha256_of(PDF)
    section, item, measure, value, page, *box = boxed_figures(crop_data)[3]
    folder = tmp_path / "crops"
    configured = DataDir(crop_data).datasette(metadata=metadata_with(tmp_path, crop_cache=str(folder)))
    assert get(configured, crop_url(sha, page, box)).status_code == 200
    assert crops.cache_path(folder, sha, page, box).is_file() and not cache_file(crop_data, sha, page, box).exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    unwritable = DataDir(crop_data).datasette(metadata=metadata_with(tmp_path, crop_cache=str(blocker / "crops")))
    section, item, measure, value, page, *box = boxed_figures(crop_data)[4]  # a crop not rendered before
    response = get(unwritable, crop_url(sha, page, box))
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_only_the_boxes_of_stored_figures_are_rendered(ds, crop_data):
    """A crop is a figure's evidence, not a free renderer: any other region of a page is 404."""
    sha = sha256_of(PDF)
    section, item, measure, value, page, *box = boxed_figures(crop_data)[5]
    assert get(ds, crop_url(sha, page, box)).status_code == 200
    moved = [box[0] + 3, box[1], box[2] + 3, box[3]]
    assert get(ds, crop_url(sha, page, moved)).status_code == 404
    assert get(ds, crop_url(sha, page + 1 if page < 5 else page - 1, box)).status_code == 404


BAD_CROPS = [
    "/-/crops/not-a-sha/2/10,10,50,50.png",
    "/-/crops/{unknown}/2/10,10,50,50.png",
    "/-/crops/{pdf}/0/10,10,50,50.png",
    "/-/crops/{pdf}/99/10,10,50,50.png",  # the PDF has 5 pages
    "/-/crops/{pdf}/1.5/10,10,50,50.png",
    "/-/crops/{pdf}/-1/10,10,50,50.png",
    "/-/crops/{pdf}/two/10,10,50,50.png",
    "/-/crops/{pdf}/2/10,10,50.png",
    "/-/crops/{pdf}/2/10,10,50,50,60.png",
    "/-/crops/{pdf}/2/nan,10,50,50.png",
    "/-/crops/{pdf}/2/10,10,inf,50.png",
    "/-/crops/{pdf}/2/1e2,10,150,50.png",
    "/-/crops/{pdf}/2/50,10,10,50.png",  # x1 < x0
    "/-/crops/{pdf}/2/10,50,50,50.png",  # no height
    "/-/crops/{pdf}/2/0,0,99999,50.png",  # larger than any page
    "/-/crops/{pdf}/2/0,0,5000,50.png",  # larger than this page
    "/-/crops/{pdf}/2/5000,5000,5100,5100.png",  # off this page
    "/-/crops/{pdf}/2/10,10,50,50.jpg",
    "/-/crops/{pdf}/2/..%2F..%2Fetc%2Fpasswd.png",
    "/-/crops/{docx}/1/10,10,50,50.png",  # figures of a DOCX have no page boxes
]


@pytest.mark.parametrize("path", BAD_CROPS)
def test_bad_crops_are_404(ds, crop_data, path):
    url = path.format(pdf=sha256_of(PDF), docx=sha256_of(DOCX), unknown="0" * 64)
    response = get(ds, url)
    assert response.status_code == 404, (url, response.text[:200])
    assert "image/png" not in response.headers.get("content-type", "")


def test_the_report_page_links_every_figure_of_a_pdf_to_its_crop(ds, crop_data):
    sha = sha256_of(PDF)
    html = get(ds, f"/-/reports/{sha}").text
    figures = boxed_figures(crop_data)
    assert len(figures) > 150
    links = re.findall(r'<a href="(/-/crops/[^"]+\.png)" title="第([0-9]+)页">', html)
    for section, item, measure, value, page, *box in figures:
        assert (crop_url(sha, page, box), str(page)) in links, (section, item, measure)
    assert len(links) == len(figures)
    # The figure known by its page only opens the original there; the one with no location is plain.
    assert f'<th>规章</th><td><a href="/-/files/{sha}#page=2" title="第2页">2</a></td><td>1</td>' in html
    # Every crop the page links to answers with an image (asked for all at once, as a browser might).
    urls = sorted({url for url, _ in links})

    async def fetch_all():
        return await asyncio.gather(*(ds.client.get(url) for url in urls))

    for url, response in zip(urls, asyncio.run(fetch_all())):
        assert response.status_code == 200 and response.headers["content-type"] == "image/png", (url, response.text[:300])
        assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_docx_figures_show_their_table_cell(ds, crop_data):
    sha = sha256_of(DOCX)
    response = get(ds, f"/-/reports/{sha}")
    assert response.status_code == 200
    assert "/-/crops/" not in response.text
    table, row, column = reports_tuples(crop_data, "select table_idx, table_row, table_col from report_stats "
                                                   "where sha256 = ? and section = 2 and item = 'regulations' "
                                                   "and measure = 'issued'", [sha])[0]
    assert f'<td><span title="表 {table} 行 {row} 列 {column}">2</span></td>' in response.text


def test_the_report_page_shows_how_completely_each_table_was_read(ds):
    html = get(ds, f"/-/reports/{sha256_of(PDF)}").text
    assert "提取完整度 Figures read" in html and "部分 partial" in html
    two = re.search(r'<p class="nianbao-quality" id="quality-2">(.*?)</p>', html, re.S).group(1)
    assert "完整 complete" in two and "ruled" in two and "20/20" in two and "Disagreements" not in two
    three = re.search(r'<p class="nianbao-quality" id="quality-3">(.*?)</p>', html, re.S).group(1)
    assert "部分 partial" in three and "173/175" in three and "两处读取分歧" in three
    assert "<code>3.received.natural_person</code>" in three and "<code>3.denied.state_secret.total</code>" in three
    assert "一、本年新收政府信息公开申请数量 / 自然人" in three
    assert "stored empty, never guessed" in three
    four = re.search(r'<p class="nianbao-quality" id="quality-4">(.*?)</p>', html, re.S).group(1)
    assert "未找到 missing" in four and "0/15" in four and "未找到表四" in four
    # Documents without report_tables rows (the DOCX here) show no quality lines and no error.
    docx = get(ds, f"/-/reports/{sha256_of(DOCX)}")
    assert docx.status_code == 200 and 'class="nianbao-quality"' not in docx.text and "未评估 not assessed" in docx.text


def test_malformed_disagreements_do_not_break_the_page(crop_data, tmp_path):
    data = tmp_path / "copy"
    data.mkdir()
    (data / "reports.db").write_bytes((crop_data / "reports.db").read_bytes())
    with sqlite3.connect(data / "reports.db") as conn:
        conn.execute("update report_tables set disagreements = 'not json <b>' where section = 3")
    html = get(DataDir(data).datasette(), f"/-/reports/{sha256_of(PDF)}").text
    assert "<code>not json &lt;b&gt;</code>" in html


def test_incomplete_figures_canned_query(ds):
    response = get(ds, "/reports/incomplete_figures.json?_shape=objects")
    assert response.status_code == 200, response.text[:300]
    rows = response.json()["rows"]
    assert [row["report"] for row in rows] == [f"/-/reports/{sha256_of(PDF)}"]
    row = rows[0]
    assert row["完整度 quality"] == "partial" and row["original"] == f"/-/files/{sha256_of(PDF)}"
    assert (row["表二 table 2"], row["表三 table 3"], row["表四 table 4"]) == ("complete 20/20", "partial 173/175", "missing 0/15")
    assert row["分歧 disagreements"] == 2 and "未找到表四" in row["说明 notes"]
    page = get(ds, "/reports/incomplete_figures")
    assert page.status_code == 200 and quote("报告统计数据不完整") not in page.text and "报告统计数据不完整" in page.text
    assert f'href="/-/reports/{sha256_of(PDF)}"' in page.text
