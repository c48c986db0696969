"""A synthetic archive for the benchmarks: N realistic reports, generated, not extracted.

Every bench stage that needs a corpus takes it from here:

- ``reports(count)`` yields ``(sha256, extraction, provenance)``: the same dict an
  extraction gives ``Loader.store_extraction`` (document row, page texts, figures,
  table quality, checks) and where and when the report was fetched.
- ``build(data_dir, count)`` writes a whole reports.db from them in the loader's schema
  (``loader.open_db``), rows straight in with ``executemany``, the search index through
  ``loader.search_index.SearchIndex`` in batches of ``loader.loader.COMMIT_EVERY``
  documents (the index segments a real load writes), the journal's copies (sources,
  crawls, portal_runs, portals) and the loader's summary tables.

The text: sentences of the seed reports (fixtures/seeds) and of the fixture report specs
(fixtures/specs) in a different choice and order per report, its years replaced by the
report's, and the report's tables 二, 三 and 四 printed as text with their labels. The
figures: the fixture builder's consistent table 三 and 四 (``fixtures.report_specs``),
so the arithmetic of a report holds; years 2008–2025, the 2019 trial format for report
years 2019–2020, the 2021 format after, and no standard tables before 2019. Portals each
carry about fourteen agencies, one report per agency and year mostly; some agency-years
are missing (coverage gaps), some come as PDF and DOCX (two originals, one report), and
most have a publication date from the portal.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

from extractors.fields import fields, items

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "fixtures") not in sys.path:  # the fixture builder's modules import each other by name
    sys.path.insert(0, str(ROOT / "fixtures"))
YEARS = range(2008, 2026)
AGENCIES_PER_PORTAL = 14
DUPLICATE_SHARE = 0.06  # agency-years published as a second original (DOCX beside the PDF)
MISSING_SHARE = 0.08  # agency-years with no report
PAGE_CHARS = 1400
CRAWL_DAYS = [date(2024, 6, 1) + timedelta(days=30 * n) for n in range(19)]  # monthly crawls to Dec 2025

DEPARTMENTS = ["人民政府办公室", "发展和改革委员会", "教育局", "科学技术局", "公安局", "民政局", "司法局", "财政局",
               "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局",
               "商务局", "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
               "城市管理局", "退役军人事务局", "街道办事处", "乡人民政府", "镇人民政府"]
PLACES = ["天坛", "交道口", "塔铺", "西高皇", "东湖", "临河", "云溪", "通州", "延津", "济源", "滕州", "平川", "朝阳", "海淀",
          "西城", "丰台", "石景山", "门头沟", "房山", "顺义", "昌平", "大兴", "怀柔", "密云", "青溪", "姚店", "桐梓", "清河"]
PROVINCES = ["河南省", "北京市", "河北省", "山东省", "浙江省", "四川省", "湖北省", "广东省", "陕西省", "江苏省"]
FORMATS = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _sentences() -> list[str]:
    text = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))]
    for path in sorted((ROOT / "fixtures" / "specs").glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        text += [p if isinstance(p, str) else p.get("text", "") for section in spec.get("sections", [])
                 for p in section.get("paragraphs", [])]
    found = [s.strip() for chunk in text for s in re.split(r"(?<=[。；！？])|\n", chunk)]
    return sorted({s for s in found if len(s) > 8 and not s.startswith(("|", "（", "表"))})


def _figure_keys() -> dict[str, list[tuple[int, str, str]]]:
    """(section, item, measure) of each format's figure cells."""
    import report_model
    from report_model import figure_keys

    # The fixture builder reads report-fields.csv on every call; a corpus of 100,000 asks millions of times.
    report_model.load_fields = functools.lru_cache(maxsize=1)(report_model.load_fields)
    def split(key: str) -> tuple[int, str, str]:
        section, rest = key.split(".", 1)
        item, measure = rest.rsplit(".", 1)
        return int(section), item, measure

    return {version: [split(key) for key in figure_keys(version)] for version in ("2019", "2021")}


