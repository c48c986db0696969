"""The public site, driven through Datasette's own test client on the fixture corpus.

DATA holds every fixture original (reports, a guide, a notice), fetched from two
portals (one a department, one a government), one URL whose file was replaced,
and a DOCX whose text carries HTML. Expected search results come from an oracle
written here, independently of the code under test: a plain substring search over
the stored text, both sides folded the way the index promises (NFKC, case, one
token per CJK character, Latin words and numbers whole, punctuation and spaces
between tokens ignored), so every query class is checked for exactly the right
documents and pages, not just "some results".
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from urllib.parse import quote

import pytest
import yaml
from datasette.app import Datasette

from tests.support import ROOT, fixture_files, oracle, sha256_of


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


def get_json(ds: Datasette, path: str):
    response = get(ds, path)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def db_rows(ds: Datasette, sql: str, params=None) -> list[dict]:
    async def run():
        return [dict(row) for row in await ds.get_database("reports").execute(sql, params or [])]

    return asyncio.run(run())


QUERIES = [
    "诉",  # one character
    "复议",  # two characters
    "收费",
    "行政处罚",  # four
    "政府信息公开工作年度报告",  # long
    "复议 收费",  # AND
    '"主动公开"',  # quoted phrase
    "天坛 2019",  # AND with digits
    "2023",  # digits
    "jiyuan",  # Latin
    "WWW",  # Latin, other case
    "⾏政",  # Kangxi radical in the query
    "２０２３",  # full-width digits in the query
    "不存在的词语",  # nothing
]


@pytest.mark.parametrize("query", QUERIES)
def test_table_search_finds_exactly_the_documents_holding_the_query(ds, query):
    documents = db_rows(ds, "select sha256, title, text from documents")
    expected = {d["sha256"] for d in documents if oracle(query, d["title"], d["text"])}
    got = get_json(ds, f"/reports/documents.json?_search={quote(query)}&_shape=objects&_size=max&_col=title")
    assert {row["sha256"] for row in got["rows"]} == expected
    assert got["filtered_table_rows_count"] == len(expected)
    if query not in ("不存在的词语",):
        assert expected, f"fixture corpus should hold {query!r}"


@pytest.mark.parametrize("query", QUERIES)
def test_ranked_table_and_search_page_find_the_same_documents(ds, query):
    documents = db_rows(ds, "select sha256, title, text from documents")
    expected = {d["sha256"] for d in documents if oracle(query, d["title"], d["text"])}
    ranked = get_json(ds, f"/reports/document_search.json?_search={quote(query)}&_sort=rank&_shape=objects&_size=max&_nocol=text")
    assert {row["sha256"] for row in ranked["rows"]} == expected
    ranks = [row["rank"] for row in ranked["rows"]]
    assert ranks == sorted(ranks)
    page = get_json(ds, f"/-/search.json?q={quote(query)}")
    assert page["total"] == len(expected)
    assert {d["sha256"] for d in page["documents"]} <= expected
    assert len(page["documents"]) == min(len(expected), 20)


@pytest.mark.parametrize("query", ["复议", "诉", "行政处罚", '"主动公开"', "2023 收费", "jiyuan"])
def test_page_search_finds_exactly_the_pages_holding_the_query(ds, query):
    pages = db_rows(ds, "select sha256, page, text from pages")
    expected = {(p["sha256"], p["page"]) for p in pages if oracle(query, p["text"])}
    got = get_json(ds, f"/reports/page_search.json?_search={quote(query)}&_sort=rank&_shape=objects&_size=max&_nocol=text")
    assert {(row["sha256"], row["page"]) for row in got["rows"]} == expected
    assert expected
    search = get_json(ds, f"/-/search.json?q={quote(query)}&page=1")
    for document in search["documents"]:
        want = sorted(page for sha, page in expected if sha == document["sha256"])
        assert [p["page"] for p in document["page_hits"]] == want
        for hit in document["page_hits"]:
            suffix = f"#page={hit['page']}" if document["format"] == "pdf" else ""
            assert hit["url"] == f"/-/files/{document['sha256']}{suffix}"


def test_title_hits_rank_above_body_hits(ds):
    """天坛 is in the titles of the 天坛 reports and only in the body of others (the guide)."""
    ranked = get_json(ds, "/reports/document_search.json?_search=" + quote("天坛") + "&_sort=rank&_shape=objects&_nocol=text")
    titles = [row["title"] for row in ranked["rows"]]
    in_title = [("天坛" in t) for t in titles]
    assert any(in_title) and not all(in_title)
    assert in_title == sorted(in_title, reverse=True), titles
    page = get_json(ds, "/-/search.json?q=" + quote("天坛"))
    assert [("天坛" in d["title"]) for d in page["documents"]] == sorted(
        [("天坛" in d["title"]) for d in page["documents"]], reverse=True)


def test_search_results_show_a_highlighted_escaped_snippet(ds):
    html = get(ds, "/-/search?q=" + quote("复议")).text
    assert "<mark>复议</mark>" in html
    table = get(ds, "/reports/documents?_search=" + quote("复议")).text
    assert "<mark>复议</mark>" in table
    assert 'href="/reports/document_search?_search=%E5%A4%8D%E8%AE%AE&amp;_sort=rank"' in table  # the ranked view
    ranked = get(ds, "/reports/document_search?_search=" + quote("复议") + "&_sort=rank").text
    assert "<mark>复议</mark>" in ranked
    pages = get(ds, "/reports/page_search?_search=" + quote("复议") + "&_sort=rank").text
    assert "<mark>复议</mark>" in pages and "#page=" in pages
    search = get_json(ds, "/-/search.json?q=" + quote("复议"))
    assert all("<mark>" in d["snippet"] for d in search["documents"])


def test_markup_in_document_text_is_escaped_everywhere(ds):
    for path in ("/-/search?q=" + quote("收费"), "/reports/documents?_search=" + quote("收费"),
                 "/reports/document_search?_search=" + quote("收费"), "/reports/search_reports?q=" + quote("收费")):
        html = get(ds, path).text
        assert "<script>alert" not in html and "<b>粗体" not in html, path
    html = get(ds, "/-/search?q=" + quote("粗体")).text
    assert "&lt;b&gt;<mark>粗体</mark>" in html
    sha = db_rows(ds, "select sha256 from documents where text like '%<script>%'")[0]["sha256"]
    assert "<script>alert" not in get(ds, f"/-/reports/{sha}").text
    text = get(ds, f"/-/reports/{sha}/text")
    assert text.status_code == 200 and "<script>alert" not in text.text and "&lt;script&gt;alert" in text.text


def test_snippet_column_of_any_query_keeps_only_mark_tags(ds):
    sql = "select '<script>bad()</script><mark>ok</mark> &amp; <img src=x>' as snippet"
    html = get(ds, "/reports?sql=" + quote(sql)).text
    assert "<mark>ok</mark>" in html and "<script>bad" not in html and "<img" not in html


def test_fts_syntax_and_empty_queries_are_harmless(ds):
    for query in ['NEAR( "复议" OR', "*", '"', "AND OR NOT", "（）", ""]:
        for path in ("/reports/documents.json?_search=", "/reports/document_search.json?_sort=rank&_search=", "/-/search.json?q="):
            assert get(ds, path + quote(query)).status_code == 200, (path, query)


def expected_by_sha(site_data) -> dict[str, dict]:
    return {sha256_of(f["path"]): f for f in fixture_files()}


def figure_values(html: str) -> str:
    """The report page with each figure cell's link to where it was read taken out: <td>value</td>."""
    def value(match):
        return "<td></td>" if match.group(1) == "—" else f"<td>{match.group(1)}</td>"  # — : an empty cell, located

    return re.sub(r'<td><(?:a|span) [^>]*>([^<]*)</(?:a|span)></td>', value, html)


