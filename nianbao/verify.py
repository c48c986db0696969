"""Check that the archive still holds, bit for bit, every original the database lists.

With ``repair``, a damaged or missing object is fetched again from the URLs the
journal says it came from, through the crawler's own download path
(``crawler.run.run_repair``), and restored when the bytes there still hash right.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive import open_archive


@dataclass
class VerifyResult:
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


def verify(data_dir: Path, repair: bool = False) -> VerifyResult:
    """Re-hash every object of DATA's archive and check every ``documents`` row has its object."""
    archive, db_path, journal_path = open_archive(data_dir), data_dir / "reports.db", data_dir / "journal.db"
    result = VerifyResult()
    present = set()
    for sha256, path, problem in archive.verify():
        result.checked += 1
        present.add(sha256)
        if problem:
            result.problems.append((sha256, f"{path}: {problem}"))
    for (sha256,) in _rows(db_path, "select sha256 from documents order by sha256"):
        if sha256 not in present:
            result.problems.append((sha256, "listed in documents but missing from the archive"))
    if repair and result.problems:
        from crawler.run import run_repair

        targets = {sha256: repair_sources(journal_path, sha256) for sha256, _ in result.problems}
        restored = run_repair({sha: sources for sha, sources in targets.items() if sources}, data_dir)
        result.repaired = sorted(restored.items())
    return result


def repair_sources(journal_path: Path, sha256: str) -> list:
    """Every (URL, portal) this object was fetched from, newest first, with the portal as last defined."""
    from crawler.config import Portal
    from crawler.journal import portal_from_row, upgrade

    if journal_path.exists():
        upgrade(journal_path)
    rows = _rows(
        journal_path,
        """select s.url, s.portal, p.crawl_id, p.name, p.kind, p.region, p.start_urls, p.allowed_domains,
                  p.render, p.max_depth
           from sources s
           left join portals p on p.portal = s.portal
                and p.crawl_id = (select max(crawl_id) from portals q where q.portal = s.portal)
           where s.sha256 = ? group by s.url order by max(s.id) desc""",
        [sha256],
        as_dicts=True,
    )
    sources = []
    for row in rows:
        if row.get("crawl_id") is not None:
            portal = portal_from_row(row)
        else:  # a journal from before portals were recorded: the URL's own host
            host = urlsplit(row["url"]).hostname or ""
            portal = Portal(id=row["portal"] or host, name=row["portal"] or host, start_urls=(row["url"],),
                            allowed_domains=(host,))
        sources.append((row["url"], portal))
    return sources


def _rows(db_path: Path, sql: str, params=(), as_dicts: bool = False) -> list:
    if not db_path.exists():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    if as_dicts:
        conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(sql, params).fetchall()
    except sqlite3.DatabaseError:
        return []
    finally:
        conn.close()
    return [dict(row) for row in rows] if as_dicts else rows
