"""Listing and detail pages are fetched conditionally, through Scrapy's HTTP cache.

A page's links must be read again on every crawl, so its body has to be at hand
when the portal answers 304: Scrapy's HttpCacheMiddleware keeps pages under
``DATA/cache/http`` and this policy makes it ask the portal every time, with the
cached page's ETag / Last-Modified. Only pages are kept (HTML, XML, JSON, text
with a validator); originals live in the archive and never pass through the cache
(crawler.middlewares.ConditionalRequestMiddleware asks for them conditionally).
"""

from __future__ import annotations

from scrapy.extensions.httpcache import RFC2616Policy

PAGE_TYPES = (b"html", b"xml", b"json", b"text/", b"javascript")


class RevalidatingPolicy(RFC2616Policy):
    """RFC 9111 caching where every cached page is stale: always revalidated, never served blind.

    A portal that answers 5xx gets no cached page instead (unlike RFC2616Policy), so a
    portal that is down is seen as down.
    """

    def should_cache_response(self, response, request) -> bool:
        content_type = (response.headers.get(b"Content-Type") or b"").lower()
        return (
            response.status == 200
            and any(kind in content_type for kind in PAGE_TYPES)
            and (b"ETag" in response.headers or b"Last-Modified" in response.headers)
            and super().should_cache_response(response, request)
        )

    def is_cached_response_fresh(self, cachedresponse, request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse, response, request) -> bool:
        return response.status == 304