def test_report_page_lays_out_the_official_tables(ds, site_data):
    fixtures = expected_by_sha(site_data)
    rows = db_rows(ds, "select sha256 from documents where consistent = 1 and format_version = '2021'")
    assert rows
    for row in rows[:3]:
        sha = row["sha256"]
        expected = fixtures[sha]
        response = get(ds, f"/-/reports/{sha}")
        assert response.status_code == 200
        html = response.text
        assert expected["title"] in html and expected["agency"] in html
        for table in ("table-2", "table-3", "table-4"):
            assert f'id="{table}"' in html
        for label in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "总计", "结果维持", "结果纠正", "尚未审结"):
            assert label in html
        # Table 三's first row, as printed: the 7 applicant columns in order.
        received = [expected["stats"].get(f"3.received.{c}") for c in
                    ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other", "total")]
        cells = "".join(f"<td>{'' if v is None else v}</td>" for v in received)
        assert "一、本年新收政府信息公开申请数量</th>" + cells in figure_values(html)
        # Table 四: one row of 15 cells.
        four = re.search(r'id="table-4".*?<tbody><tr>(.*?)</tr>', figure_values(html), re.S).group(1)
        assert four.count("<td>") == 15
        assert f'href="/-/files/{sha}"' in html and f'href="/-/files/{sha}?download=1"' in html
        assert f'href="/-/reports/{sha}/text"' in html
        assert "✓ 一致" in html
        for source in db_rows(ds, "select url, fetched_at from sources where sha256 = ?", [sha]):
            assert source["url"] in html and source["fetched_at"] in html


def test_report_page_shows_failing_checks_and_unknown_reports_404(ds):
    failing = db_rows(ds, "select sha256 from documents where consistent = 0")
    if failing:
        html = get(ds, f"/-/reports/{failing[0]['sha256']}").text
        assert "✗ 不一致" in html and "不一致" in html
    assert get(ds, "/-/reports/" + "0" * 64).status_code == 404
    assert get(ds, "/-/reports/not-a-sha").status_code == 404


def test_documents_link_to_their_report_page(ds):
    sha = db_rows(ds, "select sha256 from documents where title is not null limit 1")[0]["sha256"]
    html = get(ds, "/reports/documents").text
    assert f'href="/-/reports/{sha}"' in html


def test_canned_queries(ds):
    def canned(name, **params):
        query = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
        return get_json(ds, f"/reports/{name}.json?_shape=objects&{query}")["rows"]

    # Applications by year: one report per agency and year (a PDF and DOCX of one report count once).
    by_year = {row["年度 year"]: row["新收申请 received"] for row in canned("applications_by_year")}
    fixtures = [f for f in fixture_files() if f.get("is_report") and f.get("stats")]
    chosen = {}
    for f in fixtures:
        chosen.setdefault((f["agency"], f["year"]), f["stats"].get("3.received.total"))
    expected = {}
    for (agency, year), value in chosen.items():
        if value is not None:
            expected[year] = expected.get(year, 0) + value
    assert by_year == expected
    outcomes = canned("outcomes_by_year")
    assert {row["年度 year"] for row in outcomes} == set(expected)
    assert all("予以公开" in row and "不予公开 国家秘密" in row and "不予处理" in row for row in outcomes)
    top = canned("top_agencies")
    assert top == sorted(top, key=lambda r: -r["新收申请 received"])
    review = canned("review_and_litigation")
    assert {row["类别 proceeding"] for row in review} <= {"行政复议", "行政诉讼 未经复议直接起诉", "行政诉讼 复议后起诉"}
    failing = canned("failing_checks")
    assert {row["report"].rsplit("/", 1)[-1] for row in failing} == {
        r["sha256"] for r in db_rows(ds, "select distinct sha256 from report_checks where ok = 0")}
    replaced = canned("replaced_originals")
    assert {row["url"] for row in replaced} == {"http://gov.test/ndbg/replaced.pdf"} and len(replaced) == 2
    searched = canned("search_reports", q="复议")
    assert searched and all("<mark>复议</mark>" in row["snippet"] for row in searched)
    assert canned("search_pages", q="复议")


def test_coverage_uses_the_legal_deadlines(ds):
    rows = get_json(ds, "/reports/coverage.json?_shape=objects")["rows"]
    cells = {(r["门户 portal"], r["年度 year"]): r for r in rows}
    dept = [r for r in rows if r["门户 portal"] == "dept"]
    gov = [r for r in rows if r["门户 portal"] == "gov"]
    assert dept and gov
    assert all(r["类型 kind"] == "department" and r["期限 deadline"] == f"{r['年度 year'] + 1}-01-31" for r in dept)
    assert all(r["类型 kind"] == "government" and r["期限 deadline"] == f"{r['年度 year'] + 1}-03-31" for r in gov)
    # Every report here was first seen today, long after its deadline: late unless the portal's
    # date says otherwise (conftest.PUBLISHED); years without one are missing.
    dated = {(portal, year): published for portal, year, published in (
        (d["portal"], d["year"], d["published"]) for d in db_rows(ds, "select portal, year, published from documents")) if published}
    assert len(dated) == 2
    for (portal, year), row in cells.items():
        if (portal, year) in dated:
            on_time = dated[portal, year] <= row["期限 deadline"]
            assert (row["发布 published"], row["判定依据 judged by"], row["状态 status"]) == (
                dated[portal, year], "published", "on time" if on_time else "late 迟"), row
        elif row["报告 reports"]:
            assert (row["判定依据 judged by"], row["状态 status"]) == ("first_seen (fallback)", "late 迟"), row
        else:
            assert (row["判定依据 judged by"], row["状态 status"]) == (None, "missing 缺"), row
    assert sorted(row["状态 status"] for key, row in cells.items() if key in dated) == ["late 迟", "on time"]


def test_coverage_page_marks_the_years_judged_by_first_sighting(ds):
    html = get(ds, "/-/coverage").text
    assert "cov-late" in html and "cov-missing" in html and "dept" in html
    cells = re.findall(r'<td class="cov-(\w+)( cov-fallback)?" title="([^"]*)">(.*?)</td>', html)
    on_time = [c for c in cells if c[0] == "ok"]
    assert len(on_time) == 1 and not on_time[0][1] and "by published" in on_time[0][2] and "published 20" in on_time[0][2]
    assert on_time[0][3].startswith("✓")
    late_by_date = [c for c in cells if c[0] == "late" and not c[1]]
    assert len(late_by_date) == 1 and "by published" in late_by_date[0][2]
    fallbacks = [c for c in cells if c[1]]
    assert fallbacks and all(c[0] == "late" and "by first_seen (fallback)" in c[2] and "cov-fallback-mark" in c[3]
                             for c in fallbacks)
    assert not any(c[1] for c in cells if c[0] == "missing")
    assert "judged on the first sighting alone" in html


def test_report_page_shows_the_publication_date_and_where_it_was_read(ds):
    (dated,) = db_rows(ds, "select sha256, published, first_seen from documents where published_from = 'listing'")
    html = get(ds, f"/-/reports/{dated['sha256']}").text
    published = re.search(r'<td id="published">(.*?)</td>', html).group(1)
    assert dated["published"] in published and "the listing" in published
    on_time = re.search(r'<td id="on-time">(.*?)</td>', html).group(1)
    assert "on time" in on_time and "by published" in on_time
    assert f"{dated['published']} <small>(listing)</small>" in html  # in the table of fetches
    undated = db_rows(ds, "select d.sha256 from documents d join report_coverage c on c.portal = d.portal and c.year = d.year "
                          "where c.published is null limit 1")
    html = get(ds, f"/-/reports/{undated[0]['sha256']}").text
    assert "not given by the portal" in re.search(r'<td id="published">(.*?)</td>', html).group(1)
    assert "by first_seen (fallback)" in re.search(r'<td id="on-time">(.*?)</td>', html).group(1)


def test_charts_are_inline_svg_for_the_archive_and_per_agency(ds):
    html = get(ds, "/-/charts").text
    assert html.count("<svg") >= 2 and "<rect" in html and "<script src" not in html
    agency = db_rows(ds, "select agency from documents where agency is not null and consistent = 1 limit 1")[0]["agency"]
    one = get(ds, "/-/charts?agency=" + quote(agency)).text
    assert agency in one and one.count("<svg") >= 2
    assert "http://" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"|href="http[^"]*"', "", one.split("<figure>", 1)[1])


def test_every_table_and_column_is_described():
    metadata = yaml.safe_load((ROOT / "datasette-metadata.yml").read_text(encoding="utf-8"))
    tables = metadata["databases"]["reports"]["tables"]
    import sqlite_utils

    from loader.schema import create_schema

    conn = sqlite3.connect(":memory:")
    create_schema(sqlite_utils.Database(conn))
    names = [r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view') and name not like '%fts_%' and name not like 'sqlite_%'")]
    for name in names:
        assert name in tables, name
        if tables[name].get("hidden"):
            continue
        assert tables[name].get("description"), name
        columns = [r[1] for r in conn.execute(f"pragma table_info([{name}])")]
        assert set(columns) <= set(tables[name].get("columns", {})), (name, set(columns) - set(tables[name]["columns"]))
    facets = tables["documents"]["facets"]
    assert {"year", "agency", "region", "portal", "format", "consistent"} <= set(facets)


def test_index_page_offers_the_search_box(ds):
    html = get(ds, "/").text
    assert 'action="/-/search"' in html and 'name="q"' in html


@pytest.mark.parametrize("query", ["复议", "诉", '"主动公开"'])
def test_pages_table_search_finds_exactly_the_pages(ds, query):
    pages = db_rows(ds, "select sha256, page, text from pages")
    expected = {(p["sha256"], p["page"]) for p in pages if oracle(query, p["text"])}
    got = get_json(ds, f"/reports/pages.json?_search={quote(query)}&_shape=objects&_size=max&_nocol=text")
    assert {(row["sha256"], row["page"]) for row in got["rows"]} == expected and expected
    assert 'name="_search"' in get(ds, "/reports/pages").text


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the bad expression's SQLite error
def test_raw_search_mode_takes_an_fts5_expression(ds):
    plain = get_json(ds, "/reports/documents.json?_search=" + quote("复议") + "&_shape=objects&_size=max&_col=title")
    raw = get_json(ds, "/reports/documents.json?_searchmode=raw&_search=" + quote('"复 议"') + "&_shape=objects&_size=max&_col=title")
    assert {r["sha256"] for r in raw["rows"]} == {r["sha256"] for r in plain["rows"]}
    bad = get(ds, "/reports/documents.json?_searchmode=raw&_search=" + quote('NEAR("'))
    assert bad.status_code in (400, 500) or "error" in bad.text.lower()


def test_facets_are_computed_on_search_results(ds):
    got = get_json(ds, "/reports/documents.json?_search=" + quote("复议"))
    facets = got["facet_results"]
    assert {"year", "agency", "portal", "format", "consistent"} <= set(facets)
    assert sum(v["count"] for v in facets["format"]["results"]) == got["filtered_table_rows_count"]


def test_coverage_and_charts_read_the_loaders_summaries_with_the_live_numbers(ds):
    """The pages read the summary tables the loader stores; they hold what the view and the
    chart SQL compute from the base tables, so the pages show the same numbers as before."""
    from loader.schema import BY_YEAR_SQL, CHART_COLUMNS, COVERAGE_COLUMNS
    from website.views.charts import by_year, top_agencies
    from website.views.coverage import coverage_source

    db = ds.get_database("reports")
    assert asyncio.run(coverage_source(db)) == "coverage_summary"
    columns = ", ".join(COVERAGE_COLUMNS)
    live = db_rows(ds, f"select {columns} from report_coverage")
    assert live and db_rows(ds, f"select {columns} from coverage_summary order by portal, year") == live
    assert asyncio.run(by_year(db, None)) == db_rows(ds, BY_YEAR_SQL.format(group="", where=""))
    for agency in [r["agency"] for r in db_rows(ds, "select distinct agency from documents where agency is not null")]:
        expected = db_rows(ds, BY_YEAR_SQL.format(group="", where="and d.agency = :agency"), {"agency": agency})
        assert asyncio.run(by_year(db, agency)) == expected, agency
    assert set(CHART_COLUMNS) <= set(asyncio.run(by_year(db, None))[0])
    assert asyncio.run(top_agencies(db)) == [r["agency"] for r in db_rows(
        ds, "select agency from documents where agency is not null group by agency order by count(*) desc, agency limit 500")]


def test_a_repeated_search_is_answered_from_the_response_cache(ds):
    from website import search_cache

    url = "/-/search.json?q=" + quote("复议")
    first = get(ds, url)
    kept = [key for key in search_cache._responses if key[2] == "/-/search.json"]
    assert first.status_code == 200 and kept
    assert get(ds, url).content == first.content
    assert get(ds, "/reports/documents.json?_search=" + quote("复议")).status_code == 200
    assert any(key[2] == "/reports/documents.json" for key in search_cache._responses)
    assert not search_cache._cacheable({"type": "http", "method": "GET", "path": "/-/search", "query_string": b"q=x",
                                        "headers": [(b"cookie", b"ds_actor=abc")]})
    assert not search_cache._cacheable({"type": "http", "method": "GET", "path": "/-/coverage", "query_string": b""})


@pytest.mark.parametrize("query", ["复议", "诉", "政府信息公开", "不存在的词语"])
def test_every_shape_of_the_table_search_clause_finds_the_same_rows(ds, query):
    from website.plugin import search_clause

    expected = {r["sha256"] for r in db_rows(ds, "select sha256 from documents where rowid in (select rowid from "
                                               "documents_fts where documents_fts match escape_fts(?))", [query])}
    total = db_rows(ds, "select count(*) as n from documents")[0]["n"]
    for shape in (None, (1, total), (total // 3, total), (total, total)):  # seek, seek, +rowid in, +rowid not in
        clause = search_clause("documents_fts", 0, shape)
        got = {r["sha256"] for r in db_rows(ds, f"select sha256 from documents where {clause}", {"nianbao_search": query})}
        assert got == expected, (shape, clause)


def test_pages_compute_live_while_the_summaries_are_not_this_versions(ds, site_data, tmp_path):
    """A reports.db no load of this version has summarised yet: the pages read the views, as before."""
    from nianbao import DataDir
    from website.views.coverage import coverage_source

    (tmp_path / "reports.db").write_bytes((site_data / "reports.db").read_bytes())
    conn = sqlite3.connect(tmp_path / "reports.db")
    with conn:
        conn.execute("delete from nianbao_meta where key = 'summaries_version'")
        for table in ("coverage_summary", "chart_totals", "agency_reports"):
            conn.execute(f"delete from {table}")
    conn.close()
    stale = DataDir(tmp_path).datasette()
    assert asyncio.run(coverage_source(stale.get_database("reports"))) == "report_coverage"
    for page in ("/-/coverage", "/-/charts"):
        assert get(stale, page).text == get(ds, page).text, page
