"""The archive survives kills, damage and a full or read-only disk without losing a byte."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from archive import Archive
from nianbao.demo import SAMPLE_SITE, PortalServer
from tests.support import NIANBAO, write_portals

SITE = SAMPLE_SITE
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def portal():
    with PortalServer(SITE) as server:
        yield server


def write_config(folder: Path, url: str) -> Path:
    return write_portals(folder / "portals.yml", [{"id": "sample", "start_urls": [url]}])


def start_crawl(config: Path, data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(NIANBAO), "crawl", str(config), "--data", str(data), "--no-throttle"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def archive_state(data: Path) -> dict[str, str | None]:
    return {sha: problem for sha, _, problem in Archive(data / "archive").verify()}


def integrity(db: Path) -> str:
    if not db.exists():
        return "ok"
    conn = sqlite3.connect(db)
    try:
        return conn.execute("pragma integrity_check").fetchone()[0]
    finally:
        conn.close()


def documents(data: Path) -> set[str]:
    conn = sqlite3.connect(data / "reports.db")
    try:
        return {row[0] for row in conn.execute("select sha256 from documents")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def reference(portal, tmp_path_factory):
    """DATA after one uninterrupted crawl."""
    folder = tmp_path_factory.mktemp("reference")
    crawl = start_crawl(write_config(folder, portal.url), folder / "data")
    _, stderr = crawl.communicate(timeout=600)
    assert crawl.returncode == 0, stderr[-2000:]
    return folder / "data"


def test_kill_9_at_any_moment_loses_nothing(portal, reference, tmp_path):
    config = write_config(tmp_path, portal.url)
    data = tmp_path / "data"
    kills = 0
    for delay in (0.4, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0):
        crawl = start_crawl(config, data)
        time.sleep(delay)
        if crawl.poll() is None:
            os.killpg(crawl.pid, signal.SIGKILL)
            kills += 1
        crawl.wait(timeout=60)
        assert all(problem is None for problem in archive_state(data).values())
        assert integrity(data / "journal.db") == "ok"
        assert integrity(data / "reports.db") == "ok"
    assert kills >= 3, "the crawl finished before it could be killed"
    final = start_crawl(config, data)
    _, stderr = final.communicate(timeout=600)
    assert final.returncode == 0, stderr[-2000:]
    assert archive_state(data) == archive_state(reference)
    assert documents(data) == documents(reference)
    assert not list((data / "archive").glob(".incoming-*"))


def test_verify_repair_restores_a_damaged_object_from_its_source(portal, reference, tmp_path):
    data = tmp_path / "data"
    subprocess.run(["cp", "-a", str(reference), str(data)], check=True)
    # The copy was fetched from this same portal server, so its sources still answer.
    victim = next(iter(Archive(data / "archive").paths()))
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    portal.clear_log()
    finished = subprocess.run([str(NIANBAO), "verify", str(data), "--repair"], capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stdout
    assert f"REPAIRED {victim.name[:64]}" in finished.stdout
    assert all(problem is None for problem in archive_state(data).values())
    # The repair went through the crawler's own fetch path: robots.txt first, the project's User-Agent.
    log = list(portal.requests)
    assert log[0]["path"] == "/robots.txt"
    assert len(log) >= 2 and all(entry["headers"].get("User-Agent", "").startswith("nianbao/") for entry in log)
    assert not any("If-None-Match" in entry["headers"] for entry in log)  # the body is the point


def test_repair_refuses_a_source_robots_txt_now_forbids(portal, reference, tmp_path):
    data = tmp_path / "data"
    subprocess.run(["cp", "-a", str(reference), str(data)], check=True)
    conn = sqlite3.connect(data / "journal.db")
    (url,) = conn.execute("select url from sources where url like '%/uploads/%' order by id limit 1").fetchone()
    # The object's only source is now a path the portal's robots.txt disallows.
    with conn:
        sha = conn.execute("select sha256 from sources where url = ?", [url]).fetchone()[0]
        conn.execute("update sources set url = ? where sha256 = ?", [portal.url + "private/2016/P020170120000005.pdf", sha])
    conn.close()
    victim = Archive(data / "archive").path_for(sha)
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    portal.clear_log()
    finished = subprocess.run([str(NIANBAO), "verify", str(data), "--repair"], capture_output=True, text=True, timeout=120)
    assert finished.returncode == 1
    assert f"FAILED {sha}" in finished.stdout
    assert "/private/2016/P020170120000005.pdf" not in [entry["path"] for entry in portal.requests]


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@pytest.fixture(params=["1m"])
def small_disk(tmp_path, request):
    """A small tmpfs: room for some of the crawl but not all of it."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={request.param}", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@needs_root
@pytest.mark.parametrize("small_disk", ["200k", "1m", "2500k", "4m"], indirect=True)
def test_disk_full_gives_one_clear_error_and_no_half_written_object(portal, small_disk):
    config = write_config(small_disk.parent, portal.url)
    crawl = start_crawl(config, small_disk / "data")
    stdout, stderr = crawl.communicate(timeout=600)
    assert crawl.returncode != 0
    assert "Traceback" not in stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("nianbao: error: ")]
    assert "No space left on device" in line or "disk is full" in line
    assert not list((small_disk / "data" / "archive").glob(".incoming-*"))
    assert all(problem is None for problem in archive_state(small_disk / "data").values())


@needs_root
def test_read_only_data_gives_one_clear_error(portal, reference, small_disk):
    data = small_disk / "data"
    data.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    crawl = start_crawl(write_config(small_disk.parent, portal.url), data)
    _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 2
    (line,) = stderr.strip().splitlines()
    assert line.startswith("nianbao: error: ") and "Read-only file system" in line


def test_downloads_over_the_size_limit_are_refused_and_recorded(portal, tmp_path):
    limit = 200_000
    config = write_config(tmp_path, portal.url)
    finished = subprocess.run(
        [str(NIANBAO), "crawl", str(config), "--data", str(tmp_path / "data"), "--no-throttle", "--no-load",
         "-s", f"DOWNLOAD_MAXSIZE={limit}"],
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    sizes = [path.stat().st_size for path in Archive(tmp_path / "data" / "archive").paths()]
    assert sizes and max(sizes) <= limit
    conn = sqlite3.connect(tmp_path / "data" / "journal.db")
    too_large = conn.execute("select count(*) from fetch_errors where kind = 'too_large'").fetchone()[0]
    conn.close()
    assert too_large >= 1
