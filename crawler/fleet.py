"""The crawl fleet: several crawler processes, on one machine or many, sharing one Redis.

Off unless a run names a frontier (``nianbao crawl --frontier redis://…``); the default
single-process crawl never imports Redis. What the processes share:

* the frontier and the seen-set: scrapy-redis's scheduler and dupefilter, under keys
  of the run's name (``NIANBAO_RUN``), persisted while any member is alive;
* politeness for the whole fleet (``FleetPolitenessMiddleware``): at most
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in flight per domain and no two starting
  closer than the domain's delay (DOWNLOAD_DELAY, or AutoThrottle's current one), however
  many processes ask;
* the ids of journal rows (``RedisIds``), so each process's journal shard merges into
  reports.db without collisions (loader.Loader.sync_journal).

Membership: each process keeps a heartbeat key while it runs. A process that starts and
finds the run's keys but no live member starts the run afresh; the last member to finish
deletes them. A member killed with ``kill -9`` takes the requests it had taken from the
queue with it (scrapy-redis has no acknowledgements), so the run it was in may miss
what those pages linked: the rerun — a new run name, or the same once no member is
alive — crawls everything again (conditionally: unchanged originals come back as 304),
so nothing is lost and, content-addressed, nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import warnings
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning

MEMBER_TTL_S = 20  # a member not heard of for this long is taken for dead (it beats every 5 s)
BUSY_S = 15  # another member that fetched from a portal this recently may still bring it work
PREFIX = "nianbao"

# scrapy-redis 0.9.1 predates Scrapy 2.13's stats API; its calls still work (measured with
# Scrapy 2.19: scheduler, dupefilter and request serialization), only the warning is noise.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")


def run_key(run: str, *parts: str) -> str:
    return ":".join((PREFIX, run, *parts))


def frontier_settings(url: str, run: str) -> dict:
    """Scrapy settings that put the run's frontier and seen-set in Redis."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": url,
        "SCHEDULER_QUEUE_KEY": run_key(run, "%(spider)s", "requests"),
        "SCHEDULER_DUPEFILTER_KEY": run_key(run, "%(spider)s", "seen"),
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_PERSIST": True,  # other members still use it; FleetMembership clears it
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "NIANBAO_FRONTIER": url,
        "NIANBAO_RUN": run,
    }


def fleet_settings(url: str, run: str, shard: str, base: dict) -> dict:
    """Everything a crawler process of the fleet runs with: the shared frontier, the fleet's
    politeness, its journal shard and its membership key.

    ``base``: the settings the process would run with alone (crawler.settings.build_settings).
    Their delay and AutoThrottle move to the fleet's middleware, which applies them for all
    processes at once; the process's own downloader then adds no delay of its own."""
    return {
        **frontier_settings(url, run),
        "NIANBAO_FLEET_DELAY": float(base.get("DOWNLOAD_DELAY", 0)),
        "NIANBAO_FLEET_AUTOTHROTTLE": bool(base.get("AUTOTHROTTLE_ENABLED")),
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": False,
        # A member takes from the shared queue only what it can send now, leaving the rest to the others.
        "CONCURRENT_REQUESTS": int(base.get("CONCURRENT_REQUESTS_PER_DOMAIN", 2)),
        "NIANBAO_SHARD": shard,
        "NIANBAO_MEMBER": run_key(run, "members", f"{shard}:{uuid.uuid4().hex}"),
        # Closest to the downloader after the HTTP cache and the transfer count: each request
        # that really goes out (every redirect hop too) takes a fleet slot for its domain.
        "DOWNLOADER_MIDDLEWARES": {"crawler.fleet.FleetPolitenessMiddleware": 960},
        "EXTENSIONS": {"crawler.fleet.StayWhileFleetBusy": 490},
    }


def connect(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=30)


class FleetMembership:
    """Join the run (starting it afresh when only dead members left keys), beat, and let
    the last member out delete the run's keys."""

    def __init__(self, url: str, run: str, key: str):
        self.redis = connect(url)
        self.run = run
        self.key = key  # NIANBAO_MEMBER

    def join(self) -> None:
        """Become a member (starting the run afresh if no member is alive), beating every 5 s."""
        if not self.live_members():
            stale = list(self.redis.scan_iter(run_key(self.run, "*"), count=1000))
            if stale:
                self.redis.delete(*stale)
        self.beat()
        from twisted.internet import task

        self.beating = task.LoopingCall(self.beat)
        self.beating.start(5, now=False)

    def beat(self) -> None:
        self.redis.set(self.key, int(time.time()), ex=MEMBER_TTL_S)

    def live_members(self) -> list[bytes]:
        return list(self.redis.scan_iter(run_key(self.run, "members", "*"), count=1000))

    def leave(self) -> None:
        if self.beating.running:
            self.beating.stop()
        self.redis.delete(self.key)
        if not self.live_members():
            keys = list(self.redis.scan_iter(run_key(self.run, "*"), count=1000))
            if keys:
                self.redis.delete(*keys)


