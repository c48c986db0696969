"""Check that the archive still holds, bit for bit, every original the database lists.

With ``repair``, a damaged or missing object is fetched again from the URLs the
journal says it came from, and restored when the bytes there still hash right.
"""

from __future__ import annotations

import sqlite3
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from archive import Archive, ArchiveError

from . import __version__

USER_AGENT = f"nianbao/{__version__} (+https://github.com/nianbao-archive/nianbao)"
MAX_REPAIR_BYTES = 200 * 1024 * 1024


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (sha256, what is wrong)
    repaired: list[tuple[str, str]] = field(default_factory=list)  # (sha256, URL it came back from)

    @property
    def unrepaired(self) -> list[tuple[str, str]]:
        fixed = {sha for sha, _ in self.repaired}
        return [(sha, problem) for sha, problem in self.problems if sha not in fixed]

    @property
    def ok(self) -> bool:
        return not self.unrepaired


def verify(data_dir: str | Path, repair: bool = False, timeout: float = 30) -> VerifyReport:
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
    for sha256 in listed_documents(data_dir / "reports.db"):
        if sha256 not in present:
            report.problems.append((sha256, "listed in documents but missing from the archive"))
    if repair:
        for sha256, _ in report.problems:
            url = refetch(archive, sha256, source_urls(data_dir / "journal.db", sha256), timeout)
            if url:
                report.repaired.append((sha256, url))
    return report


def listed_documents(db_path: Path) -> list[str]:
    return _read_column(db_path, "select sha256 from documents order by sha256")


def source_urls(journal_path: Path, sha256: str) -> list[str]:
    """Every URL this object was fetched from, newest first."""
    return _read_column(
        journal_path, "select url from fetches where sha256 = ? group by url order by max(id) desc", [sha256]
    )


def _read_column(db_path: Path, sql: str, params=()) -> list:
    if not db_path.exists():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute(sql, params)]
    except sqlite3.DatabaseError:
        return []
    finally:
        conn.close()


def refetch(archive: Archive, sha256: str, urls: list[str], timeout: float) -> str | None:
    """Restore ``sha256`` from the first URL still serving its exact bytes; returns that URL."""
    for url in urls:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read(MAX_REPAIR_BYTES + 1)
        except (OSError, ValueError):
            continue
        if len(data) > MAX_REPAIR_BYTES:
            continue
        try:
            archive.restore(sha256, data)
        except ArchiveError:
            continue
        return url
    return None
