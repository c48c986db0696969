"""PortalVerdict: when a portal's spider closes, judge the portal and journal the verdict.

Status: "blocked" when an anti-bot wall was met, "failed" when not one page
could be fetched (DNS, refused, timeout, 5xx at the door), "empty" when pages
came but no report did, "idle" for a fleet member that had nothing of the portal to
do (the other members crawled it), else "ok". ``regressed`` is set when a run that went to
its end found fewer reports than the portal's previous run (a redesign that broke
discovery, the most common silent failure). The counts come from the crawler's
stats, which the spider and the pipelines keep.
"""

from __future__ import annotations

import sqlite3
import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from tqdm import tqdm

from crawler.journal import PORTAL_COUNTS
from crawler.pipelines import FATAL_STAT
from crawler.resources import journal_of

PREFIX = "nianbao/errors/"


class PortalVerdict:
    def __init__(self, crawler):
        self.crawler = crawler
        self.journal = journal_of(crawler.settings)
        self.crawl_id = crawler.settings.getint("NIANBAO_CRAWL_ID")
        self.progress = crawler.settings.getbool("NIANBAO_PROGRESS")
        self.fleet = bool(crawler.settings.get("NIANBAO_FRONTIER"))

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        errors_by_kind = {key[len(PREFIX):]: value for key, value in stats.items() if key.startswith(PREFIX)}
        row = {key: stats.get(f"nianbao/{key}", 0) for key in PORTAL_COUNTS}
        row["errors_by_kind"] = errors_by_kind
        row["status"], row["reason"] = self.judge(spider, row, reason)
        try:
            previous = self.journal.previous_reports(spider.portal.id, self.crawl_id)
        except sqlite3.Error:
            previous = None
        row["previous_reports"] = previous
        row["regressed"] = int(previous is not None and reason == "finished" and row["reports_found"] < previous)
        try:
            self.journal.record_portal(self.crawl_id, spider.portal.id, **row)
        except sqlite3.Error as error:
            # A full or read-only disk: the run ends as a storage failure, said once by the CLI.
            if not self.crawler.stats.get_value(FATAL_STAT):
                self.crawler.stats.set_value(FATAL_STAT, f"cannot write the crawl journal: {error}")
        if self.progress:
            tqdm.write(
                f"  {spider.portal.id}: {row['status']}"
                f"{' (' + row['reason'] + ')' if row['reason'] else ''}: {row['reports_found']} reports "
                f"({row['new']} new, {row['unchanged']} unchanged, {row['changed']} changed), "
                f"{row['pages_fetched']} pages, {row['errors']} errors"
                f"{f', REGRESSED (previous run: {previous})' if row['regressed'] else ''}",
                file=sys.stderr,
            )

    def judge(self, spider, row: dict, close_reason: str) -> tuple[str, str | None]:
        blocked = getattr(spider, "blocked_reason", None)
        if blocked:
            return "blocked", blocked
        if self.fleet and row["requests"] == 0 and row["errors"] == 0:
            return "idle", "the fleet's other members crawled it"
        if row["pages_fetched"] == 0 and row["reports_found"] == 0:
            first = getattr(spider, "first_error", None)
            return "failed", first or f"no page fetched (spider closed: {close_reason})"
        if close_reason not in ("finished",):
            return ("empty" if row["reports_found"] == 0 else "ok"), f"spider closed early: {close_reason}"
        if row["reports_found"] == 0:
            return "empty", "no annual report found"
        return "ok", None


class CrawlProgress:
    """A progress bar on a terminal: portals finished out of all, responses so far.

    One bar for the whole run, shared by the crawlers of all portals (they run in
    one process). Only on when the run asks for progress (a TTY, not CI).
    """

    bar: tqdm | None = None

    def __init__(self, total: int):
        if CrawlProgress.bar is None:
            CrawlProgress.bar = tqdm(total=total, desc="crawl", unit="portal", leave=False, file=sys.stderr)
        self.bar = CrawlProgress.bar

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NIANBAO_PROGRESS"):
            raise NotConfigured
        extension = cls(crawler.settings.getint("NIANBAO_PORTAL_COUNT", 1))
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def response_received(self, response, request, spider):
        self.bar.set_postfix_str(f"{spider.portal.id}: {response.url[:60]}", refresh=False)
        self.bar.refresh()

    def spider_closed(self, spider, reason):
        self.bar.update(1)
        if self.bar.n >= self.bar.total:
            self.bar.close()
            CrawlProgress.bar = None