class RedisIds:
    """Row ids for the journal tables, unique across the fleet (one INCR per row)."""

    def __init__(self, url: str):
        self.redis = connect(url)

    def next(self, table: str) -> int:
        return int(self.redis.incr(f"{PREFIX}:ids:{table}"))


# KEYS[1]: the domain's in-flight set; KEYS[2]: when the domain may next be asked.
# ARGV: now (s), token, concurrency, delay (s), slot lifetime (s). Returns 0 when the
# request may go now (its slot taken), else the seconds to wait.
ACQUIRE = """
local now, token, limit, delay, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then return '0.05' end
local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < next_at then return tostring(next_at - now) end
redis.call('ZADD', KEYS[1], now + ttl, token)
redis.call('SET', KEYS[2], tostring(now + delay), 'EX', math.max(1, math.ceil(delay) + 1))
return '0'
"""


class FleetPolitenessMiddleware:
    """Per-domain concurrency and delay held for the whole fleet in Redis.

    A request waits here, the last step before the network, until its domain has a free
    slot and its delay has passed since the fleet's last request to it; the slot is given
    back when the answer (or the failure) comes. The delay is DOWNLOAD_DELAY, raised as
    AutoThrottle would (the domain's recent latency over AUTOTHROTTLE_TARGET_CONCURRENCY,
    at most AUTOTHROTTLE_MAX_DELAY) from every member's answers. A slot outlives a crashed
    process by at most DOWNLOAD_TIMEOUT + 30 s.
    """

    def __init__(self, crawler, url: str, run: str):
        settings = crawler.settings
        self.redis = connect(url)
        self.run = run
        self.acquire = self.redis.register_script(ACQUIRE)
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2)
        self.delay = settings.getfloat("NIANBAO_FLEET_DELAY", 0.0)
        self.autothrottle = settings.getbool("NIANBAO_FLEET_AUTOTHROTTLE")
        self.target = max(0.1, settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY", 1.0))
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        self.slot_ttl = settings.getfloat("DOWNLOAD_TIMEOUT", 60) + 30

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("NIANBAO_FRONTIER")
        if not url:
            raise NotConfigured
        return cls(crawler, url, crawler.settings.get("NIANBAO_RUN"))

    def keys(self, request) -> list[str]:
        domain = urlsplit(request.url).hostname or ""
        return [run_key(self.run, kind, domain) for kind in ("inflight", "next", "delay")]

    async def process_request(self, request, spider=None):
        keys = self.keys(request)
        token = uuid.uuid4().hex
        while True:
            learned = float(self.redis.get(keys[2]) or 0) if self.autothrottle else 0.0
            wait = float(self.acquire(keys=keys[:2], args=[time.time(), token, self.limit, max(self.delay, learned),
                                                           self.slot_ttl]))
            if wait <= 0:
                break
            await asyncio.sleep(min(wait, 1.0))
        request.meta["nianbao_fleet_slot"] = (keys[0], token)
        return None

    def release(self, request) -> None:
        slot = request.meta.pop("nianbao_fleet_slot", None)
        if slot is not None:
            self.redis.zrem(*slot)

    def process_response(self, request, response, spider=None):
        self.release(request)
        latency = request.meta.get("download_latency")
        if self.autothrottle and latency is not None and response.status < 500:
            key = self.keys(request)[2]
            previous = float(self.redis.get(key) or self.delay)
            learned = min(self.max_delay, max(self.delay, (previous + latency / self.target) / 2))
            self.redis.set(key, learned, ex=3600)
        return response

    def process_exception(self, request, exception, spider=None):
        self.release(request)
        return None


class StayWhileFleetBusy:
    """Keep a member's spider open while the fleet still has work on its portal: requests in
    the shared queue, or another member that fetched from it within ``BUSY_S`` (its pages
    may bring more). Each member notes its own activity per portal as its requests go out."""

    def __init__(self, crawler, url: str, run: str):
        self.crawler = crawler
        self.redis = connect(url)
        self.run = run
        self.member = crawler.settings.get("NIANBAO_MEMBER")

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("NIANBAO_FRONTIER")
        if not url:
            raise NotConfigured
        extension = cls(crawler, url, crawler.settings.get("NIANBAO_RUN"))
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.request_reached, signal=signals.request_reached_downloader)
        return extension

    def request_reached(self, request, spider):
        self.redis.hset(run_key(self.run, spider.name, "active"), self.member, time.time())

    def spider_idle(self, spider):
        if self.redis.zcard(run_key(self.run, spider.name, "requests")):
            raise DontCloseSpider
        active = self.redis.hgetall(run_key(self.run, spider.name, "active"))
        now = time.time()
        if any(member.decode() != self.member and now - float(at) < BUSY_S for member, at in active.items()):
            raise DontCloseSpider
