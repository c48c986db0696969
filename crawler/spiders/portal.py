"""PortalSpider: the one generic spider that walks any portal of the portals file.

No per-site code: from each start URL it follows the links whose text points
to the annual-report column (信息公开, 政务公开, 年报, 年度报告…) up to a bounded
number of hops, walks listing pagination for free, and requests every
attachment that crawler.discovery judges to be an annual report. Documents go
to the pipelines as DocumentItem; every failure as FetchErrorItem.

Hanweb (大汉) listings carry no links in their HTML: the spider reads the
``<record>`` CDATA of their datastore and POSTs ``dataproxy.jsp`` for the record
ranges the page did not embed (crawler.discovery.jpage_setup / jpage_ranges).

A detail page that is itself the report (its title a report's, its body the report's
sections, no report attachment) is kept as an original like an attachment.

Page bytes are decoded by archive.webpage.decode_html, not by Scrapy, because
portals misdeclare GBK/GB2312/UTF-8; links are extracted with parsel directly,
because Scrapy's LinkExtractor drops .pdf/.doc links (IGNORED_EXTENSIONS).
"""

from __future__ import annotations

import logging
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived
from w3lib.html import get_base_url
from w3lib.url import safe_url_string

from scrapy_playwright.page import PageMethod

from archive import sniff, webpage
from crawler.address_policy import RefusedAddress
from crawler.discovery import (
    LinkKind,
    assess_report,
    assess_report_page,
    classify_link,
    content_disposition_filename,
    hanweb_records,
    is_neutral_name,
    jpage_ranges,
    jpage_setup,
    jpage_url,
    link_priority,
    script_pagination,
    soft_404_reason,
    url_filename,
    viewer_target,
)
from crawler.items import DocumentItem, FetchErrorItem
from crawler.middlewares import DOCUMENT_META, PAGE_META, Blocked, SkippedAfterBlock

logger = logging.getLogger(__name__)

def _text(value: str | None) -> str:
    return " ".join((value or "").split())


