"""Item pipelines: SamePagePipeline tells an unchanged web-page report from a new visit
count, ArchivePipeline keeps the bytes, JournalPipeline writes the record,
RestorePipeline (repair runs only) puts refetched bytes back in place of damaged ones.

Split so each does one thing: the archive never learns about URLs, the journal
never touches bytes. They share the run's archive/journal (crawler.resources).
"""

from __future__ import annotations

import json
import logging
import sqlite3

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from archive import ArchiveError
from crawler.items import DocumentItem, FetchErrorItem, RestoreItem, SightingItem
from crawler.resources import archive_for, data_dir_of, journal_of

logger = logging.getLogger(__name__)


FATAL_STAT = "nianbao/fatal"


def stop_for_storage(crawler, message: str) -> None:
    """A full or read-only disk ends the crawl: nothing more could be kept anyway."""
    if crawler is not None:
        if not crawler.stats.get_value(FATAL_STAT):
            crawler.stats.set_value(FATAL_STAT, message)
            deferred_from_coro(crawler.engine.close_spider_async(reason="storage_error"))
    raise DropItem(message)


class SamePagePipeline:
    """A web-page report whose content key is the one its URL had at the last fetch is
    unchanged: the new bytes (another visit count, another clock) are not archived again."""

    def __init__(self, journal):
        self.journal = journal

    @classmethod
    def from_crawler(cls, crawler):
        return cls(journal_of(crawler.settings))

    def process_item(self, item, spider=None):
        if isinstance(item, DocumentItem) and item.content_key and item.body is not None:
            previous = self.journal.last_source(item.url)
            if previous and previous.get("content_key") == item.content_key:
                item.body, item.not_modified, item.previous = None, True, previous
        return item


class ArchivePipeline:
    """Put a fetched document's bytes into the content-addressed archive.

    Identical bytes from two URLs become one archive object; an object is never
    overwritten, so a changed report is simply another object next to the old one.
    """

    def __init__(self, archive, stats, crawler=None):
        self.archive = archive
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(archive_for(data_dir_of(crawler.settings)), crawler.stats, crawler)

    def process_item(self, item, spider=None):
        if isinstance(item, DocumentItem) and item.body is not None:
            try:
                result = self.archive.put_bytes(item.body, item.filename)
            except ArchiveError as error:
                stop_for_storage(self.crawler, str(error))
            item.sha256, item.size, item.created = result.sha256, result.size, result.created
            self.stats.inc_value("nianbao/bytes_downloaded", result.size)
            if result.created:
                self.stats.inc_value("nianbao/archive_objects_created")
            item.body = None  # the archive has it; do not carry 200 MB further
        return item


class JournalPipeline:
    """Record every document fetch (with its outcome), every further page linking it, and
    every failure in the journal.

    Outcome of a fetch, per URL: "unchanged" when a 304 came back or the bytes
    hash as at that URL's last fetch; "changed" when the URL had other bytes
    before; "new" when the URL was never fetched. A sighting (SightingItem) gets a
    row like its URL's fetch, with its own page; one that arrives before the fetch
    waits for it, and is dropped with it when the fetch gives no original.
    """

    def __init__(self, journal, stats, crawl_id: int, crawler=None):
        self.journal = journal
        self.stats = stats
        self.crawl_id = crawl_id
        self.crawler = crawler
        self.fetched: dict[str, dict] = {}  # URL → the source row of its fetch in this crawl
        self.waiting: dict[str, list[SightingItem]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        journal = journal_of(crawler.settings)
        return cls(journal, crawler.stats, crawler.settings.getint("NIANBAO_CRAWL_ID"), crawler)

    def process_item(self, item, spider=None):
        try:
            if isinstance(item, DocumentItem):
                self.record_document(item)
            elif isinstance(item, SightingItem):
                self.record_sighting(item)
            elif isinstance(item, FetchErrorItem):
                self.record_error(item)
        except sqlite3.OperationalError as error:
            stop_for_storage(self.crawler, f"cannot write the crawl journal: {error}")
        return item

    def record_document(self, item: DocumentItem) -> None:
        previous = item.previous if item.previous is not None else self.journal.last_source(item.url)
        if item.not_modified:
            if not previous:
                # A 304 to a request we never made conditional: nothing to point at.
                self.record_error(
                    FetchErrorItem(item.portal, item.url, "http_304", "304 without a previous fetch", item.page_url, 304)
                )
                return
            item.outcome = "unchanged"
            item.sha256 = previous["sha256"]
            item.size = previous.get("size")
            item.content_type = item.content_type or previous.get("content_type")
            item.filename = item.filename or previous.get("filename")
            item.etag = item.etag or previous.get("etag")
            item.last_modified = item.last_modified or previous.get("last_modified")
        elif not previous:
            item.outcome = "new"
        elif previous.get("sha256") == item.sha256:
            item.outcome = "unchanged"
        else:
            item.outcome = "changed"
        row = dict(
            crawl_id=self.crawl_id,
            portal=item.portal,
            outcome=item.outcome,
            sha256=item.sha256,
            url=item.url,
            final_url=item.final_url,
            redirects=json.dumps(item.redirects, ensure_ascii=False) if item.redirects else None,
            page_url=item.page_url,
            link_text=item.link_text,
            page_title=item.page_title,
            published=item.published,
            published_from=item.published_from,
            http_status=item.http_status,
            etag=item.etag,
            last_modified=item.last_modified,
            content_type=item.content_type,
            filename=item.filename,
            size=item.size,
            content_key=item.content_key or (item.previous or {}).get("content_key"),
        )
        self.journal.record_source(**row)
        self.stats.inc_value(f"nianbao/{item.outcome}")
        self.stats.inc_value("nianbao/reports_found")
        self.fetched[item.url] = row
        for sighting in self.waiting.pop(item.url, []):
            self.record_sighting(sighting)

    def record_sighting(self, item: SightingItem) -> None:
        fetch = self.fetched.get(item.url)
        if fetch is None:
            self.waiting.setdefault(item.url, []).append(item)
            return
        self.journal.record_source(
            **{
                **fetch,
                "page_url": item.page_url,
                "link_text": item.link_text,
                "page_title": item.page_title,
                "published": item.published or fetch["published"],
                "published_from": item.published_from if item.published else fetch["published_from"],
            }
        )
        self.stats.inc_value("nianbao/sightings")

    def record_error(self, item: FetchErrorItem) -> None:
        self.journal.record_error(
            crawl_id=self.crawl_id,
            portal=item.portal,
            url=item.url,
            page_url=item.page_url,
            kind=item.kind,
            reason=item.reason,
            http_status=item.http_status,
        )
        self.stats.inc_value("nianbao/errors")
        self.stats.inc_value(f"nianbao/errors/{item.kind}")


class RestorePipeline:
    """Restore a damaged archived object from bytes fetched again (which hash to its name)."""

    def __init__(self, archive, crawler):
        self.archive = archive
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(archive_for(data_dir_of(crawler.settings)), crawler)

    def process_item(self, item, spider=None):
        if isinstance(item, RestoreItem):
            try:
                self.archive.restore(item.sha256, item.body)
            except ArchiveError as error:
                stop_for_storage(self.crawler, str(error))
            self.crawler.spider.restored[item.sha256] = item.url
            item.body = b""
        return item
