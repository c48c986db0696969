"""Search latency over a synthetic archive, measured through Datasette's HTTP API.

    python -m bench.search_bench [--documents 10000] [--repetitions 5]

1. Build a DATA dir of ``documents`` synthetic reports through the real loader
   path (``Loader.store_extraction``: documents, pages and both FTS indexes,
   index maintained per document exactly as in production). The reports are
   variations of the fixture reports' real extractions: other agencies, years,
   and sentences drawn from every fixture so the vocabulary is varied.
2. Add the competing design to the same database: a contentless ``trigram``
   FTS5 index of the normalized text (MATCH needs 3+ characters, so 1- and
   2-character queries take a "short-query path": ``instr()`` over documents.text).
3. Start a live ``nianbao serve`` and time, per query length (1, 2, 4, 8
   characters), p50 and p95 of:
   - ``table_search``: ``/reports/documents.json?_search=q`` — Datasette's own
     table search with our per-character index (counts, facets and all);
   - ``ranked_search``: ``/-/search.json?q=`` — reports and pages ranked, with snippets;
   - ``percar_sql`` / ``trigram_sql``: the same query shape as the table search
     (``rowid in (…)`` + count, 51 rows) for each design, via ``/reports.json?sql=``.
   Each query is asked 1 + ``repetitions`` times; the first time is reported
   apart as ``<design>_first`` (cold: the table search's match cache is empty).

Returns a dict (``bench/__main__.py`` writes it to results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
NIANBAO = Path(sys.executable).with_name("nianbao")

QUERIES = {
    1: ["复", "诉", "费", "罚", "的", "密", "鬻", "網"],
    2: ["复议", "诉讼", "收费", "公开", "行政", "隐私", "天坛", "鬻网"],
    4: ["行政处罚", "依申请公", "政务公开", "结转下年", "国家秘密", "信息公开", "行政复议", "不存在词"],
    8: ["政府信息公开工作", "本年新收政府信息", "政府信息公开申请", "依申请公开政府信", "行政复议行政诉讼",
        "主动公开政府信息", "年度报告电子版可", "这八个字不会出现"],
}


def build_corpus(data: Path, documents: int, seed: int = 11) -> dict:
    """DATA with ``documents`` generated reports (``bench.corpus``) loaded through
    Loader.store_extraction, the index maintained per document as in production."""
    from loader import Loader

    from . import corpus

    loader = Loader(data)
    loader.ensure_search_version()
    loader.close()
    loaded = corpus.load(data, corpus.reports(documents, seed), range(documents))
    loader = Loader(data)
    try:
        # Time the index alone: rebuild it from the stored text (what ensure_search_version does).
        loader.db.execute("update nianbao_meta set value = 'stale' where key = 'search_version'")
        loader.db.conn.commit()
        index_started = time.perf_counter()
        loader.ensure_search_version()
        index_seconds = time.perf_counter() - index_started
    finally:
        loader.close()
    return {"documents": documents, "load_seconds": round(loaded["seconds"], 1),
            "percar_index_build_seconds": round(index_seconds, 1)}


def add_trigram_index(db_path: Path) -> float:
    """The competing design: a contentless trigram index of the (normalized) text."""
    from extractors.normalize import normalize_text

    conn = sqlite3.connect(db_path)
    started = time.perf_counter()
    with conn:
        conn.execute("drop table if exists documents_tri")
        conn.execute("create virtual table documents_tri using fts5(title, text, content='', tokenize='trigram')")
        conn.executemany(
            "insert into documents_tri (rowid, title, text) values (?, ?, ?)",
            ((rowid, normalize_text(title or ""), normalize_text(text or ""))
             for rowid, title, text in conn.execute("select rowid, title, text from documents").fetchall()),
        )
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def index_sizes(db_path: Path) -> dict:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "select name, sum(pgsize) from dbstat where name like 'documents_fts%' or name like 'pages_fts%' "
            "or name like 'documents_tri%' group by name"
        ).fetchall()
        text = conn.execute("select sum(length(cast(text as blob))) from documents").fetchone()[0]
    finally:
        conn.close()
    sizes = {"documents_fts": 0, "pages_fts": 0, "documents_tri": 0}
    for name, size in rows:
        sizes[name.rsplit("_", 1)[0]] += size
    return {f"{name}_mb": round(size / 1e6, 1) for name, size in sizes.items()} | {"documents_text_mb": round(text / 1e6, 1)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(data: Path, port: int) -> subprocess.Popen:
    """A live ``nianbao serve`` (the real CLI, plugin and metadata); waits until it answers."""
    process = subprocess.Popen(
        [str(NIANBAO), "serve", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        # This checkout's code, not whatever checkout the virtualenv's package was installed from.
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=2, trust_env=False).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("nianbao serve did not start")


PERCHAR_SQL = (
    "select rowid, sha256, title, agency, year from documents where rowid in "
    "(select rowid from documents_fts where documents_fts match escape_fts(:q)) order by year desc limit 51"
)
PERCHAR_COUNT = "select count(*) from documents_fts where documents_fts match escape_fts(:q)"
TRIGRAM_SQL = (
    "select rowid, sha256, title, agency, year from documents where rowid in "
    "(select rowid from documents_tri where documents_tri match '\"' || replace(:q, '\"', '\"\"') || '\"') "
    "order by year desc limit 51"
)
TRIGRAM_COUNT = "select count(*) from documents_tri where documents_tri match '\"' || replace(:q, '\"', '\"\"') || '\"'"
# Short-query path of the trigram design: trigram MATCH cannot take fewer than 3 characters.
SHORT_SQL = (
    "select rowid, sha256, title, agency, year from documents where instr(text, :q) > 0 or instr(title, :q) > 0 "
    "order by year desc limit 51"
)
SHORT_COUNT = "select count(*) from documents where instr(text, :q) > 0 or instr(title, :q) > 0"


def endpoints(query: str) -> dict[str, list[tuple[str, dict]]]:
    """Per design, the HTTP requests one search costs (rows + count, like Datasette's table view)."""
    short = len(query) < 3
    sql = lambda s: ("/reports.json", {"sql": s, "q": query, "_shape": "array"})  # noqa: E731
    return {
        "table_search": [("/reports/documents.json", {"_search": query, "_size": "20"})],
        "ranked_search": [("/-/search.json", {"q": query})],
        "ranked_table": [("/reports/document_search.json", {"_search": query, "_sort": "rank", "_nocol": "text", "_size": "20"})],
        "percar_sql": [sql(PERCHAR_SQL), sql(PERCHAR_COUNT)],
        "trigram_sql": [sql(SHORT_SQL if short else TRIGRAM_SQL), sql(SHORT_COUNT if short else TRIGRAM_COUNT)],
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def measure(port: int, repetitions: int, designs: tuple[str, ...] | None = None) -> tuple[dict, dict]:
    """p50/p95 per design and query length (of ``designs``, default all), and each query's hits.

    A request answered with an error (Datasette's SQL time limit, say) is timed all the
    same and counted in ``errors`` (per design)."""
    timings: dict[str, dict[int, list[float]]] = {}
    errors: dict[str, int] = {}

    def failed(design: str, response: httpx.Response) -> None:
        if response.status_code >= 400:
            errors[design] = errors.get(design, 0) + 1

    hits: dict[int, dict[str, int]] = {}
    chosen = lambda query: {d: r for d, r in endpoints(query).items() if designs is None or d in designs}  # noqa: E731
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False) as client:
        for design, requests in chosen("年度").items():  # a fresh server's first requests are not typical
            for path, params in requests:
                client.get(path, params=params)
        for length, queries in QUERIES.items():
            for query in queries:
                for design, requests in chosen(query).items():
                    # First request of this query: nothing cached yet (the match cache
                    # of the table search in particular) — timed as "<design>_first".
                    started = time.perf_counter()
                    for path, params in requests:
                        response = client.get(path, params=params)
                        failed(design, response)
                    first = (time.perf_counter() - started) * 1000
                    timings.setdefault(f"{design}_first", {}).setdefault(length, []).append(first)
                    if design == "percar_sql":
                        hits.setdefault(length, {})[query] = response.json()[0]["count(*)"]
                    for _ in range(repetitions):
                        started = time.perf_counter()
                        for path, params in requests:
                            failed(design, client.get(path, params=params))
                        timings.setdefault(design, {}).setdefault(length, []).append((time.perf_counter() - started) * 1000)
    summary: dict = {
        design: {
            f"{length}_chars": {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1)}
            for length, ms in by_length.items()
        }
        for design, by_length in timings.items()
    }
    if errors:
        summary["errors"] = errors
    return summary, hits


