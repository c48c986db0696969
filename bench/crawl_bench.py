"""Crawl throughput against the fixture portals on 127.0.0.1, politeness delays off.

Each repetition is a fresh DATA directory, so every report is really fetched; the
request count comes from the portal servers' own logs.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from statistics import median

import yaml

from nianbao.demo import SAMPLE_SITE, PortalServer

PORTALS = Path(__file__).resolve().parent.parent / "tests" / "crawler" / "portals"


def fixture_sites() -> list[Path]:
    """The sample portal and the crawler tests' fixture portals."""
    return [SAMPLE_SITE] + sorted(site for site in PORTALS.iterdir() if (site / "_manifest.json").exists())


def portal_entry(site: Path, url: str) -> dict:
    manifest = json.loads((site / "_manifest.json").read_text(encoding="utf-8"))
    return {"id": site.name, "start_urls": [url], "render": bool(manifest.get("render", False))}


def run(repetitions: int = 3) -> dict:
    timings, requests, reports = [], [], []
    with ExitStack() as stack:
        servers = [stack.enter_context(PortalServer(site)) for site in fixture_sites()]
        config = {"portals": [portal_entry(site, server.url) for site, server in zip(fixture_sites(), servers)]}
        for _ in range(repetitions):
            with tempfile.TemporaryDirectory(prefix="nianbao-crawl-bench-") as tmp:
                config_path = Path(tmp) / "portals.yml"
                config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
                for server in servers:
                    server.clear_log()
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "nianbao", "crawl", str(config_path), "--data", str(Path(tmp) / "data"),
                     "--no-throttle", "--no-load"],
                    check=True, capture_output=True,
                )
                timings.append(time.perf_counter() - started)
                requests.append(sum(len(server.requested_paths()) for server in servers))
                conn = sqlite3.connect(Path(tmp) / "data" / "journal.db")
                reports.append(conn.execute("select count(distinct url) from sources").fetchone()[0])
                conn.close()
    found = median(reports)
    return {
        "portals": len(servers),
        "reports_found": found,
        "seconds": round(median(timings), 2),
        "reports_per_s": round(found / median(timings), 2),
        "requests_per_report": round(median(requests) / found, 2) if found else None,
    }
