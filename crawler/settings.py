"""Scrapy settings for nianbao crawls: polite production defaults, overridable per run.

``build_settings(overrides, render=False)`` returns the dict one portal's crawler
runs with. Tests and benchmarks pass ``FAST_SETTINGS`` to switch the delays off.
The scrapy-playwright download handler is only installed for a portal with
``render: true``, so no browser ever starts when no portal renders.
"""

from __future__ import annotations

import os
import shutil
from importlib.metadata import PackageNotFoundError, version


def _project_version() -> str:
    try:
        return version("nianbao")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0+unknown"


USER_AGENT = f"nianbao/{_project_version()} (+https://github.com/nianbao-archive/nianbao)"

BASE_SETTINGS: dict = {
    "BOT_NAME": "nianbao",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "LOG_INSTALL_ROOT_HANDLER": True,
    # Every failure lands in the journal; the log need not shout about each.
    "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    # Politeness: government servers are small; a crawl may take its time.
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "DOWNLOAD_DELAY": 1.0,
    "DOWNLOAD_DELAY_JITTER": 0.5,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DOWNLOAD_TIMEOUT": 60,
    "DOWNLOAD_MAXSIZE": 200 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 50 * 1024 * 1024,
    "DNS_TIMEOUT": 20,
    # Retries: timeouts, connection drops and 5xx, with exponential backoff and
    # Retry-After honoured (crawler.middlewares.BackoffRetryMiddleware).
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "RETRY_BACKOFF_BASE": 2.0,
    "RETRY_BACKOFF_MAX": 60.0,
    "RETRY_AFTER_MAX": 120.0,
    # A runaway portal (calendar pages, endless search results) stops here.
    "CLOSESPIDER_PAGECOUNT": 5000,
    "CLOSESPIDER_TIMEOUT": 6 * 3600,
    "DEPTH_LIMIT": 0,  # the spider counts its own hops (pagination is free)
    "COOKIES_ENABLED": True,
    "REFERER_ENABLED": True,
    # Pages are revalidated through Scrapy's HTTP cache (crawler.cache); run_crawl sets HTTPCACHE_DIR.
    "HTTPCACHE_ENABLED": True,
    "HTTPCACHE_POLICY": "crawler.cache.RevalidatingPolicy",
    "HTTPCACHE_STORAGE": "scrapy.extensions.httpcache.FilesystemCacheStorage",
    "HTTPCACHE_GZIP": True,
    "HTTPCACHE_EXPIRATION_SECS": 0,
    "DOWNLOADER_MIDDLEWARES": {
        # After the offsite check (50): only http(s), only public addresses (SSRF).
        "crawler.address_policy.AddressPolicyMiddleware": 60,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.BackoffRetryMiddleware": 550,
        # Closer to the downloader than retry: a wall is seen before it is retried.
        "crawler.middlewares.BlockedDetectionMiddleware": 560,
        "crawler.middlewares.ConditionalRequestMiddleware": 570,
        # Next to the downloader, after the HTTP cache (900): only what went over the wire.
        "crawler.middlewares.TransferStatsMiddleware": 950,
    },
    "ITEM_PIPELINES": {
        "crawler.pipelines.SamePagePipeline": 50,
        "crawler.pipelines.ArchivePipeline": 100,
        "crawler.pipelines.JournalPipeline": 200,
    },
    "EXTENSIONS": {
        "crawler.extensions.PortalVerdict": 500,
        "crawler.extensions.CrawlProgress": 510,
    },
    # Spider knobs.
    "NIANBAO_MAX_DEPTH": 5,  # home → 信息公开 → 年报 column → detail → attachment
    "NIANBAO_MAX_LISTING_PAGES": 30,  # pagination pages followed per listing
    "NIANBAO_BLOCKED_AFTER": 1,  # walls seen before a portal is given up as blocked
}

# Tests and benchmarks: no politeness delays, short timeouts, no retries.
FAST_SETTINGS: dict = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 10,
    "DNS_TIMEOUT": 5,
    "RETRY_TIMES": 0,
    "RETRY_BACKOFF_BASE": 0.1,
}

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """Debian's chromium (or ``$NIANBAO_CHROMIUM``); never a Playwright download."""
    explicit = os.environ.get("NIANBAO_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def playwright_settings() -> dict:
    """What scrapy-playwright needs: its download handlers and a headless Debian chromium."""
    launch = {"headless": True, "args": list(BROWSER_ARGS)}
    executable = find_chromium()
    if executable:
        launch["executable_path"] = executable
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
        "PLAYWRIGHT_ABORT_REQUEST": abort_heavy_resources,
    }


def abort_heavy_resources(request) -> bool:
    """Rendering needs scripts and markup, not pictures, video or fonts."""
    return request.resource_type in ("image", "media", "font")


def build_settings(overrides: dict | None = None, render: bool = False) -> dict:
    """The settings for one portal's crawler: defaults, then the browser if needed, then overrides."""
    settings = {key: (dict(value) if isinstance(value, dict) else value) for key, value in BASE_SETTINGS.items()}
    if render:
        settings.update(playwright_settings())
    overrides = dict(overrides or {})
    if "RANDOMIZE_DOWNLOAD_DELAY" in overrides:
        # Deprecated in Scrapy 2.19 in favour of DOWNLOAD_DELAY_JITTER.
        overrides.setdefault("DOWNLOAD_DELAY_JITTER", 0.5 if overrides.pop("RANDOMIZE_DOWNLOAD_DELAY") else 0)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}
        else:
            settings[key] = value
    return settings