class Generator:
    """Deterministic reports: report ``number`` is the same every run."""

    def __init__(self, count: int, seed: int = 17):
        self.count = count
        self.seed = seed
        self.pool = _sentences()
        self.keys = _figure_keys()
        self.labels = {(f.section, f.item, f.measure): f.label for f in fields(2)}
        self.labels.update({(s, item, "*"): label for s in (3, 4) for item, label in items(s)})
        self.slots = self._slots()
        self._pools: dict[int, list[str]] = {}  # the sentences with their years made each report year

    def _slots(self) -> list[tuple[int, int, int]]:
        """(agency, year, copy) of each report number: agency-years in a shuffled order, a few twice."""
        rng = random.Random(self.seed)
        # Portals put their reports online from some year on (2008 … 2015): earlier years are missing.
        agencies = max(1, round(1.3 * self.count / (len(YEARS) * (1 - MISSING_SHARE + DUPLICATE_SHARE))))
        cells = [(agency, year) for agency in range(agencies) for year in YEARS
                 if year >= YEARS[0] + (agency // AGENCIES_PER_PORTAL) % 8]
        rng.shuffle(cells)
        slots: list[tuple[int, int, int]] = []
        for agency, year in cells:
            if len(slots) >= self.count:
                break
            roll = rng.random()
            if roll < MISSING_SHARE:
                continue
            slots.append((agency, year, 0))
            if roll > 1 - DUPLICATE_SHARE and len(slots) < self.count:
                slots.append((agency, year, 1))
        while len(slots) < self.count:  # tiny corpora: fill with further years of the first agency
            slots.append((0, YEARS[len(slots) % len(YEARS)], len(slots) // len(YEARS) + 1))
        return slots

    @staticmethod
    def sha256(number: int) -> str:
        return hashlib.sha256(f"nianbao-bench-{number}".encode()).hexdigest()

    def portal(self, agency: int) -> str:
        return f"p{agency // AGENCIES_PER_PORTAL:04d}"

    def portals(self) -> list[dict]:
        count = max(agency for agency, _, _ in self.slots) // AGENCIES_PER_PORTAL + 1  # every portal with a report
        return [
            {"portal": f"p{n:04d}", "name": self.agency_name(n * AGENCIES_PER_PORTAL)[0] + "门户",
             "kind": "department" if n % 3 == 0 else "government", "start_urls": json.dumps([f"http://p{n:04d}.test/"]),
             "allowed_domains": json.dumps([f"p{n:04d}.test"])}
            for n in range(count)
        ]

    def agency_name(self, agency: int) -> tuple[str, str]:
        portal = agency // AGENCIES_PER_PORTAL
        region = PROVINCES[portal % len(PROVINCES)] + PLACES[portal % len(PLACES)] + PLACES[(portal // len(PLACES)) % len(PLACES)] + "区"
        name = region + DEPARTMENTS[agency % len(DEPARTMENTS)]
        if agency % AGENCIES_PER_PORTAL >= len(DEPARTMENTS) or portal >= len(PLACES) ** 2:
            name += str(portal)  # the name stays unique per agency
        return name, region

    def report(self, number: int) -> tuple[str, dict, dict]:
        """(sha256, extraction as extract_for_load gives it, provenance) of report ``number``."""
        from report_specs import random_table3, random_table4

        agency_id, year, copy = self.slots[number]
        rng = random.Random(f"{self.seed}-{agency_id}-{year}")  # both copies of a report: the same text and figures
        agency, region = self.agency_name(agency_id)
        fmt = "docx" if copy else "pdf"
        version = "2021" if year >= 2021 else "2019" if year >= 2019 else None
        title = f"{agency}{year}年政府信息公开工作年度报告"
        figures: dict[tuple[int, str, str], float] = {}
        if version:
            scale = rng.choice([0.2, 0.5, 1.0, 1.0, 2.0, 5.0])
            table3 = random_table3(rng, version, scale=scale)
            table4 = random_table4(rng, top=max(1, int(6 * scale)))
            for section, item, measure in self.keys[version]:
                key = f"{section}.{item}.{measure}"
                figures[(section, item, measure)] = (
                    table3.get(key, 0) if section == 3 else table4.get(key, 0) if section == 4
                    else round(rng.uniform(0, 80), 2) if measure == "amount_10k_yuan" else rng.randint(0, 300)
                )
        text = self._text(rng, title, year, figures)
        pages = [text[i:i + PAGE_CHARS] for i in range(0, len(text), PAGE_CHARS)]
        stats = [{"section": s, "item": i, "measure": m, "value": v, "page": 1 + (s - 1) * len(pages) // 5,
                  "row_label": self.labels.get((s, i, m)) or self.labels.get((s, i, "*")), "column_label": m,
                  "x0": 90.0, "top": 100.0 + 12 * (n % 50), "x1": 130.0, "bottom": 110.0 + 12 * (n % 50),
                  "reading": "ruled", "confidence": 1.0}
                 for n, ((s, i, m), v) in enumerate(figures.items())]
        quality = [{"section": s, "status": "complete" if version else "missing", "reading": "ruled" if version else None,
                    "expected": sum(1 for k in figures if k[0] == s) if version else None,
                    "identified": sum(1 for k in figures if k[0] == s) if version else 0}
                   for s in (2, 3, 4)]
        checks = [{"rule": f"balance:{column}", "column": column, "expected": figures.get((3, "received", column)),
                   "found": figures.get((3, "received", column)), "ok": 1}
                  for column in ("total",) if version]
        document = {
            "title": title, "agency": agency, "year": year, "region": region, "format": fmt, "media_type": FORMATS[fmt],
            "format_version": version, "pages": len(pages), "needs_ocr": 0, "ocr": 0, "text": text, "extract_error": None,
            "consistent": 1 if version else None, "figures_quality": "complete" if version else "missing",
        }
        published = date(year + 1, 1, 1) + timedelta(days=rng.randint(5, 120))
        seen = max(published + timedelta(days=rng.randint(1, 40)), CRAWL_DAYS[0])
        seen = next((day for day in CRAWL_DAYS if day >= seen), CRAWL_DAYS[-1])
        portal = self.portal(agency_id)
        provenance = {
            "portal": portal, "url": f"http://{portal}.test/gkml/{year}/{agency_id}-{copy}.{fmt}",
            "fetched_at": f"{seen.isoformat()}T08:00:00+00:00", "crawl_id": CRAWL_DAYS.index(seen) + 1,
            "published": published.isoformat() if rng.random() < 0.8 else None, "published_from": "listing",
            "filename": f"{year}年报-{copy}.{fmt}", "size": 60000 + rng.randint(0, 400000),
        }
        return self.sha256(number), {"document": document, "pages": pages, "tables": [], "stats": stats,
                                     "checks": checks, "quality": quality}, provenance

    def _text(self, rng: random.Random, title: str, year: int, figures: dict) -> str:
        """Seed sentences (their years made the report's), then the tables as text."""
        pool = self._pools.get(year)
        if pool is None:
            pool = self._pools[year] = [re.sub(r"20[0-2]\d(?= ?年)", str(year), s) for s in self.pool]
        parts = [title, "一、总体情况"]
        parts += rng.sample(pool, k=min(len(pool), rng.randint(55, 90)))
        if figures:
            parts.append("二、主动公开政府信息情况")
            parts += [f"{self.labels.get((2, i, m), i)} {v}" for (s, i, m), v in figures.items() if s == 2]
            parts.append("三、收到和处理政府信息公开申请情况")
            rows: dict[tuple[int, str], list[str]] = {}
            for (s, i, m), v in figures.items():
                if s in (3, 4):
                    rows.setdefault((s, i), []).append(str(v))
            for (s, i), values in rows.items():
                parts.append(f"{self.labels.get((s, i, '*'), i)} {' '.join(values)}")
        parts.append("五、存在的主要问题及改进情况")
        parts += rng.sample(pool, k=min(len(pool), rng.randint(8, 16)))
        parts.append("六、其他需要报告的事项")
        parts.append(f"本报告电子版可在本机关门户网站下载。联系电话：0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}")
        return "\n".join(parts)

    def __iter__(self) -> Iterator[tuple[str, dict, dict]]:
        return (self.report(number) for number in range(self.count))


def reports(count: int, seed: int = 17) -> Generator:
    return Generator(count, seed)


def document_row(sha256: str, extraction: dict, provenance: dict, extractor_version: str) -> dict:
    """The documents row the loader stores for this extraction and these fetches."""
    return {
        **extraction["document"], "sha256": sha256, "size": provenance["size"], "original": f"/-/files/{sha256}",
        "extractor_version": extractor_version, "extracted_at": provenance["fetched_at"],
        "first_seen": provenance["fetched_at"], "last_seen": provenance["fetched_at"], "portal": provenance["portal"],
        "url": provenance["url"], "filename": provenance["filename"], "published": provenance["published"],
        "published_from": provenance["published_from"] if provenance["published"] else None,
    }


def _insert(conn, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    names = ", ".join(f"[{c}]" for c in columns)
    conn.executemany(f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})",
                     [tuple(row.get(c) for c in columns) for row in rows])


def build(data_dir: Path, count: int, seed: int = 17, written: int | None = None) -> dict:
    """DATA/reports.db holding generated reports 0 … ``written`` - 1 (all ``count`` by default)
    of a corpus of ``count``; the rest are left for the caller to load. Returns what it took."""
    from extractors import EXTRACTOR_VERSION
    from loader import open_db
    from loader.loader import COMMIT_EVERY
    from loader.schema import DOCUMENT_COLUMNS
    from loader.search_index import SEARCH_VERSION, SearchIndex

    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generator = reports(count, seed)
    db = open_db(data_dir / "reports.db")
    conn = db.conn
    index = SearchIndex(conn)
    conn.execute("insert or replace into nianbao_meta (key, value) values ('search_version', ?)", [SEARCH_VERSION])
    _insert(conn, "crawls", [{"id": n + 1, "started_at": f"{day}T08:00:00+00:00", "finished_at": f"{day}T09:00:00+00:00"}
                             for n, day in enumerate(CRAWL_DAYS)])
    portals = generator.portals()
    _insert(conn, "portals", [{**portal, "crawl_id": len(CRAWL_DAYS)} for portal in portals])
    _insert(conn, "portal_runs", [{"crawl_id": len(CRAWL_DAYS), "portal": p["portal"], "status": "ok", "regressed": 0,
                                   "reports_found": 0} for p in portals])
    conn.commit()
    # Written in sha256 order, as a long-running archive's b-trees end up; each batch one commit.
    written = count if written is None else written
    order = sorted(range(written), key=generator.sha256)
    for start in range(0, written, COMMIT_EVERY):
        batch = [generator.report(number) for number in order[start:start + COMMIT_EVERY]]
        conn.execute("begin")
        rows = [document_row(sha, extraction, provenance, EXTRACTOR_VERSION) for sha, extraction, provenance in batch]
        _insert(conn, "documents", [{column: row.get(column) for column in DOCUMENT_COLUMNS} for row in rows])
        for table, key in (("report_stats", "stats"), ("report_checks", "checks"), ("report_tables", "quality")):
            _insert(conn, table, [{"sha256": sha, **row} for sha, extraction, _ in batch for row in extraction[key]])
        _insert(conn, "pages", [{"sha256": sha, "page": n, "text": text}
                                for sha, extraction, _ in batch for n, text in enumerate(extraction["pages"], start=1)])
        _insert(conn, "sources", [{"crawl_id": p["crawl_id"], "portal": p["portal"], "url": p["url"], "sha256": sha,
                                   "fetched_at": p["fetched_at"], "outcome": "new", "http_status": 200, "filename": p["filename"],
                                   "published": p["published"], "published_from": p["published_from"] if p["published"] else None}
                                  for sha, _, p in batch])
        shas = [sha for sha, _, _ in batch]
        marks = ", ".join("?" * len(shas))
        for rowid, title, text in conn.execute(f"select rowid, title, text from documents where sha256 in ({marks})", shas):
            index.add_document(rowid, title, text)
        index.add_pages(conn.execute(f"select rowid, text from pages where sha256 in ({marks})", shas).fetchall())
        conn.commit()
    seconds = time.perf_counter() - started
    summaries = refresh_summaries(db)
    conn.close()
    return {"documents": written, "portals": len(portals), "build_seconds": round(seconds, 1),
            "summaries_seconds": summaries}


def refresh_summaries(db) -> float | None:
    """The loader's summary tables (when this version of the loader has them); seconds taken."""
    from loader import loader

    refresh = getattr(loader, "refresh_summaries", None)
    if refresh is None:
        return None
    started = time.perf_counter()
    refresh(db)
    return round(time.perf_counter() - started, 2)


def load(data_dir: Path, generator: Generator, numbers: range) -> dict:
    """Reports ``numbers`` through the loader's own write path for extracted results:
    ``Loader.store_extraction`` per report (batched commits), their fetches as sources
    rows, then ``Loader.refresh_provenance``, as ``Loader.load`` does after extraction.
    Timed: all of that; the summary tables apart (``summaries_seconds``)."""
    from loader import Loader

    original = data_dir / "bench-original.pdf"  # store_extraction reads the size and format of the file
    original.write_bytes(b"%PDF-1.7\n" + b"0" * 1000)
    loader = Loader(data_dir)
    try:
        last_source = loader._last_source_id()
        started = time.perf_counter()
        stored = []
        for number in numbers:
            sha256, extraction, fetch = generator.report(number)
            loader.store_extraction(sha256, original, extraction)
            loader.db.conn.execute(
                "insert into sources (crawl_id, portal, url, sha256, fetched_at, outcome, http_status, filename, published,"
                " published_from) values (?, ?, ?, ?, ?, 'new', 200, ?, ?, ?)",
                [fetch["crawl_id"], fetch["portal"], fetch["url"], sha256, fetch["fetched_at"], fetch["filename"],
                 fetch["published"], fetch["published_from"] if fetch["published"] else None])
            stored.append(sha256)
        loader.commit()
        loader.refresh_provenance(since_source=last_source, extracted=stored)
        seconds = time.perf_counter() - started
        summaries = refresh_summaries(loader.db)
    finally:
        loader.close()
    return {"documents": len(stored), "seconds": round(seconds, 2), "documents_per_s": round(len(stored) / seconds, 1),
            "summaries_seconds": summaries}


def db_bytes(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in data_dir.glob("reports.db*"))


def refresh_summaries_of(data_dir: Path) -> float | None:
    """Bring the summary tables of an existing DATA/reports.db up to date (a reused corpus)."""
    from loader import open_db

    db = open_db(data_dir / "reports.db")
    try:
        return refresh_summaries(db)
    finally:
        db.conn.close()
