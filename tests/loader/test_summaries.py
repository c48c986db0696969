"""The summary tables the coverage and chart pages read hold exactly what the live
views and SQL compute from the base tables, after a load, a further load and a re-run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench import corpus
from loader import open_db
from loader.loader import refresh_summaries
from loader.schema import AGENCIES_SQL, BY_YEAR_SQL, CHART_COLUMNS, COVERAGE_COLUMNS, SUMMARY_TABLES

COUNT = 400


def rows(conn: sqlite3.Connection, sql: str, params=()) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def assert_summaries_are_live(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        columns = ", ".join(COVERAGE_COLUMNS)
        assert rows(conn, f"select {columns} from coverage_summary order by portal, year") == rows(
            conn, f"select {columns} from report_coverage")
        chart = ", ".join(CHART_COLUMNS)
        assert rows(conn, f"select {chart} from chart_totals where agency is null order by year") == rows(
            conn, BY_YEAR_SQL.format(group="", where=""))
        agencies = [r[0] for r in rows(conn, "select distinct agency from documents where agency is not null")]
        assert agencies
        for agency in agencies:
            assert rows(conn, f"select {chart} from chart_totals where agency = ? order by year", [agency]) == rows(
                conn, BY_YEAR_SQL.format(group="", where="and d.agency = :agency"), {"agency": agency}), agency
        assert rows(conn, "select agency, documents from agency_reports order by agency") == rows(
            conn, f"select * from ({AGENCIES_SQL}) order by agency")
        assert rows(conn, "select value from nianbao_meta where key = 'summaries_version'")
    finally:
        conn.close()


@pytest.fixture()
def data(tmp_path) -> Path:
    corpus.build(tmp_path, COUNT, written=COUNT - 40)
    return tmp_path


def test_summaries_equal_the_live_computation(data):
    assert_summaries_are_live(data / "reports.db")
    conn = sqlite3.connect(data / "reports.db")
    statuses = {r[0] for r in rows(conn, "select status from coverage_summary")}
    assert {"ok", "late", "missing"} <= statuses  # reports on time and late, and gaps
    assert rows(conn, "select count(*) from chart_totals where agency is null and received > 0")[0][0] >= 5


def test_summaries_follow_a_further_load_and_a_rerun_changes_nothing(data):
    before = {table: rows(sqlite3.connect(data / "reports.db"), f"select * from {table}") for table in SUMMARY_TABLES}
    corpus.load(data, corpus.reports(COUNT), range(COUNT - 40, COUNT))  # the loader's own path refreshes them
    assert_summaries_are_live(data / "reports.db")
    conn = sqlite3.connect(data / "reports.db")
    after = {table: rows(conn, f"select * from {table}") for table in SUMMARY_TABLES}
    assert after != before
    conn.close()
    db = open_db(data / "reports.db")
    refresh_summaries(db)
    refresh_summaries(db)
    db.conn.close()
    conn = sqlite3.connect(data / "reports.db")
    assert {table: rows(conn, f"select * from {table}") for table in SUMMARY_TABLES} == after
