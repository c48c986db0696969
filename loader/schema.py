"""The schema of reports.db: what extraction writes, the journal's copies, search, and views.

The journal's tables (sources, crawls, portal_runs, fetch_errors) are copied
with the columns ``crawler.journal.TABLES`` defines; ``portals`` holds each
portal's newest definition. The views give the site and the canned queries one
definition each of "one report per agency and year" (``chosen_reports``) and of
the legal deadlines (``report_coverage``).
"""

from __future__ import annotations

from dataclasses import replace

import sqlite_utils

from crawler.journal import TABLES as JOURNAL_TABLES
from crawler.journal import TableSpec, create_tables

# Journal table -> reports.db table. ``portals`` keeps one row per portal: its newest definition.
JOURNAL_COPIES: dict[str, TableSpec] = {
    "sources": JOURNAL_TABLES["sources"],
    "fetch_errors": JOURNAL_TABLES["fetch_errors"],
    "crawls": JOURNAL_TABLES["crawls"],
    "portal_runs": JOURNAL_TABLES["portal_runs"],
    "portals": replace(JOURNAL_TABLES["portals"], pk="portal", indexes=()),
}

DOCUMENT_COLUMNS = (
    "sha256", "title", "agency", "year", "region", "format", "format_version", "pages", "size",
    "consistent", "figures_quality", "needs_ocr", "ocr", "extract_error", "first_seen", "last_seen", "portal", "url",
    "filename", "published", "published_from", "original", "media_type", "extractor_version", "extracted_at", "text",
)

# 条例 第四十九条: departments publish by 31 January, governments by 31 March of the next year
# (an unknown kind is held to the later date).
DEADLINE = "case when {kind} = 'department' then ({year} + 1) || '-01-31' else ({year} + 1) || '-03-31' end"