class PortalSpider(scrapy.Spider):
    """Crawl one portal (a crawler.config.Portal) for annual-report originals."""

    name = "portal"

    def __init__(self, portal, *args, **kwargs):
        super().__init__(*args, name=portal.id, **kwargs)
        self.portal = portal
        self.allowed_domains = list(portal.allowed_domains)
        self.first_error: str | None = None
        self.blocked_reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.max_depth = (
            spider.portal.max_depth if spider.portal.max_depth is not None else settings.getint("NIANBAO_MAX_DEPTH", 5)
        )
        spider.max_listing_pages = settings.getint("NIANBAO_MAX_LISTING_PAGES", 30)
        return spider

    # -- requests -----------------------------------------------------------------------

    async def start(self):
        for url in self.portal.start_urls:
            yield self.page_request(url, hops=0, link_text="(start)")

    def page_request(self, url: str, hops: int, listing_pages: int = 0, link_text: str = "", page_url=None, page_title=None):
        meta = {
            PAGE_META: True,
            "hops": hops,
            "listing_pages": listing_pages,
            "link_text": link_text,
            "page_url": page_url,
            "page_title": page_title,
        }
        if self.portal.render:
            meta["playwright"] = True
            # Listings are often filled by a fetch() after "load": wait until the network settles.
            meta["playwright_page_methods"] = [PageMethod("wait_for_load_state", "networkidle")]
        return scrapy.Request(
            url, callback=self.parse_page, errback=self.on_error, meta=meta, priority=link_priority(link_text)
        )

    def document_request(self, url: str, link_text: str, page_url: str, page_title: str, verdict):
        meta = {
            DOCUMENT_META: True,
            "nianbao_url": url,
            "link_text": link_text,
            "page_url": page_url,
            "page_title": page_title,
            "verdict": verdict,
        }
        # Documents before pages: finding reports early matters more than breadth.
        return scrapy.Request(url, callback=self.parse_document, errback=self.on_error, meta=meta, priority=10)

    # -- pages --------------------------------------------------------------------------

    def parse_page(self, response):
        if response.status == 304:  # a web-page report we hold, not modified
            item = self.new_item(response, response.url)
            item.not_modified, item.previous = True, response.meta.get("nianbao_previous")
            yield item
            return
        body = response.body or b""
        sniffed = sniff(body[:65536] if len(body) > 65536 else body, url_filename(response.url))
        if sniffed.is_document or (sniffed.format == "zip" and sniff(body).is_document):
            # A page link that turned out to be a document: judge it by its link.
            yield from self.document_behind_page_link(response)
            return
        self.crawler.stats.inc_value("nianbao/pages_fetched")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if content_type and not any(t in content_type for t in ("html", "xml", "text")) and sniffed.format != "html":
            return
        text, _ = webpage.decode_html(body, content_type)
        base_url = get_base_url(text, response.url)
        selector = Selector(text=text, base_url=response.url)
        heading = webpage.page_heading(selector.root)
        page_title = webpage.page_title(selector.root)
        if "jpage" in response.meta:
            page_title = page_title or response.meta.get("page_title") or ""  # a bare XML answer: the listing's title
        context = [heading, page_title]
        hops = response.meta.get("hops", 0)
        listing_pages = response.meta.get("listing_pages", 0)
        evidence_title = heading or page_title

        anchors = selector.css("a[href], area[href]")
        requests = list(self.follow_links(anchors, base_url, response.url, context, hops, listing_pages))
        yield from requests
        # A page whose own title names a report and that links no report file may be the report:
        # only then is it parsed again for its article (a listing or a column page never is).
        if ("jpage" not in response.meta and not any(r.meta.get(DOCUMENT_META) for r in requests)
                and assess_report([evidence_title], [page_title], response.url).is_report):
            yield from self.page_as_report(response, body, content_type, page_title)
        # Hanweb (大汉) listings: the links are CDATA in <record>s, more come from dataproxy.jsp.
        # Records of a dataproxy answer are relative to the listing page that asked.
        record_base = (response.meta.get("page_url") or base_url) if "jpage" in response.meta else base_url
        for fragment in hanweb_records(text):
            anchors = Selector(text=fragment).css("a[href], area[href]")
            yield from self.follow_links(anchors, record_base, response.url, context, hops, listing_pages)
        yield from self.jpage_requests(text, response, hops, evidence_title)

        if listing_pages == 0:
            for url in script_pagination(text, response.url, self.max_listing_pages):
                yield self.page_request(url, hops, 1, "(pager script)", response.url, evidence_title)

        # Listings are often framed: follow frames as part of the page.
        if hops < self.max_depth:
            for src in selector.css("iframe::attr(src), frame::attr(src)").getall():
                src = src.strip()
                if src and not src.startswith(("javascript:", "about:")):
                    url = urldefrag(safe_url_string(urljoin(base_url, src)))[0]
                    yield self.page_request(url, hops + 1, 0, "(frame)", response.url, evidence_title)

    def follow_links(self, anchors, base_url: str, page_url: str, context: list[str], hops: int, listing_pages: int):
        """Request what each anchor leads to: report attachments, pagination, pages towards the 年报 column."""
        evidence_title = context[0] or context[1]
        for anchor in anchors:
            href = (anchor.attrib.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            url = urldefrag(safe_url_string(urljoin(base_url, href)))[0]
            link_text = _text(anchor.xpath("string()").get())
            title = _text(anchor.attrib.get("title"))
            url = viewer_target(url) or url
            kind = classify_link(url, link_text, title, page_url)
            if kind is LinkKind.ATTACHMENT:
                verdict = assess_report([link_text, title], context, url)
                if verdict.is_report:
                    yield self.document_request(url, link_text or title, page_url, evidence_title, verdict)
                else:
                    self.crawler.stats.inc_value("nianbao/attachments_skipped")
                    logger.debug("skip %s (%s): %s", url, link_text, verdict.reason)
            elif kind is LinkKind.PAGINATION:
                if listing_pages < self.max_listing_pages:
                    yield self.page_request(url, hops, listing_pages + 1, link_text, page_url, evidence_title)
            elif kind is LinkKind.NAVIGATE and hops < self.max_depth:
                yield self.page_request(url, hops + 1, 0, link_text or title, page_url, evidence_title)

    def jpage_requests(self, text: str, response, hops: int, evidence_title: str):
        """POST dataproxy.jsp for the record ranges a Hanweb jpage listing did not embed.

        On the listing page: every remaining range (``totalRecord`` known) or the
        next one. On a dataproxy answer without a known total: the next range while
        answers come back full.
        """
        meta = response.meta
        previous = meta.get("jpage")
        if previous is None:
            if meta.get("listing_pages", 0) != 0:
                return
            setup = jpage_setup(text, response.url)
            if setup is None:
                return
            ranges = jpage_ranges(setup, self.max_listing_pages)
            self.crawler.stats.inc_value("nianbao/jpage_listings")
        else:
            setup, (start, end) = previous
            done = meta.get("listing_pages", 1)
            if setup.total is not None or len(hanweb_records(text)) < end - start + 1 or done >= self.max_listing_pages:
                return
            ranges = [(end + 1, end + setup.step)]
        for number, (start, end) in enumerate(ranges, start=1):
            yield scrapy.FormRequest(
                jpage_url(setup, start, end),
                formdata=setup.form,
                callback=self.parse_page,
                errback=self.on_error,
                meta={
                    "hops": hops,
                    "listing_pages": meta.get("listing_pages", 0) + number,
                    "link_text": "(jpage dataproxy)",
                    "page_url": response.url,
                    "page_title": evidence_title,
                    "jpage": (setup, (start, end)),
                },
            )

    # -- documents ----------------------------------------------------------------------

    def parse_document(self, response):
        meta = response.meta
        url = meta.get("nianbao_url", response.request.url)
        item = self.new_item(response, url)
        if response.status == 304:
            item.not_modified = True
            item.previous = meta.get("nianbao_previous")
            yield item
            return
        body = response.body or b""
        sniffed = sniff(body, item.filename)
        if sniffed.format == "html" or (not sniffed.is_document and b"<" in body[:512] and b"html" in body[:4096].lower()):
            yield self.error(url, "soft_404", soft_404_reason(body), meta.get("page_url"), response.status)
            return
        if not sniffed.is_document:
            label = sniffed.format or "unknown bytes"
            yield self.error(url, "not_a_document", f"expected a document, got {label}", meta.get("page_url"), response.status)
            return
        # A name only the server knew (Content-Disposition) can still say "not a report".
        verdict = meta.get("verdict")
        if item.filename and verdict is not None and is_neutral_name(meta.get("link_text") or ""):
            second = assess_report([item.filename], [meta.get("page_title") or ""])
            if not second.is_report and "not a report" in second.reason:
                self.crawler.stats.inc_value("nianbao/attachments_skipped_after_download")
                logger.info("%s: %s is not a report after all: %s", self.name, url, second.reason)
                return
        item.body = body
        item.previous = meta.get("nianbao_previous")
        yield item

    def page_as_report(self, response, body: bytes, content_type: str, page_title: str):
        """A detail page with no report attachment that is itself the report: its bytes are
        the original (format html), its content key tells a new version from a new visit count."""
        found = webpage.article(webpage.parse(body, content_type))
        verdict = assess_report_page(found.title, page_title, found.text, response.url)
        if not verdict.is_report:
            return
        self.crawler.stats.inc_value("nianbao/page_reports")
        item = self.new_item(response, response.url)
        item.page_title = found.title or page_title
        item.year, item.reason = verdict.year, verdict.reason
        item.body = body
        item.content_key = found.content_key
        yield item

    def document_behind_page_link(self, response):
        """A link followed as a page served a document: keep it if its link names a report."""
        meta = response.meta
        verdict = assess_report([meta.get("link_text") or ""], [meta.get("page_title") or ""], response.url)
        if not verdict.is_report:
            self.crawler.stats.inc_value("nianbao/attachments_skipped")
            return
        item = self.new_item(response, response.request.url)
        item.body = response.body
        yield item

    def new_item(self, response, url: str) -> DocumentItem:
        headers = response.headers
        meta = response.meta

        def header(name: bytes) -> str | None:
            value = headers.get(name)
            return value.decode("latin-1") if value else None

        filename = content_disposition_filename(headers.get(b"Content-Disposition")) or url_filename(response.url) or None
        verdict = meta.get("verdict")
        return DocumentItem(
            portal=self.portal.id,
            url=url,
            final_url=response.url,
            page_url=meta.get("page_url"),
            link_text=meta.get("link_text"),
            page_title=meta.get("page_title"),
            http_status=response.status,
            etag=header(b"ETag"),
            last_modified=header(b"Last-Modified"),
            content_type=header(b"Content-Type"),
            filename=filename,
            year=getattr(verdict, "year", None),
            reason=getattr(verdict, "reason", None),
        )

    # -- failures -----------------------------------------------------------------------

    def on_error(self, failure):
        request = failure.request
        url = request.meta.get("nianbao_url", request.url)
        page_url = request.meta.get("page_url")
        status = None
        if failure.check(SkippedAfterBlock):
            return
        if failure.check(Blocked):
            kind, reason, status = "blocked", failure.value.reason, failure.value.status
            self.blocked_reason = self.blocked_reason or f"{reason} at {url}"
        elif failure.check(HttpError):
            status = failure.value.response.status
            kind = error_kind_for_status(status)
            reason = f"HTTP {status}"
        elif failure.check(CannotResolveHostError, DNSLookupError):
            kind, reason = "dns", f"DNS lookup failed for {urlsplit(url).hostname}"
        elif failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
            kind, reason = "timeout", f"timed out: {failure.getErrorMessage()[:200]}"
        elif failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
            kind, reason = "connection", f"connection refused by {urlsplit(url).netloc}"
        elif failure.check(
            DownloadFailedError, ResponseDataLossError, ConnectError, ConnectionLost, ResponseFailed, ResponseNeverReceived
        ):
            kind, reason = "connection", f"connection failed: {failure.getErrorMessage()[:200]}"
        elif failure.check(DownloadCancelledError):
            kind, reason = "too_large", f"download cancelled (over DOWNLOAD_MAXSIZE?): {failure.getErrorMessage()[:200]}"
        elif failure.check(RefusedAddress):
            kind, reason = "refused_address", failure.getErrorMessage()
        elif failure.check(IgnoreRequest):
            message = failure.getErrorMessage()
            if "robots.txt" not in message:
                return  # offsite and other deliberate drops are not failures
            kind, reason = "robots", "forbidden by robots.txt (not fetched)"
        else:
            kind, reason = "other", f"{failure.type.__name__}: {failure.getErrorMessage()[:200]}"
        if self.first_error is None and not request.meta.get(DOCUMENT_META):
            self.first_error = f"{kind}: {reason}"
        yield self.error(url, kind, reason, page_url, status)

    def error(self, url, kind, reason, page_url=None, status=None) -> FetchErrorItem:
        if kind == "soft_404":
            logger.info("%s: soft 404 at %s", self.name, url)
        return FetchErrorItem(self.portal.id, url, kind, reason, page_url, status)


def error_kind_for_status(status: int) -> str:
    if status in (404, 410):
        return "http_404"
    if status >= 500:
        return "http_5xx"
    if status == 403:
        return "http_403"
    return f"http_{status}"
