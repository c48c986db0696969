"""Refuse requests that leave the open web: other schemes, private and loopback addresses.

A portal's page or redirect can point anywhere: ``file://``, ``ftp://``, or a host
name that resolves into the crawling machine's own network (a classic SSRF).
This downloader middleware lets a request through only when its scheme is
http(s) and every address its host resolves to is public — unless the portal's
own start URL is on a private or loopback address (fixture portals on
127.0.0.1, an intranet mirror), in which case that portal may use them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

ALLOWED_SCHEMES = ("http", "https")


class RefusedAddress(IgnoreRequest):
    """The request would leave the open web; the message says why."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global


def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to (the host itself when it is an address)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def portal_may_use_private(start_urls) -> bool:
    """True when one of the portal's own start URLs is on a non-public address."""
    for url in start_urls:
        host = urlsplit(url).hostname
        if not host:
            continue
        try:
            if not all(is_public(address) for address in resolve(host)):
                return True
        except OSError:
            continue
    return False


class AddressPolicyMiddleware:
    """Downloader middleware: http(s) only, public addresses only (see module docstring)."""

    def __init__(self, enabled: bool = True, crawler=None):
        self.enabled = enabled
        self.crawler = crawler
        self._private_ok: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getbool("NIANBAO_ADDRESS_POLICY", True), crawler)

    async def process_request(self, request, spider=None):
        if not self.enabled:
            return None
        spider = spider or getattr(self.crawler, "spider", None)
        parts = urlsplit(request.url)
        if parts.scheme not in ALLOWED_SCHEMES:
            raise RefusedAddress(f"refused: {parts.scheme}: URLs are never fetched")
        if self._may_use_private(spider):
            return None
        loop = asyncio.get_running_loop()
        try:
            addresses = await loop.run_in_executor(None, resolve, parts.hostname or "")
        except OSError:
            return None  # the download itself reports the DNS failure
        private = [address for address in addresses if not is_public(address)]
        if private:
            raise RefusedAddress(f"refused: {parts.hostname} resolves to non-public address {private[0]}")
        return None

    def _may_use_private(self, spider) -> bool:
        portal = getattr(spider, "portal", None)
        key = getattr(portal, "id", "")
        if key not in self._private_ok:
            self._private_ok[key] = portal_may_use_private(getattr(portal, "start_urls", ()))
        return self._private_ok[key]
