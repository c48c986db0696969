"""The canonical keys of a report's figures, as ``report-fields.csv`` defines them.

The CSV (the project's copy of the shared spec) lists one row per (section, item,
measure). For tables 三 and 四 a row's measure is ``*``: the item is reported once
per column, and the columns are declared in the comment line just above that
section's rows (``#   natural_person 自然人 | commercial 商业企业 | …``). Every list
of keys or labels the project needs is derived from here.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FIELDS_CSV = Path(__file__).with_name("report-fields.csv")

# A comment declaring a section's columns: "key label | key label | …".
_COLUMNS_LINE = re.compile(r"^#\s+([a-z_]+\s+\S+(?:\s*\|\s*[a-z_]+\s+\S+)+)\s*$")


@dataclass(frozen=True)
class Field:
    """One row of report-fields.csv; ``measure`` is ``*`` for a per-column item."""

    section: int
    item: str
    measure: str
    label: str
    note: str = ""

    @property
    def old_format_only(self) -> bool:
        """A row of the 2019/2020 trial format that the 2021 format dropped."""
        return "old format" in self.note


@dataclass(frozen=True)
class _Spec:
    fields: tuple[Field, ...]
    columns: dict[int, tuple[tuple[str, str], ...]]  # section -> ((key, label), …) for '*' rows


@lru_cache(maxsize=1)
def _spec() -> _Spec:
    fields: list[Field] = []
    columns: dict[int, tuple[tuple[str, str], ...]] = {}
    declared: tuple[tuple[str, str], ...] | None = None
    with FIELDS_CSV.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    data = [line for line in lines if line.strip() and not line.startswith("#")]
    rows = iter(csv.DictReader(data))
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("#"):
            match = _COLUMNS_LINE.match(line)
            if match:
                declared = tuple(tuple(part.split(None, 1)) for part in match.group(1).split("|"))
            continue
        if line.startswith("section,"):
            continue
        row = next(rows)
        field = Field(int(row["section"]), row["item"], row["column"], row["label_zh"], row.get("note") or "")
        fields.append(field)
        if field.measure == "*":
            if declared is None and field.section not in columns:
                raise ValueError(f"{FIELDS_CSV}: section {field.section} has '*' rows but no column line above them")
            if declared is not None:
                columns.setdefault(field.section, tuple((key.strip(), label.strip()) for key, label in declared))
                declared = None
    return _Spec(tuple(fields), columns)


def fields(section: int | None = None) -> list[Field]:
    """The rows of report-fields.csv, in the file's order (of one section, if given)."""
    return [f for f in _spec().fields if section is None or f.section == section]


def columns(section: int) -> list[tuple[str, str]]:
    """(key, printed label) of the columns of table 三 (applicants) or 四 (results), in printed order."""
    return list(_spec().columns.get(section, ()))


def column_keys(section: int) -> list[str]:
    return [key for key, _ in columns(section)]


def items(section: int) -> list[tuple[str, str]]:
    """(item, label) of a section's rows, in the file's order, each item once."""
    seen: dict[str, str] = {}
    for field in fields(section):
        seen.setdefault(field.item, field.label)
    return list(seen.items())


@lru_cache(maxsize=1)
def canonical_fields() -> dict[tuple[int, str, str], str]:
    """(section, item, measure) → label, with every ``*`` row expanded to its section's columns."""
    expanded: dict[tuple[int, str, str], str] = {}
    for field in fields():
        measures = column_keys(field.section) if field.measure == "*" else [field.measure]
        for measure in measures:
            expanded[(field.section, field.item, measure)] = field.label
    return expanded


# Table 三's （六）其他处理: three sub-rows in the 2021 format, one row in 2019/2020 (and in
# some 2021-format reports too).
OTHER_SUB_ITEMS = ("other.no_correction", "other.fee_unpaid", "other.other")


def format_keys(section: int, version: str, other_as_one_row: bool | None = None) -> list[str]:
    """The figure keys ("section.item.measure") one table of a report in ``version`` prints.

    Table 二 differs between the formats; table 三 prints （六） as one row
    (``other_as_one_row``, default: as its format does) or as three sub-rows.
    """
    if other_as_one_row is None:
        other_as_one_row = version != "2021"
    keys: list[str] = []
    for field in fields(section):
        if section == 2 and field.old_format_only != (version == "2019"):
            continue
        if section == 3 and (field.item == "other") != other_as_one_row and (
            field.item == "other" or field.item in OTHER_SUB_ITEMS
        ):
            continue
        for measure in column_keys(section) if field.measure == "*" else [field.measure]:
            key = f"{section}.{field.item}.{measure}"
            if key not in keys:
                keys.append(key)
    return keys
