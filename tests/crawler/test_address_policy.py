"""The crawler never leaves the open web unless the portal itself lives off it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy import Request

from crawler.address_policy import AddressPolicyMiddleware, RefusedAddress, is_public


def spider(*start_urls):
    return SimpleNamespace(portal=SimpleNamespace(id="-".join(start_urls), start_urls=start_urls))


def check(url, portal):
    return asyncio.run(AddressPolicyMiddleware().process_request(Request(url), portal))


PUBLIC_PORTAL = spider("http://8.8.8.8/xxgk/")


@pytest.mark.parametrize(
    "url,reason",
    [
        ("http://127.0.0.1:8080/admin", "non-public address 127.0.0.1"),
        ("http://localhost/", "non-public address"),
        ("http://10.1.2.3/", "non-public address 10.1.2.3"),
        ("http://192.168.0.1/router", "non-public address 192.168.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "non-public address 169.254.169.254"),
        ("http://[::1]/", "non-public address ::1"),
        ("http://[::ffff:127.0.0.1]/", "non-public address"),
        ("file:///etc/passwd", "file: URLs are never fetched"),
        ("ftp://8.8.8.8/report.pdf", "ftp: URLs are never fetched"),
    ],
)
def test_public_portal_may_not_reach_private_addresses_or_other_schemes(url, reason):
    with pytest.raises(RefusedAddress, match=reason.replace(".", r"\.")):
        check(url, PUBLIC_PORTAL)


def test_public_addresses_pass():
    assert check("http://8.8.4.4/report.pdf", PUBLIC_PORTAL) is None


def test_portal_on_loopback_may_use_loopback_but_not_other_schemes():
    local = spider("http://127.0.0.1:8765/")
    assert check("http://127.0.0.1:8765/uploads/a.pdf", local) is None
    with pytest.raises(RefusedAddress):
        check("file:///etc/passwd", local)


@pytest.mark.parametrize("address,public", [("8.8.8.8", True), ("100.64.0.1", False), ("fe80::1%eth0", False), ("2001:4860::1", True)])
def test_is_public(address, public):
    assert is_public(address) is public
