"""The result objects extract() returns; plain dataclasses with a JSON-able to_dict()."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Table:
    """A table as a grid. ``None`` marks a position covered by a merged cell (its text
    sits in the merge's first position only); ``""`` is an empty cell. ``page`` is the
    1-based page of the first row (None for DOCX); ``row_pages`` gives each row's page
    for a table that continues over pages."""

    page: int | None
    index: int
    rows: list[list[str | None]]
    header_rows: int = 0
    row_pages: list[int | None] = field(default_factory=list)

    def page_of(self, row: int) -> int | None:
        return self.row_pages[row] if row < len(self.row_pages) else self.page

    def to_dict(self) -> dict:
        return {
            "page": self.page,
            "index": self.index,
            "rows": self.rows,
            "header_rows": self.header_rows,
            "row_pages": self.row_pages or None,
        }


@dataclass
class Stat:
    """One figure under a canonical key (section, item, measure) with its provenance."""

    section: int
    item: str
    measure: str
    value: int | float | None
    page: int | None = None
    row_label: str = ""
    column_label: str = ""

    @property
    def key(self) -> str:
        return f"{self.section}.{self.item}.{self.measure}"


@dataclass
class Check:
    """One arithmetic identity the figures should satisfy; ``ok`` False flags a break."""

    rule: str
    column: str
    expected: int | float | None
    found: int | float | None
    ok: bool

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.column}"


@dataclass
class Report:
    """What the file says as an annual report: identity, sections, figures, checks."""

    title: str | None = None
    agency: str | None = None
    year: int | None = None
    region: str | None = None
    format_version: str | None = None
    sections: list[dict] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def consistent(self) -> bool | None:
        if not self.checks:
            return None
        return all(c.ok for c in self.checks)

    @property
    def failing_rules(self) -> list[str]:
        """Ids ``rule:column`` of the checks that fail, in check order."""
        return [c.id for c in self.checks if not c.ok]

    def stats_dict(self) -> dict[str, int | float | None]:
        return {s.key: s.value for s in self.stats}

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "region": self.region,
            "format_version": self.format_version,
            "sections": self.sections,
            "stats": [asdict(s) | {"key": s.key} for s in self.stats],
            "checks": [asdict(c) for c in self.checks],
            "consistent": self.consistent,
            "failing_rules": self.failing_rules,
        }


@dataclass
class Extraction:
    """Everything extract() got out of one file."""

    format: str
    media_type: str
    pages: int | None
    raw_text: str
    text: str
    page_texts: list[str]
    tables: list[Table]
    needs_ocr: bool = False
    report: Report | None = None
    extractor_version: str = ""

    def to_dict(self) -> dict:
        return {
            "extractor_version": self.extractor_version,
            "format": self.format,
            "media_type": self.media_type,
            "pages": self.pages,
            "needs_ocr": self.needs_ocr,
            "text": self.text,
            "raw_text": self.raw_text,
            "page_texts": self.page_texts,
            "tables": [t.to_dict() for t in self.tables],
            "report": self.report.to_dict() if self.report else None,
        }
