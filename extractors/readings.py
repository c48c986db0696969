"""Choose among the readings of a report's tables, table by table, on evidence.

A PDF table is read twice — from its ruling lines (``ruled``) and from its positioned
words (``words``); a DOCX once. For each of tables 二, 三 and 四 the figure keys the
report's format prints are known (extractors.fields.format_keys). A reading is
*complete* for a table when it identified every one of those keys (row and column) and
claimed none twice. The choice:

- one or more complete readings: the first complete one (preference: docx, ruled,
  words); every figure another reading read differently becomes null and is recorded
  as a disagreement (the table is then partial);
- no complete reading: the reading with the most identified figures, each figure another
  reading contradicts set to null the same way;
- the arithmetic is never consulted to pick a value: a report inconsistent as printed
  stays inconsistent.
"""

from __future__ import annotations

from dataclasses import replace

from .fields import format_keys
from .figures import Reading
from .model import Stat, TableQuality

PREFERENCE = ("docx", "html", "ruled", "words", "ocr")
SECTIONS = (2, 3, 4)


def choose(readings: list[Reading], version: str | None) -> tuple[list[Stat], list[TableQuality]]:
    """The figures to store and how good each table's are."""
    ordered = sorted(readings, key=lambda r: PREFERENCE.index(r.name) if r.name in PREFERENCE else len(PREFERENCE))
    stats: list[Stat] = []
    quality: list[TableQuality] = []
    for section in SECTIONS:
        chosen, table_quality = _choose_table(ordered, section, version)
        stats.extend(chosen)
        quality.append(table_quality)
    return stats, quality


def _expected(readings: list[Reading], section: int, version: str | None) -> list[str] | None:
    if section == 2 and version is None:
        return None  # which format's table 二 it is cannot be told
    one_row = next((r.other_as_one_row for r in readings if r.other_as_one_row is not None), None)
    return format_keys(section, version or "2021", other_as_one_row=one_row)


def _choose_table(readings: list[Reading], section: int, version: str | None) -> tuple[list[Stat], TableQuality]:
    expected = _expected(readings, section, version)
    expected_set = set(expected) if expected is not None else None
    found = {
        r.name: {k: s for k, s in r.stats.items() if s.section == section and (expected_set is None or k in expected_set)}
        for r in readings
    }
    located = any(section in r.sections for r in readings)
    complete = [
        r for r in readings
        if expected_set is not None and set(found[r.name]) == expected_set
        and not any(k.startswith(f"{section}.") for k in r.conflicts)
    ]
    if complete:
        base = complete[0]
    else:
        candidates = [r for r in readings if found[r.name]]
        base = max(candidates, key=lambda r: len(found[r.name])) if candidates else None
    count = len(expected) if expected is not None else 0
    if base is None:
        status = "found" if located else "missing"
        note = "the table's labels are there, but no figure could be placed" if located else "table not found"
        return [], TableQuality(section, status, None, count, 0, note=note)
    chosen = found[base.name]
    disagreements = sorted(
        key for key, stat in chosen.items()
        if any(key in found[other.name] and found[other.name][key].value != stat.value
               for other in readings if other is not base)
    )
    stats = [replace(stat, value=None) if stat.key in disagreements else stat for stat in chosen.values()]
    identified = len(chosen) - len(disagreements)
    missing = [k for k in expected if k not in chosen] if expected is not None else []
    status = "complete" if base in complete and not disagreements else "partial"
    note = _note(missing, disagreements, expected is None)
    return stats, TableQuality(section, status, base.name, count, identified, disagreements, note)


def _note(missing: list[str], disagreements: list[str], version_unknown: bool) -> str:
    parts = []
    if version_unknown:
        parts.append("the format (2021 or 2019) could not be told")
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        parts.append(f"{len(missing)} figures not identified: {shown}")
    if disagreements:
        parts.append(f"{len(disagreements)} figures read differently by two readings (stored empty)")
    return "; ".join(parts)
