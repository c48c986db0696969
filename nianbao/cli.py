"""The ``nianbao`` command: a thin layer over the Python API (``nianbao.DataDir``).

Every verb calls one API method and prints what it returns; every user error
(bad config, busy DATA directory, unreadable file) ends in one line on stderr
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import sys
from dataclasses import asdict
from pathlib import Path

import click

from . import __version__
from .datadir import DataDir, DataError, ServeError

DEFAULT_DATA = "data"


def fail(message: str, code: int = 2):
    click.echo(f"nianbao: error: {message}", err=True)
    sys.exit(code)


def one_line_errors(command):
    """Turn the API's exceptions into ``nianbao: error: …`` and an exit code."""
    from crawler.config import ConfigError
    from crawler.run import CrawlProcessError, StorageError

    from .lock import LockedError

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        data_dir = kwargs.get("data_dir")
        try:
            return command(*args, **kwargs)
        except (ConfigError, LockedError, DataError, ServeError) as error:
            fail(str(error))
        except StorageError as error:
            fail(f"{data_dir}: crawl stopped: {error}", code=1)
        except CrawlProcessError as error:
            fail(str(error), code=1)
        except (OSError, sqlite3.OperationalError) as error:
            fail(f"{data_dir}: {getattr(error, 'strerror', None) or error}")

    return wrapper


def show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@click.group()
@click.version_option(__version__, prog_name="nianbao")
def cli():
    """nianbao: an archive of government information-disclosure annual reports.

    Crawl portals, keep every original, extract the figures, publish with Datasette.
    """


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False), default="portals.yml")
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path(file_okay=False))
@click.option("--portal", "portals", multiple=True, help="Crawl only this portal id (repeatable).")
@click.option("--no-load", is_flag=True, help="Only crawl and archive; do not update reports.db.")
@click.option("--no-throttle", is_flag=True, help="Switch politeness delays and retries off (local mirrors and tests only).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("--workers", type=int, default=None, help="Extraction processes (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's whole summary as JSON instead of lines.")
@click.option("--frontier", metavar="REDIS_URL",
              help="Share the frontier, seen-set and politeness with other crawler processes through Redis "
                   "(a fleet run: this process writes journals/<shard>.db and does not load).")
@click.option("--run", "run_name", default="default", show_default=True, help="With --frontier: the fleet run's name.")
@click.option("--shard", default=None, help="With --frontier: this process's journal shard (default: host-pid).")
@one_line_errors
def crawl(config, data_dir, portals, no_load, no_throttle, overrides, workers, as_json, frontier, run_name, shard):
    """Run the whole pipeline over every portal in CONFIG: crawl, archive, extract, load."""
    result = DataDir(data_dir).crawl(
        config, portals=portals, throttle=not no_throttle, settings=parse_overrides(overrides),
        load=not no_load, workers=workers, progress=show_progress(),
        frontier=frontier, run=run_name, shard=shard,
    )
    if as_json:
        click.echo(json.dumps({**result.summary, "load": asdict(result.load) if result.load else None}, ensure_ascii=False, indent=2))
        return
    print_crawl_summary(result.summary)
    if result.load is not None:
        print_load_summary(result.load, data_dir)


def parse_overrides(pairs) -> dict:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(f"--set expects NAME=VALUE, got {pair!r}")
        try:
            settings[name] = json.loads(value)
        except json.JSONDecodeError:
            settings[name] = value
    return settings


def print_crawl_summary(summary: dict) -> None:
    click.echo(
        "crawl {crawl_id}: {portals} portals ({portals_failed} failed, {portals_empty} with no reports), "
        "{pages_fetched} pages fetched, {reports_found} reports found: "
        "{new} new, {unchanged} unchanged, {changed} changed originals; {errors} errors".format(
            **{key: summary.get(key, 0) for key in (
                "crawl_id", "portals", "portals_failed", "portals_empty", "pages_fetched",
                "reports_found", "new", "unchanged", "changed", "errors",
            )}
        )
    )
    per_report = summary.get("requests_per_report")
    click.echo(
        f"  {summary.get('requests', 0)} requests"
        f"{f' ({per_report} per report found)' if per_report is not None else ''}, "
        f"{summary.get('bytes_transferred', 0):,} bytes transferred"
    )
    for portal_id, portal in sorted(summary.get("per_portal", {}).items()):
        status = portal.get("status", "ok")
        if status != "ok":
            reason = portal.get("reason") or ""
            click.echo(f"  {portal_id}: {status.upper()} {reason}".rstrip())
        if portal.get("regressed"):
            click.echo(
                f"  {portal_id}: REGRESSED: {portal.get('reports_found', 0)} reports, "
                f"{portal.get('previous_reports')} in its previous run (did the portal change?)"
            )
    if summary.get("errors_by_kind"):
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(summary["errors_by_kind"].items()))
        click.echo(f"  errors by kind: {kinds}")


def print_load_summary(summary, data_dir) -> None:
    click.echo(
        f"load: {summary.sources_added} new fetches, {summary.extracted} documents extracted "
        f"({len(summary.errors)} unreadable), {summary.unchanged} unchanged -> {Path(data_dir) / 'reports.db'}"
    )


@cli.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--all", "data_dir", type=click.Path(file_okay=False), help="Re-extract a DATA directory into its reports.db.")
@click.option("--force", is_flag=True, help="With --all: re-extract every document, not only stale ones.")
@click.option("--workers", type=int, default=None, help="Processes to use (default: all cores).")
@click.option("--timeout", type=float, default=None, help="Seconds allowed per file (default: the extractors' own limit, enough to OCR a scan).")
@click.option("--indent", type=int, default=None, help="Pretty-print JSON with this indent.")
@one_line_errors
def extract(files, data_dir, force, workers, timeout, indent):
    """Print a JSON document per FILE: format, pages, text, tables and report figures.

    With --all DATA, bring every document of DATA/reports.db up to the current
    extractor version instead (idempotent).
    """
    from .extract import extract_files

    if data_dir:
        if files:
            fail("give either FILE arguments or --all DATA, not both")
        print_load_summary(DataDir(data_dir).load(force=force, workers=workers, progress=show_progress()), data_dir)
        return
    if not files:
        fail("nothing to extract: give one or more FILE arguments, or --all DATA")
    failures = 0
    options = {"timeout": timeout} if timeout is not None else {}
    for document in extract_files(files, workers=workers, **options):
        failures += "error" in document
        click.echo(json.dumps(document, ensure_ascii=False, indent=indent))
    sys.exit(1 if failures else 0)


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False), default=DEFAULT_DATA)
@click.option("--force", is_flag=True, help="Re-extract every document.")
@click.option("--workers", type=int, default=None, help="Extraction processes (default: all cores).")
@click.option("--queue", metavar="REDIS_URL", help="Extract on `nianbao worker` processes through this Redis instead.")
@one_line_errors
def load(data_dir, force, workers, queue):
    """Build or update DATA/reports.db from DATA/archive and DATA/journal.db (and fleet shards)."""
    summary = DataDir(data_dir).load(force=force, workers=workers, progress=show_progress(), queue=queue)
    print_load_summary(summary, data_dir)


