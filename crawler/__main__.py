"""``python -m crawler PORTALS.yml --data DIR``: one crawl in this process, summary as JSON.

The way tests, benchmarks and the CLI run a crawl in a subprocess (Twisted's
reactor cannot restart, so one process runs one crawl).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.config import ConfigError, load_portals
from crawler.run import run_crawl
from crawler.settings import FAST_SETTINGS


def parse_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__.splitlines()[0])
    parser.add_argument("portals", type=Path, help="portals file (YAML)")
    parser.add_argument("--data", type=Path, default=Path("data"), help="data directory (archive/ and journal.db)")
    parser.add_argument("--only", action="append", default=[], help="crawl only this portal id (repeatable)")
    parser.add_argument("--fast", action="store_true", help="no politeness delays, no retries (tests, benchmarks)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a Scrapy setting")
    parser.add_argument("--progress", action="store_true", help="print one line per portal as it finishes")
    parser.add_argument("--summary", type=Path, help="also write the summary JSON to this file")
    args = parser.parse_args(argv)
    try:
        portals = load_portals(args.portals)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.only:
        portals = [portal for portal in portals if portal.id in args.only]
    settings = dict(FAST_SETTINGS) if args.fast else {}
    for pair in args.set:
        key, _, value = pair.partition("=")
        settings[key.strip()] = parse_value(value)
    summary = run_crawl(portals, args.data, config_label=str(args.portals), settings=settings, progress=args.progress)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    if args.summary:
        args.summary.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
