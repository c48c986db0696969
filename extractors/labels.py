"""Match printed table labels to the canonical keys of report-fields.csv.

Labels arrive with half- or full-width brackets, spaces and line breaks inside them,
``、`` for ``.``, and known typos (本年度止件数, 其他法律行政止公开). ``compact`` reduces a
label to a comparable form; the matchers look for the distinctive words of each row or
column, so the numbering and wording around them may vary.
"""

from __future__ import annotations

import re
from functools import lru_cache
import unicodedata

from .fields import column_keys, columns, items
from .normalize import normalize_chars

# Known misprints in published reports, fixed in the compact form only.
TYPOS = {
    "本年度止": "本年废止",
    "行政止公开": "行政法规禁止公开",
    "法规止公开": "法规禁止公开",
}


@lru_cache(maxsize=65536)  # the same labels recur on every page and every reading
def compact(label: str | None) -> str:
    """A label reduced for matching: no spaces or quotes, ASCII brackets, ``.`` for ``、``."""
    if not label:
        return ""
    s = normalize_chars(label)
    s = unicodedata.normalize("NFKC", s)  # （）：，→ ()：, etc.
    s = re.sub(r"[\s\u3000“”\"'‘’「」]", "", s)
    s = s.replace("、", ".").replace("．", ".").replace("〔", "(").replace("〕", ")")
    s = s.replace("【", "(").replace("】", ")")
    for wrong, right in TYPOS.items():
        s = s.replace(wrong, right)
    return s


# Section 三: applicant columns, in printed order; 合计 is printed for 总计 too.
APPLICANT_COLUMNS = column_keys(3)
APPLICANT_LABELS = {label: key for key, label in columns(3)} | {"合计": "total"}
# Section 四: the three proceedings, each with five result columns.
APPEAL_GROUPS = [item for item, _ in items(4)]
APPEAL_COLUMNS = column_keys(4)
APPEAL_LABELS = {label: key for key, label in columns(4)} | {"合计": "total"}
APPEAL_GROUP_LABELS = {item: re.sub(r"\s", "", label) for item, label in items(4)}


def applicant_column(label: str | None) -> str | None:
    """Header text of a section-三 column → its canonical column, or None."""
    c = compact(label)
    if c in APPLICANT_LABELS:
        return APPLICANT_LABELS[c]
    for text, key in APPLICANT_LABELS.items():
        if len(text) > 2 and text in c and "或" not in c:
            return key
    return None


_PROCEEDING_WORDS = ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉")


def appeal_column(label: str | None) -> str | None:
    """Header text of a section-四 result column → upheld/corrected/other/pending/total.

    The text may carry the proceeding it sits under first (行政复议结果维持, as a header
    read column by column gives it), never anything else.
    """
    c = compact(label)
    if c in APPEAL_LABELS:
        return APPEAL_LABELS[c]
    for text, key in APPEAL_LABELS.items():
        if c.endswith(text) and c[: -len(text)] in _PROCEEDING_WORDS:
            return key
    return None


# Section 三 rows. Sub-items are found by words no other row has.
_SUBITEMS = [
    ("国家秘密", "denied.state_secret"),
    ("止公开", "denied.prohibited_by_law"),
    ("三安全", "denied.security_stability"),
    ("第三方", "denied.third_party_rights"),
    ("内部事务", "denied.internal_affairs"),
    ("过程性", "denied.process_information"),
    ("执法案卷", "denied.enforcement_files"),
    ("查询事项", "denied.inquiry_matters"),
    ("不掌握", "unavailable.not_held"),
    ("另行制作", "unavailable.needs_creation"),
    ("现成信息", "unavailable.needs_creation"),
    ("仍不明确", "unavailable.unclear_after_correction"),
    ("信访", "not_processed.petition"),
    ("重复申请", "not_processed.duplicate"),
    ("出版", "not_processed.publication"),
    ("反复", "not_processed.excessive"),
    ("重新出具", "not_processed.confirmation"),
    ("确认", "not_processed.confirmation"),
    ("不补正", "other.no_correction"),
    ("缴纳费用", "other.fee_unpaid"),
    ("收费通知", "other.fee_unpaid"),
]
_GROUPS = [
    ("不予公开", "denied"),
    ("无法提供", "unavailable"),
    ("不予处理", "not_processed"),
    ("其他处理", "other"),
]


