"""The result objects extract() returns; plain dataclasses with a JSON-able to_dict()."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# A box on a PDF page, in points, origin at the top left: (x0, top, x1, bottom).
Box = tuple[float, float, float, float]

# How a table was read: ruled (cells bounded by the page's ruling lines), words (positioned
# words of the text layer laid out by baseline and column), docx (the DOCX table grid),
# html (a web page's <table>), ocr (positioned words that OCR read off a page image).
READINGS = ("ruled", "words", "docx", "html", "ocr")
# A figure OCR read with less confidence than this (0-1) is stored null: never a guess.
OCR_MIN_CONFIDENCE = 0.6


@dataclass
class Table:
    """A table as a grid. ``None`` marks a position covered by a merged cell (its text
    sits in the merge's first position only); ``""`` is an empty cell. ``page`` is the
    1-based page of the first row (None for DOCX); ``row_pages`` gives each row's page
    for a table that continues over pages; ``boxes`` (PDF) the box of the cell at each
    grid position, on that row's page. ``reading`` says how it was read (READINGS)."""

    page: int | None
    index: int
    rows: list[list[str | None]]
    header_rows: int = 0
    row_pages: list[int | None] = field(default_factory=list)
    boxes: list[list[Box | None]] = field(default_factory=list)
    reading: str = "ruled"
    confidences: list[list[float | None]] = field(default_factory=list)  # OCR: each cell's, 0-1

    def confidence_of(self, row: int, column: int) -> float | None:
        if row < len(self.confidences) and column < len(self.confidences[row]):
            return self.confidences[row][column]
        return None

    def page_of(self, row: int) -> int | None:
        return self.row_pages[row] if row < len(self.row_pages) else self.page

    def box_of(self, row: int, column: int) -> Box | None:
        if row < len(self.boxes) and column < len(self.boxes[row]):
            return self.boxes[row][column]
        return None

    def to_dict(self) -> dict:
        return {
            "page": self.page,
            "index": self.index,
            "reading": self.reading,
            "rows": self.rows,
            "header_rows": self.header_rows,
            "row_pages": self.row_pages or None,
            "boxes": self.boxes or None,
            "confidences": self.confidences or None,
        }


@dataclass
class Stat:
    """One figure under a canonical key (section, item, measure) with its provenance:
    the page and, in a PDF, the box of the cell it was read from; in a DOCX, the cell
    (table index, row, column of the table grid); and the reading it came from. A figure
    read by OCR (reading "ocr") carries the OCR's confidence in its cell (0-1); one below
    OCR_MIN_CONFIDENCE is stored null."""

    section: int
    item: str
    measure: str
    value: int | float | None
    page: int | None = None
    row_label: str = ""
    column_label: str = ""
    bbox: Box | None = None
    cell: tuple[int, int, int] | None = None
    reading: str = ""
    confidence: float | None = None

    @property
    def key(self) -> str:
        return f"{self.section}.{self.item}.{self.measure}"


# What the extraction made of one of the report's tables (二, 三, 四).
#   complete: every figure cell of the format identified (row and column), no reading disagreeing
#   partial:  some identified, others not (or two readings disagreed and the figure is null)
#   found:    the table is there (its labels are), but no figure could be placed
#   missing:  the table was not found
TABLE_STATUSES = ("complete", "partial", "found", "missing")


@dataclass
class TableQuality:
    section: int
    status: str
    reading: str | None = None
    expected: int = 0  # figure cells the report's format has in this table
    identified: int = 0  # of those, cells whose row and column were identified
    disagreements: list[str] = field(default_factory=list)  # keys two readings read differently (stored null)
    note: str = ""


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
    quality: list[TableQuality] = field(default_factory=list)

    @property
    def consistent(self) -> bool | None:
        """False when a check fails; True only when every table is complete and every check
        passes; None when nothing can be said (no checks, or a table partial or missing)."""
        if any(not c.ok for c in self.checks):
            return False
        if not self.checks or any(q.status != "complete" for q in self.quality):
            return None
        return True

    @property
    def figures_quality(self) -> str | None:
        """complete / partial / missing over tables 二, 三 and 四 (None before any assessment)."""
        if not self.quality:
            return None
        statuses = {q.status for q in self.quality}
        if statuses == {"complete"}:
            return "complete"
        if statuses <= {"missing", "found"}:
            return "missing"
        return "partial"

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
            "quality": [asdict(q) for q in self.quality],
            "consistent": self.consistent,
            "figures_quality": self.figures_quality,
            "failing_rules": self.failing_rules,
        }


@dataclass
class Extraction:
    """Everything extract() got out of one file. ``needs_ocr``: the file has no text layer
    (a scan); ``ocr``: its text and tables were then read from its images by OCR."""

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
    ocr: bool = False

    def to_dict(self) -> dict:
        return {
            "extractor_version": self.extractor_version,
            "format": self.format,
            "media_type": self.media_type,
            "pages": self.pages,
            "needs_ocr": self.needs_ocr,
            "ocr": self.ocr,
            "text": self.text,
            "raw_text": self.raw_text,
            "page_texts": self.page_texts,
            "tables": [t.to_dict() for t in self.tables],
            "report": self.report.to_dict() if self.report else None,
        }
