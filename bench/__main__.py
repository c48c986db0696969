"""``make bench``: every benchmark in one run, written to ``bench/results.json``.

    python -m bench [--quick | --tiny] [--only extract,crawl,load,search] [--output FILE]
    python -m bench --scale 100000 [--keep DIR [--reuse]]   # the site at that size -> bench/results-100k.json

Figures are medians (extraction: best) of several repetitions on the same inputs. Headline
keys: extract.pages_per_s / pdftotext_pages_per_s / ratio, extract.ocr_pages_per_s_per_core, crawl.reports_per_s /
requests_per_report, load.documents_per_s, search.p95_ms (per query length, the
slowest user-facing endpoint), and scale.* (growth from the small to the large corpus).

``--scale N`` (outside the test suite: minutes at 100,000) measures the whole site at N
generated reports instead (``bench.corpus``, ``search_bench.run_site``), under the key
``site``: documents, load.documents_per_s (the loader's write path, into the grown
database), db_bytes_per_document, search p50/p95 per query length and endpoint,
report_page, coverage and charts p50/p95, and whether each meets the issue's target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
STAGES = ("extract", "crawl", "load", "search")


# The search endpoints people use; p95_ms reports the slowest of them per query length.
SEARCH_ENDPOINTS = ("table_search", "ranked_search", "ranked_table")


# Corpus sizes and repetitions per run size: "full" is ``make bench``, "quick" a fast
# check, "tiny" only proves the harness works (tests/test_bench.py).
PROFILES = {
    "full": {"reps": 5, "pdfs": 50, "extract_scale": (100, 1000), "long": 12, "ocr": 6, "crawl_reps": 3,
             "load": (1000, 10000), "search": (1000, 10000), "search_reps": 5},
    "quick": {"reps": 2, "pdfs": 20, "extract_scale": (20, 100), "long": 4, "ocr": 2, "crawl_reps": 1,
              "load": (200, 1000), "search": (200, 1000), "search_reps": 3},
    "tiny": {"reps": 1, "pdfs": 4, "extract_scale": (2, 4), "long": 1, "ocr": 1, "crawl_reps": 1,
             "load": (10, 20), "search": (10, 20), "search_reps": 1},
}


def run_stage(name: str, profile: str) -> dict:
    p = PROFILES[profile]
    if name == "extract":
        from . import extract_bench

        return extract_bench.run(repetitions=p["reps"], minimum=p["pdfs"], scale=p["extract_scale"], long_files=p["long"],
                                 ocr_files=p["ocr"])
    if name == "crawl":
        from . import crawl_bench

        return crawl_bench.run(repetitions=p["crawl_reps"])
    if name == "load":
        from . import load_bench

        return load_bench.run(sizes=p["load"])
    if name == "search":
        return search_stage(sizes=p["search"], repetitions=p["search_reps"])
    raise ValueError(name)


def search_stage(sizes: tuple[int, int], repetitions: int) -> dict:
    """search_bench at two archive sizes: the large one in full, p95 per query length, growth."""
    from . import search_bench

    small, large = (search_bench.run(documents=size, repetitions=repetitions) for size in sizes)
    results = dict(large)
    results["p95_ms"] = p95_by_length(large["latency"])
    results["p95_ms_first"] = p95_by_length(large["latency"], suffix="_first")
    results["p95_ms_small"] = p95_by_length(small["latency"])
    results["sizes"] = list(sizes)
    results["growth"] = {
        length: round(ms / results["p95_ms_small"][length], 2) if results["p95_ms_small"][length] else None
        for length, ms in results["p95_ms"].items()
    }
    return results


def p95_by_length(latency: dict, suffix: str = "") -> dict:
    """{"1": ms, "2": ms, ...}: the slowest user-facing endpoint's p95 at each query length."""
    by_length: dict[str, float] = {}
    for endpoint in SEARCH_ENDPOINTS:
        for key, figures in latency.get(endpoint + suffix, {}).items():
            length = key.split("_")[0]
            by_length[length] = max(by_length.get(length, 0.0), figures["p95_ms"])
    return by_length


def scale(results: dict) -> dict:
    """How the stages grow from the small to the large corpus (1.0 = linear, below = better)."""
    figures = {}
    if "extract" in results and "scale" in results["extract"]:
        grown = results["extract"]["scale"]
        figures["extract_files"] = grown["files"]
        figures["extract_growth_vs_linear"] = grown["growth_vs_linear"]
        figures["extract_seconds_per_10000_reports"] = round(
            10000 * results["extract"]["pages"] / results["extract"]["files"] / results["extract"]["pages_per_s"]
        )
    if "load" in results:
        figures["load_documents"] = [int(size) for size in results["load"]["runs"]]
        figures["load_growth_vs_linear"] = results["load"].get("growth_vs_linear")
    if "search" in results and "growth" in results["search"]:
        figures["search_documents"] = results["search"]["sizes"]
        # Ratio of p95 latencies (1.0 = flat); a linear scan would give 10 for 10x documents.
        figures["search_p95_growth"] = results["search"]["growth"]
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
    parser.add_argument("--tiny", action="store_true", help="smallest corpora: checks the harness, not the speed")
    parser.add_argument("--only", default=",".join(STAGES), help="comma-separated stages")
    parser.add_argument("--output", type=Path, help=f"results file (default {RESULTS}; with --scale results-<N>.json)")
    parser.add_argument("--scale", type=int, help="measure the site at this many generated reports (e.g. 100000)")
    parser.add_argument("--repetitions", type=int, default=5, help="with --scale: requests per URL after the first")
    parser.add_argument("--keep", type=Path, help="with --scale: build the DATA dir here and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --scale --keep: measure the DATA built there before")
    args = parser.parse_args(argv)
    if args.scale:
        return scale_run(args)
    args.output = args.output or RESULTS
    profile = "tiny" if args.tiny else "quick" if args.quick else "full"
    results: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "profile": profile,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    started_all = time.perf_counter()
    for stage in args.only.split(","):
        started = time.perf_counter()
        results[stage] = run_stage(stage, profile)
        results[stage]["bench_seconds"] = round(time.perf_counter() - started, 1)
        args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    results["scale"] = scale(results)
    results["bench_seconds"] = round(time.perf_counter() - started_all, 1)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print_table(results)
    print(f"written to {args.output}")


def scale_name(documents: int) -> str:
    return f"{documents // 1000}k" if documents % 1000 == 0 else str(documents)


def scale_run(args) -> None:
    from . import search_bench

    output = args.output or RESULTS.with_name(f"results-{scale_name(args.scale)}.json")
    started = time.perf_counter()
    results: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "profile": f"scale {args.scale}",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "site": search_bench.run_site(args.scale, repetitions=args.repetitions, keep=args.keep, reuse=args.reuse),
    }
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print_table(results)
    print(f"written to {output}")


if __name__ == "__main__":
    main()
