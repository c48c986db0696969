"""Run Scrapy: a crawl of a list of portals, or a repair fetch of damaged originals.

Each run gets its own child process (``in_child``): Twisted's reactor cannot be
restarted, so a process that ran one crawl could not run another, and a Python
caller may want several. In the child: one CrawlerProcess, one crawler per
portal, all concurrent on the asyncio reactor (so scrapy-playwright can drive
chromium for ``render: true`` portals). Originals go to ``DATA/archive``, the
record to ``DATA/journal.db``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import multiprocessing
import os
import signal
import sqlite3
import threading
import traceback
from pathlib import Path
from typing import Callable

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.reactor import install_reactor, is_reactor_installed

from crawler.config import Portal
from crawler.journal import PORTAL_COUNTS
from crawler.pipelines import FATAL_STAT
from crawler.resources import close_all, journal_for
from crawler.settings import build_settings

logger = logging.getLogger(__name__)


class StorageError(Exception):
    """DATA could not take what the crawl fetched (disk full, read-only): the run stopped."""


class CrawlProcessError(Exception):
    """The crawl's child process died or failed in a way it could not report."""


def run_crawl(
    portals: list[Portal],
    data_dir: Path,
    config_label: str = "",
    settings: dict | None = None,
    progress: bool = False,
) -> dict:
    """Crawl ``portals`` (blocking, in a child process) and return the run's summary.

    A portal that cannot be reached is recorded as failed with its reason; the
    run still completes. Returns (and writes to ``DATA/last-crawl.json``)::

        {"crawl_id", "status", "portals", "portals_failed", "portals_empty",
         "portals_regressed": [ids], "requests", "bytes_transferred", "pages_fetched",
         "reports_found", "new", "unchanged", "changed", "errors", "requests_per_report",
         "errors_by_kind": {kind: n}, "bytes_downloaded",
         "per_portal": {id: {status, reason, regressed, previous_reports, counts…}}, "interrupted"}

    ``requests`` and ``bytes_transferred`` count what went over the wire (a 304 is a
    request and 0 bytes); ``bytes_downloaded`` is the document bytes archived.
    ``interrupted`` is true when Ctrl-C stopped the run early (what was fetched is
    kept and journalled). Raises StorageError when DATA could not take what was fetched.
    """
    settings = dict(settings or {})
    summary, interrupted = in_child(_crawl, list(portals), Path(data_dir), config_label, settings, progress)
    summary["interrupted"] = interrupted
    shard = settings.get("NIANBAO_SHARD") if settings.get("NIANBAO_FRONTIER") else None
    write_summary(Path(data_dir) / (f"last-crawl-{shard}.json" if shard else LAST_CRAWL), summary)
    return summary


LAST_CRAWL = "last-crawl.json"  # a fleet member's: last-crawl-<shard>.json


def write_summary(path: Path, summary: dict) -> None:
    """The run's summary as JSON for machines (monitoring, cron mail), written atomically."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, path)


def run_repair(targets: dict[str, list[tuple[str, Portal]]], data_dir: Path, settings: dict | None = None) -> dict[str, str]:
    """Fetch damaged originals again through the crawler's own download path.

    ``targets`` maps a sha256 to the (URL, portal) pairs it was fetched from,
    newest first. Each URL goes through the same policy as a crawl: address
    policy, robots.txt, User-Agent, retries, anti-bot detection and size limit.
    Returns ``{sha256: URL}`` for every object restored with bytes that hash right.
    """
    if not targets:
        return {}
    restored, _ = in_child(_repair, targets, Path(data_dir), dict(settings or {}))
    return restored


# --- the child process ------------------------------------------------------------


def in_child(function: Callable, *args) -> tuple:
    """Call ``function(*args)`` in a forked child process; returns (its value, interrupted) or raises.

    While the child runs, Ctrl-C here is only noted (``interrupted``): the child gets
    it too (same process group) and Scrapy shuts it down cleanly, journal included.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sender, function, args), daemon=False)
    process.start()
    sender.close()
    interrupts: list[int] = []
    previous = _note_sigint(interrupts)
    try:
        try:
            status, value = receiver.recv()
        except EOFError:
            status, value = "died", None
        process.join()
    finally:
        _restore_sigint(previous)
        receiver.close()
    if status == "ok":
        return value, bool(interrupts)
    if status == "raised":
        raise value
    if status == "failed":
        raise CrawlProcessError(value)
    code = process.exitcode
    how = f"was killed by signal {-code}" if code and code < 0 else f"exited with code {code}"
    raise CrawlProcessError(f"the crawl process {how}")


