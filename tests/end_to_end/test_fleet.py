"""A crawl fleet: two ``nianbao crawl --frontier`` processes sharing a real redis-server, over
three fixture portals on one host, archiving into a real S3 server (SeaweedFS), then two
``nianbao worker`` processes extracting for the loader. They find and read what one process finds alone, the host never sees more than 2
requests at once nor more per second than the delay allows (by the servers' own logs), and
after ``kill -9`` of a member a rerun completes the crawl."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from nianbao import DataDir
from nianbao.demo import SAMPLE_SITE, PortalServer
from tests.support import NIANBAO, TEST_PORTALS, free_port, reports_tuples, sha256_of, write_portals

pytestmark = pytest.mark.slow
SITES = [SAMPLE_SITE, TEST_PORTALS / "hanweb", TEST_PORTALS / "cms-aspx"]
DELAY = 0.15


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: make test installs it (Debian package redis-server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def portals(tmp_path_factory):
    with ExitStack() as stack:
        servers = [stack.enter_context(PortalServer(site)) for site in SITES]
        config = write_portals(tmp_path_factory.mktemp("fleet") / "portals.yml",
                               [{"id": site.name, "start_urls": [server.url]} for site, server in zip(SITES, servers)])
        yield config, servers


def member(config: Path, data: Path, redis_url: str, run: str, shard: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(NIANBAO), "crawl", str(config), "--data", str(data), "--frontier", redis_url, "--run", run,
         "--shard", shard, "-s", f"DOWNLOAD_DELAY={DELAY}", "-s", "DOWNLOAD_DELAY_JITTER=0",
         "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "RETRY_TIMES=0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def figures(data: Path, queue: str | None = None) -> tuple[set, set]:
    DataDir(data).load(workers=2, queue=queue)
    documents = set(reports_tuples(data, "select sha256, title, year, consistent from documents"))
    stats = set(reports_tuples(data, "select sha256, section, item, measure, value from report_stats"))
    return documents, stats


@pytest.fixture(scope="module")
def alone(portals, tmp_path_factory):
    config, _ = portals
    data = tmp_path_factory.mktemp("alone") / "data"
    finished = subprocess.run([str(NIANBAO), "crawl", str(config), "--data", str(data), "--no-throttle", "--no-load"],
                              capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    return figures(data)


@pytest.fixture
def environment(seaweedfs, monkeypatch):
    """Members, workers and this process reach the test S3 server."""
    for name, value in seaweedfs.env.items():
        monkeypatch.setenv(name, value)


def test_two_members_and_two_workers_over_an_object_store_find_what_one_finds(
        portals, redis_url, alone, seaweedfs, environment, tmp_path):
    config, servers = portals
    for server in servers:
        server.clear_log()
    data = tmp_path / "data"
    bucket = seaweedfs.new_bucket()
    seaweedfs.archive_config(data, bucket)
    members = [member(config, data, redis_url, "together", f"m{n}") for n in range(2)]
    outputs = [process.communicate(timeout=600) for process in members]
    assert [process.returncode for process in members] == [0, 0], [err[-2000:] for _, err in outputs]
    log = sorted((entry for server in servers for entry in server.requests), key=lambda entry: entry["started"])
    # Both members worked, from one shared frontier: no URL was asked for twice (robots.txt aside:
    # each member reads the rules itself).
    assert all((data / "journals" / f"m{n}.db").exists() for n in range(2))
    requested = [(entry["method"], entry["path"], entry["headers"].get("Host")) for entry in log
                 if entry["method"] == "GET" and entry["path"] != "/robots.txt"]
    assert sorted(set(r for r in requested if requested.count(r) > 1)) == []
    # Politeness for the fleet: the host (all three portals) saw at most 2 at once, and no more
    # requests in any second than the delay allows. (Single gaps are measured at the server,
    # after each process's own scheduling: one may arrive a little late, the next on time.)
    starts = [entry["started"] for entry in log]
    for start in starts:
        assert sum(1 for other in starts if start <= other < start + 1.0) <= int(1.0 / DELAY) + 1
    gaps = sorted(b - a for a, b in zip(starts, starts[1:]))
    assert gaps[len(gaps) // 2] >= DELAY and gaps[0] >= DELAY / 3, gaps[:5]
    for entry in log:
        overlapping = sum(1 for other in log if other["started"] < entry["ended"] and other["ended"] > entry["started"])
        assert overlapping <= 2
    # Extraction on two workers through the same Redis; the loader alone writes reports.db.
    workers = [subprocess.Popen([str(NIANBAO), "worker", redis_url], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, start_new_session=True) for _ in range(2)]
    try:
        documents, stats = figures(data, queue=redis_url)
    finally:
        for process in workers:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    assert (documents, stats) == alone
    # One object per original in the bucket, none twice, each hashing to its key; no local archive.
    client = seaweedfs.client()
    keys = [entry["Key"] for entry in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert len(keys) == len({key.rsplit("/", 1)[1][:64] for key in keys}) == len(documents)
    for key in keys:
        assert sha256_of(client.get_object(Bucket=bucket, Key=key)["Body"].read()) == key.rsplit("/", 1)[1][:64]
    assert not (data / "archive").exists()


def test_after_kill_9_of_a_member_the_rerun_completes_the_crawl(portals, redis_url, alone, tmp_path):
    config, _ = portals
    data = tmp_path / "data"
    members = [member(config, data, redis_url, "killed", f"k{n}") for n in range(2)]
    time.sleep(3)
    os.killpg(members[0].pid, signal.SIGKILL)
    members[0].wait(timeout=30)
    members[1].communicate(timeout=600)
    rerun = member(config, data, redis_url, "killed-rerun", "k2")
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err[-2000:]
    assert figures(data) == alone
    assert not list((data / "archive").rglob(".incoming-*"))
