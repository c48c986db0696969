"""Read a figure out of a table cell: ints, decimals, signed changes, units; blanks are missing.

Missing ('', '-', '—', '/', 'N/A', …) is ``None``, never 0: a report that leaves a cell
empty has not said zero.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .normalize import normalize_chars

MISSING = frozenset(
    {"", "-", "--", "—", "——", "–", "−", "－", "/", "／", "\\", "n/a", "na", "无", "空", "*", "×", "x", "…", "..."}
)
_NUMBER = re.compile(
    r"^(?P<sign>[+\-−－﹢＋﹣])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<unit>万元|元|万|件|个|条|项|次|人次|宗|家|%)?$"
)


class NotANumber(ValueError):
    """The cell holds text, not a figure."""


def parse_value(cell: str | None) -> int | float | None:
    """Parse one cell. Returns int, float or None (missing); raises NotANumber for text.

    >>> parse_value("3802895.90元"), parse_value("+1036"), parse_value("—")
    (3802895.9, 1036, None)
    """
    if cell is None:
        return None
    value = _parse(cell)
    if value is _TEXT:
        raise NotANumber(cell)
    return value


_TEXT = object()  # _parse's "not a figure"


@lru_cache(maxsize=4096)
def _parse(cell: str):
    """parse_value's work, cached: a report reads the same cells many times over."""
    s = normalize_chars(cell).strip()
    if re.search(r"\d\s+\d", s):
        return _TEXT  # two figures run together, or a spaced-out one: not one value
    s = re.sub(r"\s+", "", s)
    if s.lower() in MISSING:
        return None
    m = _NUMBER.match(s)
    if not m:
        return _TEXT
    digits = m.group("num").replace(",", "")
    value: int | float = float(digits) if "." in digits else int(digits)
    if m.group("sign") in ("-", "−", "－", "﹣"):
        value = -value
    return value


def is_value(cell: str | None) -> bool:
    """True when the cell is a figure or a missing-figure mark (not label text)."""
    return cell is not None and _parse(cell) is not _TEXT  # parse_value would not raise


def is_number(cell: str | None) -> bool:
    """True when the cell holds an actual figure (not blank, not a dash)."""
    if cell is None:
        return False
    value = _parse(cell)
    return value is not None and value is not _TEXT
