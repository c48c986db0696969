"""Loading throughput and database size, and how they grow from 1,000 to 10,000 reports.

Each fixture report is extracted once; the corpus is then made of variations of
those extractions (other agencies, years and figures, each its own sha256),
loaded through the real ``Loader.store_extraction`` path into a fresh reports.db.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
import time
from pathlib import Path

from loader import Loader, extract_for_load

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
AGENCIES = ["天坛街道办事处", "交道口街道办事处", "塔铺街道办事处", "西高皇街道办事处", "城市管理委员会",
            "生态环境局", "市场监督管理局", "人力资源和社会保障局", "教育委员会", "卫生健康委员会"]
REGIONS = ["河南省济源市", "北京市东城区", "河南省延津县", "河北省石家庄市新华区", "山东省滕州市"]


def templates() -> list[tuple[Path, dict]]:
    found = []
    for expected_path in sorted(REPORTS.glob("*.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if expected.get("is_report"):
            path = REPORTS / expected["file"]
            found.append((path, extract_for_load(path)))
    return found


def variation(template: dict, number: int, rng: random.Random) -> tuple[str, dict]:
    agency = f"{rng.choice(REGIONS)}{rng.choice(AGENCIES)}{number % 97}"
    year = rng.randint(2019, 2025)
    document = dict(template["document"])
    title = f"{agency}{year}年政府信息公开工作年度报告"
    document.update(title=title, agency=agency, year=year, region=agency[:3])
    document["text"] = title + "\n" + (document.get("text") or "")
    stats = [dict(stat, value=None if stat["value"] is None else rng.randint(0, 500)) for stat in template["stats"]]
    sha256 = hashlib.sha256(f"bench-{number}".encode()).hexdigest()
    return sha256, {**template, "document": document, "stats": stats}


def load_corpus(count: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    bases = templates()
    with tempfile.TemporaryDirectory(prefix="nianbao-load-bench-") as tmp:
        loader = Loader(tmp)
        started = time.perf_counter()
        for number in range(count):
            path, template = bases[number % len(bases)]
            sha256, data = variation(template, number, rng)
            loader.store_extraction(sha256, path, data)
        loader.commit()  # the last batch of documents counts too
        seconds = time.perf_counter() - started
        loader.close()
        size = sum(f.stat().st_size for f in Path(tmp).glob("reports.db*"))
    return {"documents": count, "seconds": round(seconds, 2), "documents_per_s": round(count / seconds, 1),
            "db_bytes_per_document": round(size / count)}


def run(sizes: tuple[int, ...] = (1000, 10000)) -> dict:
    runs = {size: load_corpus(size) for size in sizes}
    largest = runs[max(sizes)]
    smallest = runs[min(sizes)]
    return {
        "documents_per_s": largest["documents_per_s"],
        "db_bytes_per_document": largest["db_bytes_per_document"],
        "runs": {str(size): result for size, result in runs.items()},
        # 1.0 = linear; above 1 means the per-document cost grows with the archive.
        "growth_vs_linear": round((largest["seconds"] / smallest["seconds"]) / (max(sizes) / min(sizes)), 2),
    }
