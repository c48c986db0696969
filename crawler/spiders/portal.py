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

import asyncio
import logging
from dataclasses import dataclass
from functools import partial
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
from crawler import dates
from crawler.discovery import (
    LinkKind,
    assess_report,
    assess_report_page,
    classify_link,
    content_disposition_filename,
    hanweb_records,
    is_neutral_name,
    is_pagination_text,
    jpage_ranges,
    jpage_setup,
    jpage_url,
    link_priority,
    soft_404_reason,
    url_filename,
    viewer_target,
)
from crawler.items import DocumentItem, FetchErrorItem, SightingItem
from crawler.listings import attribute_links, json_listing, postback_pages
from crawler.middlewares import DOCUMENT_META, PAGE_META, Blocked, SkippedAfterBlock
from crawler.scripts import run_listing_scripts

logger = logging.getLogger(__name__)

def _text(value: str | None) -> str:
    return " ".join((value or "").split())


@dataclass(frozen=True)
class Link:
    """A link as found on a page: where it goes, what it says, and the listing item around it."""

    url: str
    text: str = ""
    title: str = ""
    item_text: str = ""  # the <li>/<tr> holding the link (its date), or an API item's date


CLICKABLE = "a, area, [onclick], [data-url], [data-href], [data-link], [data-file], [data-path], [data-download]"
LISTING_ITEM = "ancestor::*[self::li or self::tr or self::dd or self::dt or self::p][1]"


def page_links(selector, base_url: str):
    """Every link of a page: hrefs, and targets held in onclick / ``javascript:`` / data-* attributes."""
    for element in selector.css(CLICKABLE):
        attributes = element.attrib
        href = (attributes.get("href") or "").strip()
        urls = attribute_links(attributes, base_url)
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:")):
            urls.insert(0, urljoin(base_url, href))
        if not urls:
            continue
        text = _text(element.xpath("string()").get())
        title = _text(attributes.get("title"))
        item = element.xpath(LISTING_ITEM)
        item_text = _text(item[0].xpath("string()").get()) if item else ""
        for url in dict.fromkeys(urls):
            yield Link(url, text, title, item_text)


