"""The ``nianbao`` command: a thin layer over the Python API of each stage.

Every user error (bad config, busy DATA directory, unreadable file) ends in one
line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import click

from archive import Archive

from . import __version__

DEFAULT_DATA = "data"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def fail(message: str, code: int = 2) -> None:
    click.echo(f"nianbao: error: {message}", err=True)
    sys.exit(code)


def show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress_bar(description: str):
    """A wrapper giving a tqdm bar on a terminal and silence elsewhere."""

    def wrap(iterable, total):
        if not show_progress():
            return iterable
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=description, unit="doc", leave=False)

    return wrap


@click.group()
@click.version_option(__version__, prog_name="nianbao")
def cli():
    """nianbao: an archive of government information-disclosure annual reports.

    Crawl portals, keep every original, extract the figures, publish with Datasette.
    """


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False), default="portals.yml")
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path(file_okay=False))
@click.option("--portal", "only", multiple=True, help="Crawl only this portal id (repeatable).")
@click.option("--no-load", is_flag=True, help="Only crawl and archive; do not update reports.db.")
@click.option("--no-throttle", is_flag=True, help="Switch politeness delays off (local mirrors and tests only).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("--workers", type=int, default=None, help="Extraction processes (default: all cores).")
def crawl(config, data_dir, only, no_load, no_throttle, overrides, workers):
    """Run the whole pipeline over every portal in CONFIG: crawl, archive, extract, load."""
    from crawler.config import ConfigError, load_portals

    from .lock import DataLock, LockedError

    try:
        portals = load_portals(config)
    except ConfigError as error:
        fail(str(error))
    if only:
        unknown = set(only) - {portal.id for portal in portals}
        if unknown:
            fail(f"{config}: no portal with id {', '.join(sorted(unknown))}")
        portals = [portal for portal in portals if portal.id in only]
    from crawler.run import StorageError, run_crawl
    from crawler.settings import FAST_SETTINGS

    settings = {**(FAST_SETTINGS if no_throttle else {}), **parse_overrides(overrides)}
    try:
        with DataLock(data_dir):
            Archive(Path(data_dir) / "archive").clean_incoming()  # leftovers of a killed run
            summary = run_crawl(portals, Path(data_dir), config_label=str(config), settings=settings, progress=show_progress())
            print_crawl_summary(summary)
            if not no_load:
                run_load(data_dir, force=False, workers=workers)
    except LockedError as error:
        fail(str(error))
    except StorageError as error:
        fail(f"{data_dir}: crawl stopped: {error}", code=1)
    except (OSError, sqlite3.OperationalError) as error:
        fail(f"{data_dir}: {getattr(error, 'strerror', None) or error}")


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
    for portal_id, portal in sorted(summary.get("per_portal", {}).items()):
        status = portal.get("status", "ok")
        if status != "ok":
            reason = portal.get("reason") or ""
            click.echo(f"  {portal_id}: {status.upper()} {reason}".rstrip())
    if summary.get("errors_by_kind"):
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(summary["errors_by_kind"].items()))
        click.echo(f"  errors by kind: {kinds}")


def run_load(data_dir, force: bool, workers: int | None) -> None:
    from .loader import load

    summary = load(data_dir, force=force, workers=workers, progress=progress_bar("extract"))
    click.echo(
        f"load: {summary.sources_added} new fetches, {summary.extracted} documents extracted "
        f"({len(summary.errors)} unreadable), {summary.unchanged} unchanged -> {Path(data_dir) / 'reports.db'}"
    )


@cli.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--all", "all_data", type=click.Path(file_okay=False), help="Re-extract a DATA directory into its reports.db.")
@click.option("--force", is_flag=True, help="With --all: re-extract every document, not only stale ones.")
@click.option("--workers", type=int, default=None, help="Processes to use (default: all cores).")
@click.option("--timeout", type=float, default=120, show_default=True, help="Seconds allowed per file.")
@click.option("--indent", type=int, default=None, help="Pretty-print JSON with this indent.")
def extract(files, all_data, force, workers, timeout, indent):
    """Print a JSON document per FILE: format, pages, text, tables and report figures.

    With --all DATA, bring every document of DATA/reports.db up to the current
    extractor version instead (idempotent).
    """
    if all_data:
        if files:
            fail("give either FILE arguments or --all DATA, not both")
        from .lock import DataLock, LockedError

        try:
            with DataLock(all_data):
                run_load(all_data, force=force, workers=workers)
        except LockedError as error:
            fail(str(error))
        return
    if not files:
        fail("nothing to extract: give one or more FILE arguments, or --all DATA")
    from .workers import run_isolated

    indexed = list(enumerate(files))
    results: dict[int, dict] = {}
    next_to_print = 0
    failures = 0
    for outcome in run_isolated(extract_file_json, indexed, workers=workers, timeout=timeout):
        position, name = outcome.item
        if outcome.error is not None:
            results[position] = {"file": name, "error": outcome.error}
        else:
            results[position] = outcome.value
        while next_to_print in results:
            document = results.pop(next_to_print)
            failures += "error" in document
            click.echo(json.dumps(document, ensure_ascii=False, indent=indent))
            next_to_print += 1
    sys.exit(1 if failures else 0)


def extract_file_json(item) -> dict:
    """Extraction of one local file as a JSON-able dict (runs in a child process)."""
    from extractors import ExtractionError, extract as extract_path

    _, name = item
    path = Path(name)
    if not path.is_file():
        return {"file": name, "error": "no such file" if not path.exists() else "not a regular file"}
    try:
        result = extract_path(path)
    except ExtractionError as error:
        return {"file": name, "error": str(error)}
    return {"file": name, **result.to_dict()}


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False), default=DEFAULT_DATA)
@click.option("--force", is_flag=True, help="Re-extract every document.")
@click.option("--workers", type=int, default=None, help="Extraction processes (default: all cores).")
def load(data_dir, force, workers):
    """Build or update DATA/reports.db from DATA/archive and DATA/journal.db."""
    from .lock import DataLock, LockedError

    if not Path(data_dir).is_dir():
        fail(f"{data_dir}: no such DATA directory")
    try:
        with DataLock(data_dir):
            run_load(data_dir, force=force, workers=workers)
    except LockedError as error:
        fail(str(error))


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False), default=DEFAULT_DATA)
@click.option("--repair", is_flag=True, help="Fetch damaged or missing objects again from their sources.")
def verify(data_dir, repair):
    """Re-hash every archived original; exit 1 naming each object that fails."""
    from .lock import DataLock, LockedError
    from .verify import verify as verify_data

    if not (Path(data_dir) / "archive").is_dir():
        fail(f"{data_dir}: no archive here (expected {Path(data_dir) / 'archive'})")
    if repair:
        try:
            with DataLock(data_dir):
                report = verify_data(data_dir, repair=True)
        except LockedError as error:
            fail(str(error))
    else:
        report = verify_data(data_dir)
    repaired = dict(report.repaired)
    for sha256, problem in report.problems:
        if sha256 in repaired:
            click.echo(f"REPAIRED {sha256}: {problem}; restored from {repaired[sha256]}")
        else:
            click.echo(f"FAILED {sha256}: {problem}")
    click.echo(
        f"verify: {report.checked} objects checked, {len(report.problems)} problems"
        + (f", {len(report.repaired)} repaired" if repair else "")
    )
    sys.exit(0 if report.ok else 1)


def datasette_args(data_dir, host: str, port: int, metadata: str | None) -> list[str]:
    db = Path(data_dir) / "reports.db"
    metadata = metadata or str(PROJECT_ROOT / "datasette-metadata.yml")
    return [
        "serve",
        str(db),
        "--metadata", metadata,
        "--host", host,
        "--port", str(port),
        "--setting", "sql_time_limit_ms", "3000",
        "--setting", "facet_time_limit_ms", "500",
        "--setting", "max_returned_rows", "2000",
        "--setting", "allow_download", "0",
        "--setting", "suggest_facets", "0",
    ]


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False), default=DEFAULT_DATA)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@click.option("--metadata", type=click.Path(dir_okay=False, exists=True), help="Datasette metadata (default: the project's).")
def serve(data_dir, host, port, metadata):
    """Publish DATA/reports.db with Datasette."""
    if not (Path(data_dir) / "reports.db").is_file():
        fail(f"{data_dir}: no reports.db yet; run `make crawl` or `nianbao load {data_dir}` first")
    run_datasette(datasette_args(data_dir, host, port, metadata), host, port)


def run_datasette(args: list[str], host: str, port: int) -> None:
    from datasette.cli import cli as datasette_cli

    click.echo(f"Serving the archive at http://{host}:{port}/ (documents: http://{host}:{port}/reports/documents). Ctrl-C stops.")
    try:
        datasette_cli.main(args=args, prog_name="datasette", standalone_mode=False)
    except KeyboardInterrupt:
        pass
    except OSError as error:
        fail(f"cannot serve on {host}:{port}: {error.strerror or error}")


@cli.command()
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path(file_okay=False))
@click.option("-p", "--port", default=8001, show_default=True, type=int, help="Datasette port.")
@click.option("--portal-port", default=8765, show_default=True, type=int, help="Port of the bundled sample portal.")
def demo(data_dir, port, portal_port):
    """Start the bundled sample portal, crawl it into DATA, and serve the result."""
    from .demo import run_demo

    run_demo(Path(data_dir), port=port, portal_port=portal_port)