@cli.command()
@click.argument("redis_url")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@one_line_errors
def worker(redis_url, burst):
    """Extract originals for `nianbao load --queue REDIS_URL`, wherever this machine reaches the archive.

    Jobs name a DATA directory and a sha256; this machine must see that DATA's archive
    (the same path on a shared file system, or the same object store configuration).
    """
    from loader.workers import work

    work(redis_url, burst=burst)


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False), default=DEFAULT_DATA)
@click.option("--repair", is_flag=True, help="Fetch damaged or missing objects again from their sources.")
@one_line_errors
def verify(data_dir, repair):
    """Re-hash every archived original; exit 1 naming each object that fails."""
    result = DataDir(data_dir).verify(repair=repair)
    repaired = dict(result.repaired)
    for sha256, problem in result.problems:
        if sha256 in repaired:
            click.echo(f"REPAIRED {sha256}: {problem}; restored from {repaired[sha256]}")
        else:
            click.echo(f"FAILED {sha256}: {problem}")
    click.echo(
        f"verify: {result.checked} objects checked, {len(result.problems)} problems"
        + (f", {len(result.repaired)} repaired" if repair else "")
    )
    sys.exit(0 if result.ok else 1)


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False), default=DEFAULT_DATA)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@click.option("--metadata", type=click.Path(dir_okay=False, exists=True), help="Datasette metadata (default: the project's).")
@one_line_errors
def serve(data_dir, host, port, metadata):
    """Publish DATA/reports.db with Datasette."""
    DataDir(data_dir).serve(host, port, metadata=metadata, ready=announce)


def announce(url: str) -> None:
    click.echo(f"Serving the archive at {url} (documents: {url}reports/documents). Ctrl-C stops.")


@cli.command()
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path(file_okay=False))
@click.option("-p", "--port", default=8001, show_default=True, type=int, help="Datasette port.")
@click.option("--portal-port", default=8765, show_default=True, type=int, help="Port of the bundled sample portal.")
@one_line_errors
def demo(data_dir, port, portal_port):
    """Start the bundled sample portal, crawl it into DATA, and serve the result."""
    from .demo import demo_config, sample_portal

    data = DataDir(data_dir)
    with sample_portal(portal_port) as server:
        click.echo(f"Sample portal running at {server.url}")
        result = data.crawl(demo_config(server.url), throttle=False, progress=show_progress())
        print_crawl_summary(result.summary)
        if result.summary["interrupted"]:
            click.echo("Interrupted.")
            return
        print_load_summary(result.load, data_dir)
        click.echo(f"Open http://127.0.0.1:{port}/reports/documents to browse the reports; "
                   f"try a search such as http://127.0.0.1:{port}/reports/documents?_search=行政处罚")
        data.serve("127.0.0.1", port, ready=announce)
