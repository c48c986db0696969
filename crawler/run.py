"""run_crawl: crawl a list of portals in one Scrapy process and summarise the run.

One CrawlerProcess, one crawler per portal, all running concurrently on the
asyncio reactor (so scrapy-playwright can drive chromium for ``render: true``
portals). Originals go to ``DATA/archive``, the record to ``DATA/journal.db``.

Twisted's reactor cannot be restarted: call run_crawl once per process (tests
run it in a subprocess: ``python -m crawler PORTALS.yml --data DIR``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.reactor import install_reactor, is_reactor_installed

from crawler.config import Portal
from crawler.pipelines import FATAL_STAT
from crawler.resources import close_all, journal_for
from crawler.settings import build_settings
from crawler.spiders.portal import PortalSpider

logger = logging.getLogger(__name__)

class StorageError(Exception):
    """DATA could not take what the crawl fetched (disk full, read-only): the run stopped."""


COUNTS = ("pages_fetched", "reports_found", "new", "unchanged", "changed", "errors")


def run_crawl(
    portals: list[Portal],
    data_dir: Path,
    config_label: str = "",
    settings: dict | None = None,
    progress: bool = False,
) -> dict:
    """Crawl ``portals`` (blocking) and return the run's summary.

    A portal that cannot be reached is recorded as failed with its reason; the
    run still completes. Returns::

        {"crawl_id", "portals", "portals_failed", "portals_empty", "pages_fetched",
         "reports_found", "new", "unchanged", "changed", "errors",
         "errors_by_kind": {kind: n}, "per_portal": {id: {status, reason, counts…}},
         "requests", "bytes_downloaded"}
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    journal = journal_for(data_dir)
    crawl_id = journal.begin_crawl(config_label, [portal.id for portal in portals])
    run_settings = {
        **(settings or {}),
        "NIANBAO_DATA_DIR": str(data_dir.resolve()),
        "NIANBAO_CRAWL_ID": crawl_id,
        "NIANBAO_PROGRESS": progress,
        "NIANBAO_PORTAL_COUNT": len(portals),
    }
    process_settings = build_settings(run_settings)
    if not is_reactor_installed():
        # Per-portal Crawler objects expect the (asyncio) reactor to be there already.
        install_reactor(process_settings["TWISTED_REACTOR"])
    process = CrawlerProcess(process_settings)
    _quiet_known_noise(process_settings)
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
    totals = {key: 0 for key in COUNTS}
    errors_by_kind: dict[str, int] = {}
    requests = bytes_downloaded = 0
    for portal in portals:
        row = rows.get(portal.id)
        if row is None:
            # The spider never closed normally (it crashed while starting).
            row = {"status": "failed", "reason": "crawler did not run", **{key: 0 for key in COUNTS}, "errors_by_kind": {}}
            journal.record_portal(crawl_id, portal.id, **row)
        kinds = row.get("errors_by_kind") or {}
        if isinstance(kinds, str):
            kinds = json.loads(kinds)
        stats = crawlers[portal.id].stats.get_stats() if crawlers[portal.id].stats else {}
        entry = {key: row.get(key) or 0 for key in COUNTS}
        entry.update(
            status=row["status"],
            reason=row.get("reason"),
            errors_by_kind=kinds,
            requests=stats.get("downloader/request_count", 0),
            bytes_downloaded=stats.get("nianbao/bytes_downloaded", 0),
            response_bytes=stats.get("downloader/response_bytes", 0),
        )
        per_portal[portal.id] = entry
        for key in COUNTS:
            totals[key] += entry[key]
        for kind, count in kinds.items():
            errors_by_kind[kind] = errors_by_kind.get(kind, 0) + count
        requests += entry["requests"]
        bytes_downloaded += entry["bytes_downloaded"]

    summary = {
        "crawl_id": crawl_id,
        "portals": len(portals),
        "portals_failed": sum(1 for e in per_portal.values() if e["status"] in ("failed", "blocked")),
        "portals_empty": sum(1 for e in per_portal.values() if e["status"] == "empty"),
        **totals,
        "errors_by_kind": errors_by_kind,
        "requests": requests,
        "bytes_downloaded": bytes_downloaded,
        "per_portal": per_portal,
    }
    journal.finish_crawl(crawl_id, status, summary)
    close_all()
    return summary


def _quiet_known_noise(settings: dict) -> None:
    """An unreachable portal makes robots.txt fetching log a traceback; the journal has it already."""
    if str(settings.get("LOG_LEVEL", "WARNING")).upper() != "DEBUG":
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