class PortalSpider(scrapy.Spider):
    """Crawl one portal (a crawler.config.Portal) for annual-report originals."""

    name = "portal"

    def __init__(self, portal, *args, **kwargs):
        super().__init__(*args, name=portal.id, **kwargs)
        self.portal = portal
        self.allowed_domains = list(portal.allowed_domains)
        self.first_error: str | None = None
        self.blocked_reason: str | None = None
        self.documents: set[str] = set()  # original URLs requested in this crawl
        self.sightings: set[tuple[str, str]] = set()  # (original URL, page URL) recorded
        self.postbacks: set[tuple] = set()  # ASP.NET pager postbacks sent
        self.pages: set[str] = set()  # page URLs requested from links
        self.waiting_sightings: dict[str, list] = {}  # page URL → further links to it, should it be an original

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

    def page_request(self, url: str, hops: int, listing_pages: int = 0, link_text: str = "", page_url=None,
                     page_title=None, listed: str | None = None, callback=None):
        meta = {
            PAGE_META: True,
            "hops": hops,
            "listing_pages": listing_pages,
            "link_text": link_text,
            "page_url": page_url,
            "page_title": page_title,
            "listed": listed,  # the date the listing gave this page's link
        }
        if self.portal.render and callback is None:
            meta["playwright"] = True
            meta["dont_cache"] = True  # a rendered page is the browser's, not the HTTP cache's
            # Listings are often filled by a fetch() after "load": wait until the network settles,
            # and note the JSON the page loads (a listing API to read ourselves).
            meta["playwright_page_methods"] = [PageMethod("wait_for_load_state", "networkidle")]
            meta["nianbao_json"] = loaded = []
            meta["playwright_page_event_handlers"] = {"response": partial(_note_json, loaded)}
        return scrapy.Request(
            url, callback=callback or self.parse_page, errback=self.on_error, meta=meta, priority=link_priority(link_text)
        )

    def document_request(self, url: str, link_text: str, page_url: str, page_title: str, verdict, published):
        meta = {
            DOCUMENT_META: True,
            "dont_cache": True,  # originals are kept by the archive, asked for by the journal's validators
            "nianbao_url": url,
            "link_text": link_text,
            "page_url": page_url,
            "page_title": page_title,
            "verdict": verdict,
            "published": published,
        }
        # Documents before pages: finding reports early matters more than breadth.
        return scrapy.Request(url, callback=self.parse_document, errback=self.on_error, meta=meta, priority=10)

    # -- pages --------------------------------------------------------------------------

    async def parse_page(self, response):
        """A page's links, then what its scripts lead to (run off the reactor: V8 may take a second)."""
        for output in self.read_page(response):
            if isinstance(output, ScriptsToRun):
                for request in await self.scripted(output):
                    yield request
            else:
                yield output

    async def scripted(self, job: "ScriptsToRun") -> list:
        """Pager and listing scripts, run in a sandbox: the pages, APIs and links they lead to."""
        response = job.response
        found = await asyncio.to_thread(run_listing_scripts, job.text, response.url, self.max_listing_pages)
        hops, title = response.meta.get("hops", 0), job.context[0] or job.context[1]
        out = [self.page_request(url, hops, 1, "(pager script)", response.url, title) for url in found.pages]
        links = [Link(url, link_text) for url, link_text in found.links]
        out += self.follow_links(links, response.url, job.context, hops, 0, job.found_on)
        for url in dict.fromkeys([*found.apis, *(response.meta.get("nianbao_json") or [])]):
            out.append(self.page_request(url, hops, 0, "(listing API)", response.url, title, callback=self.parse_page))
        return out

    def read_page(self, response):
        if response.status == 304:  # an original we hold, asked for as a page, not modified
            item = self.new_item(response, self.requested_url(response))
            item.not_modified, item.previous = True, response.meta.get("nianbao_previous")
            item.published, item.published_from = PageDates("", response).published(Link(response.url), item.url)
            yield item
            self.documents.add(item.url)
            yield from self.waiting_sightings.pop(item.url, [])
            return
        body = response.body or b""
        sniffed = sniff(body[:65536] if len(body) > 65536 else body, url_filename(response.url))
        if sniffed.is_document or (sniffed.format == "zip" and sniff(body).is_document):
            # A page link that turned out to be a document: judge it by its link.
            yield from self.document_behind_page_link(response)
            return
        self.crawler.stats.inc_value("nianbao/pages_fetched")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if "json" in content_type.lower() or body.lstrip()[:1] in (b"{", b"["):
            yield from self.parse_api(response)
            return
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
        found_on = PageDates(text, response)

        followed = list(self.follow_links(page_links(selector, base_url), response.url, context, hops, listing_pages, found_on))
        yield from followed
        # A page whose own title names a report and that links no report file may be the report:
        # only then is it parsed again for its article (a listing or a column page never is).
        links_a_report = any(isinstance(r, SightingItem) or r.meta.get(DOCUMENT_META) for r in followed)
        if ("jpage" not in response.meta and not links_a_report
                and assess_report([evidence_title], [page_title], response.url).is_report):
            yield from self.page_as_report(response, body, content_type, page_title, found_on)
        # Hanweb (大汉) listings: the links are CDATA in <record>s, more come from dataproxy.jsp.
        # Records of a dataproxy answer are relative to the listing page that asked.
        record_base = (response.meta.get("page_url") or base_url) if "jpage" in response.meta else base_url
        for fragment in hanweb_records(text):
            links = page_links(Selector(text=fragment), record_base)
            yield from self.follow_links(links, response.url, context, hops, listing_pages, found_on)
        yield from self.jpage_requests(text, response, hops, evidence_title)
        yield from self.postback_requests(text, response, hops, evidence_title, selector)

        if listing_pages == 0:
            yield ScriptsToRun(text, response, context, found_on)

        # Listings are often framed: follow frames as part of the page.
        if hops < self.max_depth:
            for src in selector.css("iframe::attr(src), frame::attr(src)").getall():
                src = src.strip()
                if src and not src.startswith(("javascript:", "about:")):
                    url = urldefrag(safe_url_string(urljoin(base_url, src)))[0]
                    yield self.page_request(url, hops + 1, 0, "(frame)", response.url, evidence_title)

    def parse_api(self, response):
        """A JSON listing API's answer: its items are links, its page count gives the other pages."""
        meta = response.meta
        text, _ = webpage.decode_html(response.body or b"", response.headers.get(b"Content-Type", b"").decode("latin-1"))
        listing = json_listing(text, response.url, self.max_listing_pages)
        if listing is None:
            return
        self.crawler.stats.inc_value("nianbao/api_pages")
        context = [meta.get("page_title") or "", ""]
        hops, listing_pages = meta.get("hops", 0), meta.get("listing_pages", 0)
        links = [Link(item.url, item.title, "", item.date) for item in listing.items]
        yield from self.follow_links(links, response.url, context, hops, listing_pages, PageDates("", response))
        if listing_pages == 0:
            for number, url in enumerate(listing.pages, start=1):
                yield self.page_request(url, hops, number, "(listing API page)", meta.get("page_url"),
                                        meta.get("page_title"), callback=self.parse_page)

    def follow_links(self, links, page_url: str, context: list[str], hops: int, listing_pages: int, found_on):
        """Request what each link leads to: report attachments, pagination, pages towards the 年报 column."""
        evidence_title = context[0] or context[1]
        for link in links:
            url = urldefrag(safe_url_string(link.url))[0]
            url = viewer_target(url) or url
            kind = classify_link(url, link.text, link.title, page_url)
            if kind is LinkKind.ATTACHMENT:
                verdict = assess_report([link.text, link.title], context, url)
                if verdict.is_report:
                    yield from self.document_link(url, link, page_url, evidence_title, verdict, found_on)
                else:
                    self.crawler.stats.inc_value("nianbao/attachments_skipped")
                    logger.debug("skip %s (%s): %s", url, link.text, verdict.reason)
            elif kind is LinkKind.PAGINATION:
                if listing_pages < self.max_listing_pages:
                    yield self.page_request(url, hops, listing_pages + 1, link.text, page_url, evidence_title)
            elif kind is LinkKind.NAVIGATE and hops < self.max_depth:
                if url in self.pages:
                    yield from self.page_seen_again(url, link, page_url, evidence_title, found_on)
                    continue
                self.pages.add(url)
                listed = dates.listing_date(link.item_text)
                yield self.page_request(url, hops + 1, 0, link.text or link.title, page_url, evidence_title,
                                        listed=listed.isoformat() if listed else None)

    def page_seen_again(self, url: str, link: Link, page_url: str, evidence_title: str, found_on):
        """A page link to a URL already requested: if that URL served an original, this is a
        sighting of it (recorded now, or once the original has come)."""
        if (url, page_url) in self.sightings:
            return
        self.sightings.add((url, page_url))
        sighting = SightingItem(self.portal.id, url, page_url, link.text or link.title, evidence_title,
                                *found_on.published(link, url))
        if url in self.documents:
            yield sighting
        else:
            self.waiting_sightings.setdefault(url, []).append(sighting)

    def document_link(self, url: str, link: Link, page_url: str, evidence_title: str, verdict, found_on):
        """The first link to an original is requested; each further page linking it is a sighting."""
        if (url, page_url) in self.sightings:
            return
        self.sightings.add((url, page_url))
        published = found_on.published(link, url)
        if url in self.documents:
            self.crawler.stats.inc_value("nianbao/links_seen_again")
            yield SightingItem(self.portal.id, url, page_url, link.text or link.title, evidence_title, *published)
            return
        self.documents.add(url)
        yield self.document_request(url, link.text or link.title, page_url, evidence_title, verdict, published)

    def postback_requests(self, text: str, response, hops: int, evidence_title: str, selector):
        """An ASP.NET pager: POST the page's form for each page link, each page once.

        Numbered links are told apart by their argument; a "下一页" postback reads the same
        on every page, so it is told apart by the page it is on (its listing's links)."""
        listing_pages = response.meta.get("listing_pages", 0)
        if listing_pages >= self.max_listing_pages:
            return
        listing = None
        for postback in postback_pages(text, response.url, is_pagination_text):
            if postback.label.strip().isdigit():
                key = postback.key
            else:
                listing = listing or frozenset(selector.css("a::attr(href)").getall())
                key = (*postback.key, listing)
            if key in self.postbacks:
                continue
            self.postbacks.add(key)
            self.crawler.stats.inc_value("nianbao/postbacks")
            yield scrapy.FormRequest(
                postback.url,
                formdata=postback.formdata,
                callback=self.parse_page,
                errback=self.on_error,
                meta={
                    PAGE_META: True,
                    "hops": hops,
                    "listing_pages": listing_pages + 1,
                    "link_text": postback.label,
                    "page_url": response.url,
                    "page_title": evidence_title,
                },
            )

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

    def page_as_report(self, response, body: bytes, content_type: str, page_title: str, found_on):
        """A detail page with no report attachment that is itself the report: its bytes are
        the original (format html), its content key tells a new version from a new visit count."""
        found = webpage.article(webpage.parse(body, content_type))
        verdict = assess_report_page(found.title, page_title, found.text, response.url)
        if not verdict.is_report:
            return
        self.crawler.stats.inc_value("nianbao/page_reports")
        item = self.new_item(response, self.requested_url(response))
        item.page_title = found.title or page_title
        item.year, item.reason = verdict.year, verdict.reason
        item.published, item.published_from = found_on.published(Link(response.url), response.url)
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
        item = self.new_item(response, self.requested_url(response))
        item.published, item.published_from = PageDates("", response).published(Link(response.url), item.url)
        item.body = response.body
        yield item
        self.documents.add(item.url)
        yield from self.waiting_sightings.pop(item.url, [])

    @staticmethod
    def requested_url(response) -> str:
        """The URL the spider asked for, before any redirect."""
        return (response.meta.get("redirect_urls") or [response.url])[0]

    def new_item(self, response, url: str) -> DocumentItem:
        headers = response.headers
        meta = response.meta

        def header(name: bytes) -> str | None:
            value = headers.get(name)
            return value.decode("latin-1") if value else None

        filename = content_disposition_filename(headers.get(b"Content-Disposition")) or url_filename(response.url) or None
        verdict = meta.get("verdict")
        published, published_from = meta.get("published") or (None, None)
        return DocumentItem(
            portal=self.portal.id,
            url=url,
            final_url=response.url,
            redirects=[*meta["redirect_urls"], response.url] if meta.get("redirect_urls") else None,
            published=published,
            published_from=published_from,
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


@dataclass(frozen=True)
class ScriptsToRun:
    """read_page's request to run the page's inline scripts (parse_page runs them in a thread)."""

    text: str
    response: object
    context: list
    found_on: "PageDates"


class PageDates:
    """When a page says the originals it links were published, read only when one is found.

    A link's own listing item (its date beside it) speaks first, then the page's own date
    (meta tags, 发布日期 labels, its URL), then the date the listing gave for the page's
    link, then the original's URL (``/202401/t20240126_…``).
    """

    def __init__(self, text: str, response):
        self.text = text
        self.url = response.url
        self.listed = response.meta.get("listed")
        self._page = None
        self._read = False

    def page(self):
        if not self._read:
            self._page, self._read = (dates.page_date(self.text, self.url) if self.text else None), True
        return self._page

    def published(self, link: Link, document_url: str) -> tuple[str | None, str | None]:
        """(YYYY-MM-DD, where it was read) for the original behind ``link``, or (None, None)."""
        own = dates.listing_date(link.item_text)
        if own is not None:
            return own.isoformat(), "listing"
        page = self.page()
        if page is not None:
            return page[0].isoformat(), page[1]
        if self.listed:
            return self.listed, "listing"
        found = dates.url_date(document_url)
        return (found.isoformat(), "url") if found is not None else (None, None)


def _note_json(loaded: list[str], response) -> None:
    """A rendered page's event handler: note each JSON answer the page's scripts loaded."""
    if "json" in (response.headers.get("content-type") or "").lower():
        loaded.append(response.url)


def error_kind_for_status(status: int) -> str:
    if status in (404, 410):
        return "http_404"
    if status >= 500:
        return "http_5xx"
    if status == 403:
        return "http_403"
    return f"http_{status}"
