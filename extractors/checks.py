"""Arithmetic identities of the report's tables, as Check rows. Flag, never fix.

- balance:  per applicant column, 一 + 二 = 三（七）总计 + 四
- results:  per column, （一）…（六） = （七）总计
- columns:  per row of table 三, the six applicant columns = 总计
- table4:   per proceeding of table 四, the four outcomes = 总计
A failing check is identified as ``rule:column`` (e.g. ``balance:commercial``,
``table4:review``), the ids the fixtures' ``failing_rules`` use.
A check whose figures are missing (None) is skipped: blank is not zero.
"""

from __future__ import annotations

from .labels import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICANT_COLUMNS
from .model import Check, Stat

RESULT_ITEMS_PREFIXES = ("granted", "partially_granted", "denied.", "unavailable.", "not_processed.", "other")


def _equal(a, b) -> bool:
    return abs(a - b) < 1e-6


def _check(rule: str, column: str, expected, parts) -> Check | None:
    if expected is None or not parts or any(p is None for p in parts):
        return None
    found = sum(parts)
    if isinstance(found, float):
        found = round(found, 6)
    return Check(rule=rule, column=column, expected=expected, found=found, ok=_equal(expected, found))


def run_checks(stats: list[Stat]) -> list[Check]:
    """All checks that the present figures allow."""
    table3 = {(s.item, s.measure): s.value for s in stats if s.section == 3}
    table4 = {(s.item, s.measure): s.value for s in stats if s.section == 4}
    checks: list[Check | None] = []
    table3_items = list(dict.fromkeys(item for item, _ in table3))
    result_items = [i for i in table3_items if i.startswith(RESULT_ITEMS_PREFIXES) and i != "handled_total"]
    # An item "other" printed as one row and other.* sub-rows never both count.
    if "other" in result_items and any(i.startswith("other.") for i in result_items):
        result_items.remove("other")
    for col in APPLICANT_COLUMNS:
        if all((i, col) in table3 for i in ("received", "carried_over", "handled_total", "carried_forward")):
            expected = table3[("received", col)]
            carried = table3[("carried_over", col)]
            lhs = None if expected is None or carried is None else expected + carried
            checks.append(_check("balance", col, lhs, [table3[("handled_total", col)], table3[("carried_forward", col)]]))
        if ("handled_total", col) in table3 and result_items:
            parts = [table3.get((i, col)) for i in result_items if (i, col) in table3]
            checks.append(_check("results", col, table3[("handled_total", col)], parts))
    for item in table3_items:
        if (item, "total") in table3:
            parts = [table3[(item, c)] for c in APPLICANT_COLUMNS[:-1] if (item, c) in table3]
            if len(parts) == len(APPLICANT_COLUMNS) - 1:
                checks.append(_check("columns", item, table3[(item, "total")], parts))
    for group in APPEAL_GROUPS:
        parts = [table4.get((group, c)) for c in APPEAL_COLUMNS[:-1] if (group, c) in table4]
        if (group, "total") in table4 and len(parts) == len(APPEAL_COLUMNS) - 1:
            checks.append(_check("table4", group, table4[(group, "total")], parts))
    return [c for c in checks if c is not None]
