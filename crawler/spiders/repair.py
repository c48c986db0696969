"""RepairSpider: fetch damaged originals again, through the same download path as a crawl.

One spider per portal. For each damaged object it tries the URLs the journal says
the object came from, newest first, until one serves bytes that hash to the
object's name; those go to RestorePipeline. Requests pass the same downloader
middlewares as a crawl (address policy, robots.txt, User-Agent, retries,
anti-bot detection, size limit), but are never conditional: the body is the point.
"""

from __future__ import annotations

import hashlib

import scrapy

from crawler.items import RestoreItem

REPAIR_META = "nianbao_repair"  # the sha256 a request should bring back


class RepairSpider(scrapy.Spider):
    name = "repair"
    custom_settings = {
        "ITEM_PIPELINES": {"crawler.pipelines.RestorePipeline": 100},
        "EXTENSIONS": {"crawler.extensions.PortalVerdict": None, "crawler.extensions.CrawlProgress": None},
    }

    def __init__(self, portal, urls: dict[str, list[str]], restored: dict[str, str], *args, **kwargs):
        super().__init__(*args, name=f"repair-{portal.id}", **kwargs)
        self.portal = portal  # the address policy asks where the portal itself lives
        self.allowed_domains = list(portal.allowed_domains)
        self.pending = {sha256: list(candidates) for sha256, candidates in urls.items()}
        self.restored = restored  # sha256 -> URL, filled by RestorePipeline, shared by every repair spider

    async def start(self):
        for sha256 in list(self.pending):
            request = self.next_request(sha256)
            if request is not None:
                yield request

    def next_request(self, sha256: str) -> scrapy.Request | None:
        """The request for the next URL to try for ``sha256``; None when restored or out of URLs."""
        if sha256 in self.restored or not self.pending.get(sha256):
            return None
        url = self.pending[sha256].pop(0)
        return scrapy.Request(url, callback=self.parse_original, errback=self.on_error, meta={REPAIR_META: sha256},
                              dont_filter=True)

    def parse_original(self, response):
        sha256 = response.meta[REPAIR_META]
        if response.status == 200 and hashlib.sha256(response.body).hexdigest() == sha256:
            yield RestoreItem(sha256, response.request.url, response.body)
            return
        self.logger.info("%s no longer serves %s", response.url, sha256)
        request = self.next_request(sha256)
        if request is not None:
            yield request

    def on_error(self, failure):
        sha256 = failure.request.meta[REPAIR_META]
        self.logger.info("cannot fetch %s again: %s", failure.request.url, failure.getErrorMessage())
        request = self.next_request(sha256)
        if request is not None:
            yield request
