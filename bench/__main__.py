"""``make bench``: every benchmark in one run, written to ``bench/results.json``.

    python -m bench [--quick] [--only extract,crawl,load,search]

Each figure is the median of several repetitions on the same inputs.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
STAGES = ("extract", "crawl", "load", "search")


def run_stage(name: str, quick: bool) -> dict:
    if name == "extract":
        from . import extract_bench

        return extract_bench.run(repetitions=2 if quick else 3, minimum=20 if quick else 50)
    if name == "crawl":
        from . import crawl_bench

        return crawl_bench.run(repetitions=1 if quick else 3)
    if name == "load":
        from . import load_bench

        return load_bench.run(sizes=(200, 1000) if quick else (1000, 10000))
    if name == "search":
        from . import search_bench

        return search_bench.run(documents=1000 if quick else 10000)
    raise ValueError(name)


def scale(results: dict) -> dict:
    """How the stages grow from the small to the large corpus (1.0 = linear)."""
    figures = {}
    if "load" in results:
        figures["load_growth_vs_linear"] = results["load"].get("growth_vs_linear")
    if "search" in results and "growth" in results["search"]:
        figures["search_p95_growth"] = results["search"]["growth"]
    if "extract" in results:
        # Each document is extracted on its own, so extraction is linear by construction.
        figures["extract_seconds_per_10000_reports"] = round(
            10000 * results["extract"]["pages"] / results["extract"]["files"] / results["extract"]["pages_per_s"]
        )
    return figures


def print_table(results: dict) -> None:
    for stage, figures in results.items():
        if not isinstance(figures, dict):
            continue
        print(f"{stage}")
        for key, value in figures.items():
            if isinstance(value, (dict, list)):
                value = json.dumps(value, ensure_ascii=False)
            print(f"  {key:<36} {value}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller corpora, fewer repetitions")
    parser.add_argument("--only", default=",".join(STAGES), help="comma-separated stages")
    args = parser.parse_args(argv)
    results: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
    }
    for stage in args.only.split(","):
        started = time.perf_counter()
        results[stage] = run_stage(stage, args.quick)
        results[stage]["bench_seconds"] = round(time.perf_counter() - started, 1)
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    results["scale"] = scale(results)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print_table(results)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
