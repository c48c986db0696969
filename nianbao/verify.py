"""Check that the archive still holds, bit for bit, every original the database lists."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive import Archive


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (sha256, what is wrong)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(data_dir: str | Path) -> VerifyReport:
    """Re-hash every archived object and check every ``documents`` row has its object."""
    data_dir = Path(data_dir)
    archive = Archive(data_dir / "archive")
    report = VerifyReport()
    present = set()
    for sha256, path, problem in archive.verify():
        report.checked += 1
        present.add(sha256)
        if problem:
            report.problems.append((sha256, f"{path}: {problem}"))
    db_path = data_dir / "reports.db"
    if db_path.exists():
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            for (sha256,) in conn.execute("select sha256 from documents order by sha256"):
                if sha256 not in present:
                    report.problems.append((sha256, "listed in documents but missing from the archive"))
        finally:
            conn.close()
    return report