def _child_main(sender, function: Callable, args) -> None:
    _end_with_parent()
    try:
        result = ("ok", function(*args))
    except (StorageError, OSError, sqlite3.Error) as error:
        result = ("raised", error)
    except BaseException as error:  # noqa: BLE001 - reported to the parent as one line
        logger.debug("crawl process failed:\n%s", traceback.format_exc())
        result = ("failed", f"{type(error).__name__}: {error}")
    try:
        sender.send(result)
    except Exception as error:  # noqa: BLE001 - an unpicklable exception
        sender.send(("failed", f"{type(result[1]).__name__}: {result[1]} ({error})"))
    sender.close()
    logging.shutdown()
    os._exit(0)


def _end_with_parent() -> None:
    """Ask Linux for SIGTERM (a clean Scrapy shutdown) should the parent die first."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


_NOT_INSTALLED = object()


def _note_sigint(interrupts: list[int]):
    """Record Ctrl-C in ``interrupts`` instead of raising; returns what to restore."""
    if threading.current_thread() is not threading.main_thread():
        return _NOT_INSTALLED  # only the main thread may handle signals
    return signal.signal(signal.SIGINT, lambda signum, frame: interrupts.append(signum))


def _restore_sigint(previous) -> None:
    if previous is not _NOT_INSTALLED:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def _new_process(run_settings: dict) -> CrawlerProcess:
    process_settings = build_settings(run_settings)
    if not is_reactor_installed():
        # Per-portal Crawler objects expect the (asyncio) reactor to be there already.
        install_reactor(process_settings["TWISTED_REACTOR"])
    process = CrawlerProcess(process_settings)
    _quiet_known_noise(process_settings)
    return process


def _crawl(portals: list[Portal], data_dir: Path, config_label: str, settings: dict, progress: bool) -> dict:
    from crawler.spiders.portal import PortalSpider

    data_dir.mkdir(parents=True, exist_ok=True)
    frontier = settings.get("NIANBAO_FRONTIER")
    journal = journal_for(data_dir, settings.get("NIANBAO_SHARD"), frontier)
    crawl_id = journal.begin_crawl(config_label, portals)
    run_settings = {
        "HTTPCACHE_DIR": str((data_dir / "cache" / "http").resolve()),
        **settings,
        "NIANBAO_DATA_DIR": str(data_dir.resolve()),
        "NIANBAO_CRAWL_ID": crawl_id,
        "NIANBAO_PROGRESS": progress,
        "NIANBAO_PORTAL_COUNT": len(portals),
    }
    process = _new_process(run_settings)
    membership = None
    if frontier:  # after the reactor is installed: the membership beats on it
        from crawler.fleet import FleetMembership

        membership = FleetMembership(frontier, settings["NIANBAO_RUN"], settings["NIANBAO_MEMBER"])
        membership.join()
    crawlers: dict[str, Crawler] = {}
    for portal in portals:
        crawler = Crawler(PortalSpider, build_settings(run_settings, render=portal.render))
        crawlers[portal.id] = crawler
        process.crawl(crawler, portal=portal)
    status = "finished"
    try:
        process.start()
    except Exception as error:  # noqa: BLE001 - the run must be journalled whatever happened
        logger.exception("crawl process failed")
        status = f"failed: {error}"
    if membership is not None:
        membership.leave()

    fatal = next(
        (c.stats.get_value(FATAL_STAT) for c in crawlers.values() if c.stats and c.stats.get_value(FATAL_STAT)), None
    )
    if fatal:
        try:
            journal.finish_crawl(crawl_id, "failed", {})
        except sqlite3.Error:
            pass  # the disk that stopped the crawl may refuse this too
        close_all()
        raise StorageError(fatal)

    per_portal = {}
    rows = {row["portal"]: row for row in journal.db.query("select * from portal_runs where crawl_id = ?", [crawl_id])}
    totals = {key: 0 for key in PORTAL_COUNTS}
    errors_by_kind: dict[str, int] = {}
    bytes_downloaded = 0
    for portal in portals:
        row = rows.get(portal.id)
        if row is None:
            # The spider never closed normally (it crashed while starting).
            row = {"status": "failed", "reason": "crawler did not run", **{key: 0 for key in PORTAL_COUNTS}, "errors_by_kind": {}}
            journal.record_portal(crawl_id, portal.id, **row)
        kinds = row.get("errors_by_kind") or {}
        if isinstance(kinds, str):
            kinds = json.loads(kinds)
        stats = crawlers[portal.id].stats.get_stats() if crawlers[portal.id].stats else {}
        entry = {key: row.get(key) or 0 for key in PORTAL_COUNTS}
        entry.update(
            status=row["status"],
            reason=row.get("reason"),
            regressed=bool(row.get("regressed")),
            previous_reports=row.get("previous_reports"),
            errors_by_kind=kinds,
            bytes_downloaded=stats.get("nianbao/bytes_downloaded", 0),
        )
        per_portal[portal.id] = entry
        for key in PORTAL_COUNTS:
            totals[key] += entry[key]
        for kind, count in kinds.items():
            errors_by_kind[kind] = errors_by_kind.get(kind, 0) + count
        bytes_downloaded += entry["bytes_downloaded"]

    summary = {
        "crawl_id": crawl_id,
        "status": status,
        "portals": len(portals),
        "portals_failed": sum(1 for e in per_portal.values() if e["status"] in ("failed", "blocked")),
        "portals_empty": sum(1 for e in per_portal.values() if e["status"] == "empty"),
        "portals_regressed": sorted(name for name, e in per_portal.items() if e["regressed"]),
        **totals,
        "requests_per_report": round(totals["requests"] / totals["reports_found"], 2) if totals["reports_found"] else None,
        "errors_by_kind": errors_by_kind,
        "bytes_downloaded": bytes_downloaded,
        "per_portal": per_portal,
    }
    journal.finish_crawl(crawl_id, status, summary)
    close_all()
    return summary


def _repair(targets: dict[str, list[tuple[str, Portal]]], data_dir: Path, settings: dict) -> dict[str, str]:
    from crawler.spiders.repair import RepairSpider

    run_settings = {**settings, "HTTPCACHE_ENABLED": False, "NIANBAO_DATA_DIR": str(data_dir.resolve())}
    process = _new_process(run_settings)
    by_portal: dict[str, tuple[Portal, dict[str, list[str]]]] = {}
    for sha256, sources in targets.items():
        for url, portal in sources:
            _, urls = by_portal.setdefault(portal.id, (portal, {}))
            urls.setdefault(sha256, []).append(url)
    restored: dict[str, str] = {}
    crawlers = []
    for portal, urls in by_portal.values():
        crawler = Crawler(RepairSpider, build_settings(run_settings))
        crawlers.append(crawler)
        process.crawl(crawler, portal=portal, urls=urls, restored=restored)
    process.start()
    close_all()
    fatal = next((c.stats.get_value(FATAL_STAT) for c in crawlers if c.stats and c.stats.get_value(FATAL_STAT)), None)
    if fatal:
        raise StorageError(fatal)
    return restored


def _quiet_known_noise(settings: dict) -> None:
    """An unreachable portal makes robots.txt fetching log a traceback; the journal has it already."""
    if str(settings.get("LOG_LEVEL", "WARNING")).upper() != "DEBUG":
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