def figures(ms: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1), "requests": len(ms)}


def measure_pages(port: int, repetitions: int, shas: list[str], agencies: list[str]) -> dict:
    """p50/p95 of the site's own pages: report pages, coverage, charts (all and per agency).

    Each URL is asked once (``first_p95_ms``), then ``repetitions`` times; every request timed
    alone, errors (Datasette's SQL time limit, say) timed too and counted."""
    pages = {
        "report_page": [f"/-/reports/{sha}" for sha in shas],
        "coverage": ["/-/coverage"],
        "charts": ["/-/charts"] + [f"/-/charts?agency={agency}" for agency in agencies],
    }
    results = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False) as client:
        for name, urls in pages.items():
            ms, first, errors = [], [], 0
            for url in urls:
                for n in range(1 + repetitions):
                    started = time.perf_counter()
                    response = client.get(url)
                    (first if n == 0 else ms).append((time.perf_counter() - started) * 1000)
                    errors += response.status_code >= 400
            results[name] = figures(ms) | {"first_p95_ms": round(percentile(first, 0.95), 1), "bytes": len(response.content),
                                           "errors": errors}
    return results


SITE_DESIGNS = ("table_search", "ranked_search", "ranked_table")
# The targets (ms, p95) for a 100,000-report site.
TARGETS = {"search": 50, "report_page": 100, "coverage": 200, "charts": 200}


