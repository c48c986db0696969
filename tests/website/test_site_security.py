"""The served site is safe to put on the internet: a live ``nianbao serve`` refuses
SQL writes, ATTACH and runaway queries, and does not hand out the database file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

def sql(base: str, statement: str) -> httpx.Response:
    return httpx.get(f"{base}/reports.json?sql={quote(statement)}&_shape=array", timeout=30, trust_env=False)


def meta_rows(site_data: Path) -> list:
    conn = sqlite3.connect(site_data / "reports.db")
    try:
        return conn.execute("select * from nianbao_meta order by key").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("statement", [
    "insert into nianbao_meta (key, value) values ('pwned', '1')",
    "update documents set title = 'pwned'",
    "delete from documents",
    "drop table documents",
    "create table pwned (x)",
    "with x as (select 1) insert into nianbao_meta (key, value) select 'pwned', '1' from x",
    "with x as (select 1) delete from documents where 1 in (select * from x)",
    "pragma journal_mode = delete",
    "select 1; delete from documents",
])
def test_sql_writes_are_refused(live_site, site_data, statement):
    before = meta_rows(site_data)
    response = sql(live_site, statement)
    assert response.status_code >= 400, response.text
    assert meta_rows(site_data) == before
    assert sql(live_site, "select count(*) as n from documents").json()[0]["n"] > 0


@pytest.mark.parametrize("statement", [
    "attach database ':memory:' as other",
    "attach database '/etc/passwd' as other",
    "with x as (select 1) select * from x; attach database ':memory:' as other",
])
def test_attach_is_refused(live_site, statement):
    response = sql(live_site, statement)
    assert response.status_code >= 400
    listed = sql(live_site, "select name from pragma_database_list").json()
    assert [row["name"] for row in listed] == ["main"]


@pytest.mark.slow
def test_long_running_queries_are_stopped(live_site):
    started = time.perf_counter()
    response = sql(live_site, "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c")
    elapsed = time.perf_counter() - started
    assert response.status_code >= 400 and "too long" in response.text
    assert elapsed < 10


def test_database_file_is_not_downloadable_and_search_is_served(live_site):
    assert httpx.get(live_site + "/reports.db", trust_env=False).status_code in (403, 404)
    search = httpx.get(live_site + "/reports/documents.json?_search=" + quote("复议"), trust_env=False)
    assert search.status_code == 200 and search.json()["rows"]
    ranked = httpx.get(live_site + "/-/search.json?q=" + quote("复议"), trust_env=False).json()
    assert ranked["documents"] and "<mark>复议</mark>" in ranked["documents"][0]["snippet"]


def test_archived_web_pages_are_served_sandboxed_documents_are_not(live_site):
    from tests.support import fixture_files, sha256_of

    files = {f["format"]: f["path"] for f in fixture_files()}
    page = httpx.get(f"{live_site}/-/files/{sha256_of(files['html'])}", trust_env=False)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script" not in policy
    assert page.content == files["html"].read_bytes()  # the bytes as archived
    pdf = httpx.get(f"{live_site}/-/files/{sha256_of(files['pdf'])}", trust_env=False)
    assert pdf.status_code == 200 and "content-security-policy" not in pdf.headers  # the browser's PDF viewer keeps working