SCHEMA = f"""
create table if not exists documents (
    sha256 text primary key,
    title text, agency text, year integer, region text,
    format text, format_version text, pages integer, size integer,
    consistent integer, figures_quality text, needs_ocr integer, extract_error text,
    first_seen text, last_seen text, portal text, url text, filename text,
    original text, media_type text, extractor_version text, extracted_at text,
    text text, ocr integer, published text, published_from text
);
create table if not exists report_stats (
    sha256 text not null, section integer not null, item text not null, measure text not null,
    value numeric, page integer, row_label text, column_label text,
    x0 real, top real, x1 real, bottom real,
    table_idx integer, table_row integer, table_col integer, reading text, confidence real,
    primary key (sha256, section, item, measure)
);
create index if not exists report_stats_key on report_stats(section, item, measure);
create table if not exists report_checks (
    sha256 text not null, rule text not null, "column" text not null,
    expected numeric, found numeric, ok integer
);
create index if not exists report_checks_sha256 on report_checks(sha256);
create table if not exists report_tables (
    sha256 text not null, section integer not null, status text, reading text,
    expected integer, identified integer, disagreements text, note text,
    primary key (sha256, section)
);
create table if not exists document_tables (
    sha256 text not null, page integer, idx integer not null, reading text, header_rows integer, rows text,
    primary key (sha256, idx)
);
create table if not exists pages (
    sha256 text not null, page integer not null, text text,
    primary key (sha256, page)
);
-- Search (see loader/search_index.py): contentless FTS5 indexes holding one token per
-- CJK character, keyed by documents.rowid and pages.rowid.
create virtual table if not exists documents_fts using fts5(
    title, text, content='', tokenize='unicode61 remove_diacritics 2'
);
create virtual table if not exists pages_fts using fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);
-- Ranked search as Datasette tables: a MATCH on the hidden "fts" column is pushed
-- down into the index, and "rank" (bm25, title weighted) can then be sorted on.
create view if not exists document_search as
    select f.rowid as rowid, f.documents_fts as fts, f.rank as rank, d.sha256, d.title, d.agency,
           d.year, d.region, d.portal, d.format, d.pages, d.original, d.text
    from documents_fts f join documents d on d.rowid = f.rowid;
create view if not exists page_search as
    select f.rowid as rowid, f.pages_fts as fts, f.rank as rank, p.sha256, p.page, d.title, d.agency,
           d.year, d.format, d.original, p.text
    from pages_fts f join pages p on p.rowid = f.rowid join documents d on d.sha256 = p.sha256;
create table if not exists nianbao_meta (key text primary key, value text);
create view if not exists document_versions as
    select s.url, s.portal, s.sha256, d.title, min(s.fetched_at) as first_fetched,
           max(s.fetched_at) as last_fetched, count(distinct s.crawl_id) as fetches,
           (select count(distinct s2.sha256) from sources s2 where s2.url = s.url) as versions_of_url
    from sources s left join documents d on d.sha256 = s.sha256
    group by s.url, s.sha256;
-- Each portal's last run, the ones that need a look (not ok, or regressed) first: the home page shows it.
create view if not exists portal_status as
    select r.portal, p.name, p.kind, r.status, r.regressed, r.reports_found, r.previous_reports, r.reason,
           c.finished_at as crawled_at, r.crawl_id
    from portal_runs r
    left join crawls c on c.id = r.crawl_id
    left join portals p on p.portal = r.portal
    where r.crawl_id = (select max(q.crawl_id) from portal_runs q where q.portal = r.portal and q.status != 'idle')
    order by (r.status != 'ok' or coalesce(r.regressed, 0) = 1) desc, r.portal;
-- One report per agency and year: the same report is often published as PDF and DOCX,
-- or re-published; totals count it once. Preferred: consistent figures, then the newest.
create view if not exists chosen_reports as
    select sha256, agency, year from (
        select sha256, agency, year, row_number() over (
            partition by coalesce(agency, sha256), year
            order by coalesce(consistent, -1) desc, first_seen desc, sha256) as n
        from documents where year is not null
    ) where n = 1;
-- Portal x report year since the first report year: found on time, late, missing (deadline
-- passed before the last fetch), not due. On time or late is judged on the earliest day the
-- report is known to have been public: the date its portal gives (documents.published; one
-- before 1 January after the report year cannot be that report's and is not believed), or
-- the first sighting by the archive when that is earlier or no date was given (judged_by
-- says which: published / first_seen / first_seen (fallback), the last when no report of
-- that portal and year has a date). A portal with no report year yet has one row, its year empty.
create view if not exists report_coverage as
    with recursive
    last_fetch(at) as (select substr(max(fetched_at), 1, 10) from sources),
    span(first, last) as (
        select min(year), max(max(year), coalesce(cast(substr((select at from last_fetch), 1, 4) as integer) - 1, max(year)))
        from documents where year is not null
    ),
    years(year) as (
        select first from span where first is not null
        union all
        select year + 1 from years where year < (select last from span)
    ),
    portal_ids(portal) as (
        select portal from sources where portal is not null
        union select portal from portal_runs where portal is not null
    ),
    dated as (
        select portal, year, first_seen, substr(first_seen, 1, 10) as seen_on,
            case when published >= (year + 1) || '-01-01' then substr(published, 1, 10) end as published
        from documents where portal is not null and year is not null
    ),
    found as (
        select portal, year, count(*) as reports, min(first_seen) as first_seen, min(published) as published,
            min(coalesce(min(published, seen_on), published, seen_on)) as judged_on
        from dated group by portal, year
    ),
    grid as (
        select i.portal, y.year, p.kind, {DEADLINE.format(kind="p.kind", year="y.year")} as deadline
        from portal_ids i left join years y left join portals p on p.portal = i.portal
    )
    select g.portal, g.year, g.kind, g.deadline, coalesce(f.reports, 0) as reports, f.first_seen, f.published,
        f.judged_on,
        case
            when f.reports is null then null
            when f.published is null then 'first_seen (fallback)'
            when f.judged_on = f.published then 'published'
            else 'first_seen'
        end as judged_by,
        case
            when f.reports is null then
                case when (select at from last_fetch) > g.deadline then 'missing' else 'not_due' end
            when f.judged_on > g.deadline then 'late'
            else 'ok'
        end as status,
        (select at from last_fetch) as last_fetch
    from grid g left join found f on f.portal = g.portal and f.year = g.year
    order by g.portal, g.year;
"""