def run_site(documents: int, repetitions: int = 5, keep: Path | None = None, reuse: bool = False,
             through_loader: int = 1000) -> dict:
    """The site at ``documents`` reports: build, load rate, size, search and page latency over HTTP.

    The corpus is written straight into reports.db (``bench.corpus.build``) but for its
    last ``through_loader`` reports, loaded through the loader's own write path into the
    grown database (that rate is ``load.documents_per_s``)."""
    from . import corpus

    with tempfile.TemporaryDirectory(prefix="nianbao-site-bench-") as tmp:
        data = Path(keep or tmp)
        results: dict = {"documents": documents}
        generator = corpus.reports(documents)
        if not (reuse and (data / "reports.db").exists()):
            through_loader = min(through_loader, documents // 2)
            results["build"] = corpus.build(data, documents, written=documents - through_loader)
            results["load"] = corpus.load(data, generator, range(documents - through_loader, documents))
        else:
            results["reused"] = str(data)
            results["summaries_seconds"] = corpus.refresh_summaries_of(data)
        size = corpus.db_bytes(data)
        results["db_bytes"] = size
        results["db_bytes_per_document"] = round(size / documents)
        rng = random.Random(5)
        shas = [generator.sha256(n) for n in rng.sample(range(documents), k=min(20, documents))]
        agencies = sorted({generator.agency_name(generator.slots[n][0])[0] for n in rng.sample(range(documents), k=min(4, documents))})
        port = free_port()
        process = serve(data, port)
        try:
            latency, _ = measure(port, repetitions, SITE_DESIGNS)
            results["search"] = {design: latency[design] for design in SITE_DESIGNS}
            results["search_first"] = {design: latency[f"{design}_first"] for design in SITE_DESIGNS}
            results["search_errors"] = latency.get("errors", {})
            results.update(measure_pages(port, repetitions, shas, agencies))
        finally:
            process.terminate()
            process.wait(timeout=30)
        results["p95_ms_search"] = {
            str(length): max(results["search"][d][f"{length}_chars"]["p95_ms"] for d in SITE_DESIGNS) for length in QUERIES
        }
        results["targets_ms"] = TARGETS
        results["targets_met"] = {
            "search": all(ms < TARGETS["search"] for ms in results["p95_ms_search"].values()),
            **{name: results[name]["p95_ms"] < TARGETS[name] for name in ("report_page", "coverage", "charts")},
        }
        return results


def run(documents: int = 10000, repetitions: int = 5, keep: Path | None = None, reuse: bool = False) -> dict:
    """Build, serve, measure; the figures as a dict.

    ``keep``: build DATA there and leave it; with ``reuse``, measure an existing one again.
    """
    with tempfile.TemporaryDirectory(prefix="nianbao-search-bench-") as tmp:
        data = Path(keep or tmp)
        data.mkdir(parents=True, exist_ok=True)
        if reuse and (data / "reports.db").exists():
            results = {"documents": documents, "reused": str(data)}
        else:
            results = build_corpus(data, documents)
            results["trigram_index_build_seconds"] = round(add_trigram_index(data / "reports.db"), 1)
        results["index_sizes"] = index_sizes(data / "reports.db")
        port = free_port()
        process = serve(data, port)
        try:
            results["latency"], results["hits"] = measure(port, repetitions)
        finally:
            process.terminate()
            process.wait(timeout=30)
        results["queries"] = QUERIES
        # The target: p95 under 100 ms for 1-, 2- and 4-character queries (8 is measured, not targeted).
        results["p95_under_100ms_1_2_4_chars"] = {
            design: all(figures[f"{n}_chars"]["p95_ms"] < 100 for n in (1, 2, 4))
            for design, figures in results["latency"].items()
        }
        return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Search latency through Datasette's HTTP API")
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the DATA dir here and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --keep: measure the DATA built there before")
    parser.add_argument("--site", action="store_true", help="the site figures (python -m bench --scale) instead")
    args = parser.parse_args(argv)
    measure_site = run_site if args.site else run
    print(json.dumps(measure_site(args.documents, args.repetitions, args.keep, args.reuse), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
