"""Downloader middlewares, one job each.

* ConditionalRequestMiddleware — ask for a document only if it changed
  (If-None-Match / If-Modified-Since from the journal's last fetch of the URL).
* BlockedDetectionMiddleware — recognise anti-bot walls (412 + ``$_ts``, 521,
  challenge pages), fail that request as ``Blocked`` and stop asking the portal.
* BackoffRetryMiddleware — Scrapy's retry, with exponential backoff and
  ``Retry-After`` honoured.
* TransferStatsMiddleware — what really went over the wire (requests sent, body
  bytes received), next to the downloader, so pages the HTTP cache revalidated
  count as the 304 they were.
"""

from __future__ import annotations

import asyncio
import logging
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest

from archive import sniff
from crawler.discovery import blocked_reason
from crawler.resources import journal_of

logger = logging.getLogger(__name__)

DOCUMENT_META = "nianbao_document"  # set by the spider on attachment requests
PAGE_META = "nianbao_page"  # set by the spider on page requests


class Blocked(IgnoreRequest):
    """The portal answered with an anti-bot wall instead of content."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class SkippedAfterBlock(IgnoreRequest):
    """Not sent: the portal already walled us off in this crawl."""


class ConditionalRequestMiddleware:
    """Make document requests (and pages that served an original) conditional on the journal.

    Every hop of a redirect chain asks with the validators last seen for its own URL
    (a link, or where a redirect led), so an unchanged original behind any number of
    redirects comes back as a 304. A 304 reaches the spider (``handle_httpstatus_list``)
    and is recorded as "unchanged" without the body. Ordinary pages are the HTTP
    cache's business (crawler.cache).
    """

    def __init__(self, journal):
        self.journal = journal

    @classmethod
    def from_crawler(cls, crawler):
        return cls(journal_of(crawler.settings))

    def process_request(self, request, spider=None):
        document, page = request.meta.get(DOCUMENT_META), request.meta.get(PAGE_META)
        if not (document or page):
            return None
        validators = self.journal.validators_for(request.url)
        if "nianbao_previous" not in request.meta:
            previous = self.journal.last_source(request.meta.get("nianbao_url", request.url))
            if page and not previous and not validators:
                return None
            request.meta["nianbao_previous"] = previous
            statuses = set(request.meta.get("handle_httpstatus_list", ())) | {304}
            request.meta["handle_httpstatus_list"] = sorted(statuses)
        if validators:
            if validators.get("etag"):
                request.headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                request.headers["If-Modified-Since"] = validators["last_modified"]
        return None


class BlockedDetectionMiddleware:
    """Turn anti-bot walls into ``Blocked`` failures and give the portal up after a few.

    Sits closer to the downloader than retry, so a wall is never retried; after
    ``NIANBAO_BLOCKED_AFTER`` walls the remaining requests are dropped unsent.
    """

    def __init__(self, crawler, blocked_after: int):
        self.crawler = crawler
        self.blocked_after = max(1, blocked_after)
        self.walls = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("NIANBAO_BLOCKED_AFTER", 1))

    def process_request(self, request, spider=None):
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            return None
        if self.walls >= self.blocked_after:
            self.crawler.stats.inc_value("nianbao/skipped_after_block")
            raise SkippedAfterBlock("portal is blocked")
        return None

    def process_response(self, request, response, spider=None):
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            return response  # a walled robots.txt just reads as "no rules"; the pages will tell
        body = response.body or b""
        if response.status == 200 and sniff(body[:4096]).is_document:
            return response
        reason = blocked_reason(response.status, body)
        if reason is None:
            return response
        self.walls += 1
        self.crawler.stats.inc_value("nianbao/walls")
        logger.warning("%s: anti-bot wall at %s: %s", self.crawler.spider.name, request.url, reason)
        raise Blocked(reason, response.status)


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry: ``Retry-After`` if given, else
    ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds, capped by ``RETRY_BACKOFF_MAX``."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if result is not response and result is not None:
            await self._wait(result, retry_after(response.headers.get(b"Retry-After"), self.retry_after_max))
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if result is not None:
            await self._wait(result, None)
        return result

    async def _wait(self, retry_request, explicit: float | None) -> None:
        attempt = retry_request.meta.get("retry_times", 1)
        delay = explicit if explicit is not None else min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        if delay > 0:
            self.crawler.stats.inc_value("nianbao/retry_wait_seconds", delay)
            await asyncio.sleep(delay)


class TransferStatsMiddleware:
    """Count the requests sent and the body bytes that came back (``nianbao/requests``,
    ``nianbao/bytes_transferred``, ``nianbao/not_modified``)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        if "cached" not in response.flags:
            self.stats.inc_value("nianbao/requests")
            self.stats.inc_value("nianbao/bytes_transferred", len(response.body or b""))
            if response.status == 304:
                self.stats.inc_value("nianbao/not_modified")
        return response


def retry_after(value: bytes | None, cap: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, min(cap, seconds))