# --- Summary tables: what the coverage and chart pages show, computed at load time --------
#
# At 100,000 reports the views behind /-/coverage and /-/charts take about a second; the
# loader stores their answers (``refresh_summaries`` in loader.py, at the end of every
# load, in one transaction) and the pages read these tables while ``nianbao_meta`` says
# they were built by this SUMMARIES_VERSION (else the pages compute them live, as before).
SUMMARIES_VERSION = "1"

# Table 三, column 总计, of one report per agency and year (chosen_reports), by year:
# {group} adds a grouping column in front of the year, {where} narrows the reports.
BY_YEAR_SQL = """
select {group} d.year,
  count(distinct d.sha256) as reports,
  sum(case when s.item = 'received' then s.value end) as received,
  sum(case when s.item = 'granted' then s.value end) as granted,
  sum(case when s.item = 'partially_granted' then s.value end) as partially_granted,
  sum(case when s.item like 'denied.%' then s.value end) as denied,
  sum(case when s.item like 'unavailable.%' then s.value end) as unavailable,
  sum(case when s.item like 'not_processed.%' then s.value end) as not_processed,
  sum(case when s.item = 'other' or s.item like 'other.%' then s.value end) as other
from chosen_reports d join report_stats s on s.sha256 = d.sha256
where s.section = 3 and s.measure = 'total' {where}
group by {group} d.year order by {group} d.year
"""
CHART_COLUMNS = ("year", "reports", "received", "granted", "partially_granted", "denied", "unavailable",
                 "not_processed", "other")
# The agencies the chart page offers, most reports first.
AGENCIES_SQL = "select agency, count(*) as documents from documents where agency is not null group by agency"
COVERAGE_COLUMNS = ("portal", "year", "kind", "deadline", "reports", "first_seen", "published", "judged_on",
                    "judged_by", "status", "last_fetch")

SUMMARY_SCHEMA = """
create table if not exists coverage_summary (
    portal text, year integer, kind text, deadline text, reports integer, first_seen text, published text,
    judged_on text, judged_by text, status text, last_fetch text
);
create index if not exists coverage_summary_cell on coverage_summary(portal, year);
-- agency empty: every agency's reports (a report without an agency counts there only).
create table if not exists chart_totals (
    agency text, year integer, reports integer, received, granted, partially_granted, denied, unavailable,
    not_processed, other
);
create index if not exists chart_totals_agency on chart_totals(agency, year);
create table if not exists agency_reports (agency text primary key, documents integer);
create index if not exists agency_reports_most on agency_reports(documents desc, agency);
"""
SUMMARY_TABLES = ("coverage_summary", "chart_totals", "agency_reports")

# Made after the columns of an older reports.db are added (create_schema).
DOCUMENT_INDEXES = """
-- The columns the documents table is sorted and faceted on (datasette-metadata.yml): a
-- search matching most reports counts and sorts from these, not from the wide rows.
create index if not exists documents_year on documents(year);
create index if not exists documents_agency on documents(agency);
create index if not exists documents_region on documents(region);
create index if not exists documents_portal on documents(portal);
create index if not exists documents_format on documents(format);
create index if not exists documents_consistent on documents(consistent);
"""
SCHEMA += SUMMARY_SCHEMA


def create_schema(db: sqlite_utils.Database) -> None:
    """Create whatever reports.db lacks (the journal's copies first: the views read them),
    add the columns a table of an older reports.db lacks, and replace the views an older
    reports.db defines otherwise (a view holds no data)."""
    create_tables(db, JOURNAL_COPIES)
    db.conn.executescript(SCHEMA)
    wanted = sqlite_utils.Database(memory=True)
    create_tables(wanted, JOURNAL_COPIES)
    wanted.conn.executescript(SCHEMA)
    for table in wanted.table_names():
        if table.endswith(("_fts", "_data", "_idx", "_docsize", "_config", "_content")) or table not in db.table_names():
            continue
        have = set(db[table].columns_dict)
        for column in wanted[table].columns:
            if column.name not in have:
                db.execute(f"alter table [{table}] add column [{column.name}] {column.type}")
    db.conn.executescript(DOCUMENT_INDEXES)
    views = "select name, sql from sqlite_master where type = 'view'"
    have = dict(db.execute(views).fetchall())
    for name, sql in wanted.execute(views).fetchall():
        if have.get(name) != sql:
            with db.conn:
                db.execute(f"drop view if exists [{name}]")
                db.execute(sql)