def row_words() -> list[str]:
    """The words that name a section-三 row or result group (国家秘密, 执法案卷, 不予公开 …)."""
    return [word for word, _ in _SUBITEMS + _GROUPS]


def request_group(label: str) -> str | None:
    """The result group a (possibly vertical, merged) label opens: denied, unavailable, …"""
    c = compact(label)
    for word, group in _GROUPS:
        if word in c:
            return group
    return None


def request_items(label: str, group: str | None = None) -> list[str]:
    """Every canonical section-三 row ``label`` names, in the order of their rules.

    One item for a row's label; two or more when labels of several rows ran together
    (a row that cannot be told). ``group`` (the result group the row sits in) matters
    only for the bare "3.其他" row (other.other) and for （六）其他处理 printed as one row
    without sub-items (item ``other``).
    """
    c = compact(label)
    if not c:
        return []
    found: list[str] = []

    def add(item: str) -> None:
        if item not in found:
            found.append(item)

    if "结转下年度" in c or "下年度继续" in c:
        add("carried_forward")
    if "本年新收" in c:
        add("received")
    if "上年结转" in c:
        add("carried_over")
    if "部分公开" in c:
        add("partially_granted")
    if "予以公开" in c:
        add("granted")
    for word, item in _SUBITEMS:
        if word in c:
            add(item)
    if "总计" in c or "合计" in c:
        add("handled_total")
    if re.search(r"(^|\d\.?|[)])其他$", c) and (group == "other" or "其他处理" in c[:-2]):
        add("other.other")
    elif c.endswith("其他处理") and not found:
        add("other")
    return found


def request_item(label: str, group: str | None = None) -> str | None:
    """The one canonical section-三 row ``label`` names; None for none or several."""
    items = request_items(label, group)
    return items[0] if len(items) == 1 else None


# Section 二.
_ACTIVE_ITEMS = [
    ("规范性文件", "normative_documents"),
    ("其他对外管理服务", "other_services"),
    ("行政许可", "licensing"),
    ("行政处罚", "penalty"),
    ("行政强制", "coercion"),
    ("行政事业性收费", "fees"),
    ("事业性收费", "fees"),
    ("政府集中采购", "procurement"),
    ("集中采购", "procurement"),
]
_ACTIVE_MEASURES = [
    ("制发", "issued"),
    ("废止", "repealed"),
    ("现行有效", "in_force"),
    ("新制作", "new_made"),
    ("新公开", "new_published"),
    ("公开总", "total_published"),
    ("上一年", "previous_year"),
    ("上年项目", "previous_year"),
    ("增/减", "change"),
    ("增减", "change"),
    ("处理决定", "decisions"),
    ("收费金额", "amount_10k_yuan"),
    ("采购项目", "projects"),
    ("采购总金额", "amount"),
    ("采购金额", "amount"),
]
MEASURES_2021 = {"issued", "repealed", "in_force", "amount_10k_yuan"}
MEASURES_2019 = {"new_made", "new_published", "total_published", "previous_year", "change", "projects", "amount"}


def active_item(label: str | None) -> str | None:
    """Row label of table 二 (规章, 行政规范性文件, 行政许可, …) → canonical item."""
    c = compact(label)
    if not c or len(c) > 20:
        return None
    if c == "规章" or re.fullmatch(r"\d*\.?规章", c):
        return "regulations"
    for word, item in _ACTIVE_ITEMS:
        if word in c:
            return item
    return None


def active_measure(label: str | None) -> str | None:
    """Column header of table 二 (本年制发件数, 本年增/减, …) → canonical measure."""
    c = compact(label)
    if not c or len(c) > 30:
        return None
    for word, measure in _ACTIVE_MEASURES:
        if word in c:
            return measure
    return None
