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
import hashlib
import json
import os
import random
import re
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
REPORTS = ROOT / "fixtures" / "reports"
NIANBAO = Path(sys.executable).with_name("nianbao")

AGENCIES = ["街道办事处", "人民政府", "生态环境局", "市场监督管理局", "人力资源和社会保障局", "教育局",
            "卫生健康委员会", "住房和城乡建设局", "自然资源局", "交通运输局", "公安局", "财政局"]
PLACES = ["天坛", "交道口", "塔铺", "西高皇", "东湖", "临河", "云溪", "通州", "延津", "济源", "滕州", "平川",
          "朝阳", "海淀", "西城", "丰台", "石景山", "门头沟", "房山", "顺义", "昌平", "大兴", "怀柔", "密云"]
QUERIES = {
    1: ["复", "诉", "费", "罚", "的", "密", "鬻", "網"],
    2: ["复议", "诉讼", "收费", "公开", "行政", "隐私", "天坛", "鬻网"],
    4: ["行政处罚", "依申请公", "政务公开", "结转下年", "国家秘密", "信息公开", "行政复议", "不存在词"],
    8: ["政府信息公开工作", "本年新收政府信息", "政府信息公开申请", "依申请公开政府信", "行政复议行政诉讼",
        "主动公开政府信息", "年度报告电子版可", "这八个字不会出现"],
}


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；！？\n])", text or "") if len(s.strip()) > 6]


def fixture_extractions() -> list[tuple[Path, dict]]:
    from loader import extract_for_load

    found = []
    for expected_path in sorted(REPORTS.glob("*.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        path = REPORTS / expected["file"]
        if expected.get("is_report") and path.exists():
            found.append((path, extract_for_load(path)))
    return found


def synthetic(template: dict, number: int, pool: list[str], rng: random.Random) -> tuple[str, dict]:
    """One report: the template's text and pages with another agency, year, and varied sentences."""
    agency = f"{rng.choice(PLACES)}{rng.choice(PLACES)}{rng.choice(AGENCIES)}"
    year = rng.randint(2019, 2025)
    title = f"{agency}{year}年政府信息公开工作年度报告"
    extra = "".join(rng.sample(pool, k=min(12, len(pool))))
    pages = [title + "\n" + (template["pages"][0] if template["pages"] else "")]
    pages += list(template["pages"][1:]) + [extra + f"联系电话：0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}"]
    document = dict(template["document"], title=title, agency=agency, year=year, pages=len(pages))
    document["text"] = "\n".join(pages)
    stats = [dict(s, value=None if s["value"] is None else rng.randint(0, 500)) for s in template["stats"]]
    sha256 = hashlib.sha256(f"search-bench-{number}".encode()).hexdigest()
    return sha256, {**template, "document": document, "pages": pages, "stats": stats}


def build_corpus(data: Path, documents: int, seed: int = 11) -> dict:
    """DATA with ``documents`` reports loaded through Loader.store_extraction; returns build figures."""
    from loader import Loader

    rng = random.Random(seed)
    bases = fixture_extractions()
    pool = [s for _, extraction in bases for s in sentences(extraction["document"].get("text"))]
    loader = Loader(data)
    loader.ensure_search_version()
    started = time.perf_counter()
    index_seconds = 0.0
    try:
        for number in range(documents):
            path, template = bases[number % len(bases)]
            sha256, extraction = synthetic(template, number, pool, rng)
            loader.store_extraction(sha256, path, extraction)
        loader.commit()
        build = time.perf_counter() - started
        # Time the index alone: rebuild it from the stored text (what ensure_search_version does).
        loader.db.execute("update nianbao_meta set value = 'stale' where key = 'search_version'")
        loader.db.conn.commit()
        index_started = time.perf_counter()
        loader.ensure_search_version()
        index_seconds = time.perf_counter() - index_started
    finally:
        loader.close()
    return {"documents": documents, "load_seconds": round(build, 1), "percar_index_build_seconds": round(index_seconds, 1)}


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
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
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


def measure(port: int, repetitions: int) -> tuple[dict, dict]:
    timings: dict[str, dict[int, list[float]]] = {}
    hits: dict[int, dict[str, int]] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False) as client:
        for design, requests in endpoints("年度").items():  # a fresh server's first requests are not typical
            for path, params in requests:
                client.get(path, params=params).raise_for_status()
        for length, queries in QUERIES.items():
            for query in queries:
                for design, requests in endpoints(query).items():
                    # First request of this query: nothing cached yet (the match cache
                    # of the table search in particular) — timed as "<design>_first".
                    started = time.perf_counter()
                    for path, params in requests:
                        response = client.get(path, params=params)
                        response.raise_for_status()
                    first = (time.perf_counter() - started) * 1000
                    timings.setdefault(f"{design}_first", {}).setdefault(length, []).append(first)
                    if design == "percar_sql":
                        hits.setdefault(length, {})[query] = response.json()[0]["count(*)"]
                    for _ in range(repetitions):
                        started = time.perf_counter()
                        for path, params in requests:
                            client.get(path, params=params).raise_for_status()
                        timings.setdefault(design, {}).setdefault(length, []).append((time.perf_counter() - started) * 1000)
    summary = {
        design: {
            f"{length}_chars": {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1)}
            for length, ms in by_length.items()
        }
        for design, by_length in timings.items()
    }
    return summary, hits


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
    args = parser.parse_args(argv)
    print(json.dumps(run(args.documents, args.repetitions, args.keep, args.reuse), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
