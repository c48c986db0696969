"""Crawl throughput against the fixture portals on 127.0.0.1, politeness delays off.

Each repetition is a fresh DATA directory, so every report is really fetched; the
request count comes from the portal servers' own logs. Then the same crawl again
(nothing changed on the portals): its requests, the bytes the servers sent, and
the document bytes among them (0 when every original came back as a 304).
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
    timings, requests, hops, reports, recrawl = [], [], [], [], []
    with ExitStack() as stack:
        servers = [stack.enter_context(PortalServer(site)) for site in fixture_sites()]
        config = {"portals": [portal_entry(site, server.url) for site, server in zip(fixture_sites(), servers)]}
        for _ in range(repetitions):
            with tempfile.TemporaryDirectory(prefix="nianbao-crawl-bench-") as tmp:
                config_path = Path(tmp) / "portals.yml"
                config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
                data = Path(tmp) / "data"
                command = [sys.executable, "-m", "nianbao", "crawl", str(config_path), "--data", str(data),
                           "--no-throttle", "--no-load"]
                for server in servers:
                    server.clear_log()
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                timings.append(time.perf_counter() - started)
                log = [entry for server in servers for entry in server.requests]
                requests.append(len(log))
                hops.append(sum(1 for entry in log if 300 <= entry["status"] < 400))
                conn = sqlite3.connect(data / "journal.db")
                reports.append(conn.execute("select count(distinct url) from sources").fetchone()[0])
                conn.close()
                for server in servers:
                    server.clear_log()
                subprocess.run(command, check=True, capture_output=True)
                summary = json.loads((data / "last-crawl.json").read_text(encoding="utf-8"))
                log = [entry for server in servers for entry in server.requests]
                recrawl.append((len(log), sum(entry["bytes"] for entry in log), summary["bytes_downloaded"],
                                summary["unchanged"]))
    found = median(reports)
    return {
        "portals": len(servers),
        "reports_found": found,
        "seconds": round(median(timings), 2),
        "reports_per_s": round(found / median(timings), 2),
        "requests_per_report": round(median(requests) / found, 2) if found else None,
        "redirect_hops_per_report": round(median(hops) / found, 2) if found else None,
        "recrawl_requests_per_report": round(median(r[0] for r in recrawl) / found, 2) if found else None,
        "recrawl_bytes_sent": median(r[1] for r in recrawl),
        "recrawl_document_bytes": max(r[2] for r in recrawl),
        "recrawl_unchanged": min(r[3] for r in recrawl),
    }
