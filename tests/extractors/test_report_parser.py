"""Report understanding on the seed texts (real reports, real noise), the label matcher,
the number parser and the arithmetic checks."""

from __future__ import annotations


import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.checks import run_checks
from extractors.fields import canonical_fields
from extractors.labels import active_item, active_measure, applicant_column, request_item
from extractors.model import Stat, Table
from extractors.normalize import normalize_text
from extractors.numbers import NotANumber, parse_value
from extractors.report import find_region, find_sections, find_title, parse_report

from tests.support import FIXTURES

SEEDS = FIXTURES / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def seed_tables(raw: str) -> list[Table]:
    """The seeds' tab-separated blocks as grids (each line a row, tabs between cells)."""
    tables, rows = [], []
    for line in raw.splitlines() + [""]:
        if "\t" in line:
            rows.append(line.split("\t"))
        elif rows and not line.strip():
            continue
        elif rows:
            tables.append(Table(page=None, index=len(tables), rows=rows))
            rows = []
    if rows:
        tables.append(Table(page=None, index=len(tables), rows=rows))
    return tables


def parse_seed(prefix: str):
    raw = seed(prefix)
    return parse_report(normalize_text(raw), seed_tables(raw))


@pytest.mark.parametrize(
    "prefix,title,agency,year,version",
    [
        ("000", "天坛街道办事处2023年政府信息公开工作年度报告", "天坛街道办事处", 2023, "2021"),
        ("001", "新华区西高皇街道办事处2023年政府信息公开工作年度报告", "新华区西高皇街道办事处", 2023, "2021"),
        ("002", "天坛街道办事处2019年政府信息公开工作年度报告", "天坛街道办事处", 2019, "2019"),
        ("003", "交道口街道2023年政府信息公开工作年度报告", "交道口街道", 2023, "2021"),  # title over two lines
        ("004", "延津县塔铺街道2024年政府信息公开工作年度报告", "延津县塔铺街道", 2024, "2021"),
    ],
)
def test_seed_identity_and_sections(prefix, title, agency, year, version):
    report = parse_seed(prefix)
    assert report is not None
    assert (report.title, report.agency, report.year, report.format_version) == (title, agency, year, version)
    assert [s["number"] for s in report.sections] == [1, 2, 3, 4, 5, 6]


def test_seed_003_numbered_sections_use_1_2_3():
    sections = parse_seed("003").sections
    assert sections[0]["heading"].startswith("1、") and sections[1]["heading"].startswith("2、")


def test_seed_000_figures_from_table_structure():
    report = parse_seed("000")
    stats = report.stats_dict()
    assert len(stats) == 200
    assert stats["2.penalty.decisions"] == 31
    assert stats["3.received.natural_person"] == 6
    assert stats["3.granted.total"] == 2
    assert stats["3.unavailable.not_held.natural_person"] == 3
    assert stats["3.handled_total.total"] == 5  # a row whose cells are shifted left
    assert stats["3.carried_forward.total"] == 1
    assert stats["4.litigation_after_review.total"] == 0
    assert report.consistent is True


def test_seed_004_typo_column_still_repealed():
    stats = parse_seed("004").stats_dict()
    assert stats["2.regulations.repealed"] == 0  # printed 本年度止件数
    assert stats["2.fees.amount_10k_yuan"] == 0
    assert len(stats) == 200


def test_region_from_agency_name():
    assert find_region("新华区西高皇街道办事处") == "新华区"
    assert find_region("延津县塔铺街道") == "延津县"
    assert find_region("天坛街道办事处") is None


def test_title_year_first_and_suffix():
    title, agency, year = find_title(["北京市东城区人民政府2022年政府信息公开工作年度报告（图片版）"])
    assert (agency, year) == ("北京市东城区人民政府", 2022)
    title, agency, year = find_title(["2021年北京市东城区人民政府政府信息公开工作年度报告"])
    assert (agency, year) == ("北京市东城区人民政府", 2021)
    assert find_title(["关于做好2023年度政府信息公开工作年度报告编制发布工作的通知"]) == (None, None, None)


def test_sections_ignore_table_rows_named_like_sections():
    lines = ["一、总体情况", "四、结转下年度继续办理", "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", "五、政府信息公开工作存在的主要问题及改进情况"]
    assert [s["number"] for s in find_sections(lines)] == [1, 4, 5]
    assert find_sections(lines)[1]["heading"].startswith("四、因")


# ------------------------------------------------------------------ label matcher

REQUEST_LABELS = {
    "一、本年新收政府信息公开申请数量": "received",
    "二、上年结转政府信息公开申请数量": "carried_over",
    "（一）予以公开": "granted",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": "partially_granted",
    "1.属于国家秘密": "denied.state_secret",
    "2.其他法律行政止公开": "denied.prohibited_by_law",  # real typo
    "3.危及“三安全一稳定”": "denied.security_stability",
    "7.属于行政执法案卷": "denied.enforcement_files",
    "1.本机关不掌握相关政府信息": "unavailable.not_held",
    "5.要求行政机关确认或重新出具已获取信息": "not_processed.confirmation",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请": "other.fee_unpaid",
    "（七）总计": "handled_total",
    "四、结转下年度继续办理": "carried_forward",
}


def _noisy(label: str, draw) -> str:
    """The label as printers mangle it: width of brackets, 、 for ., spaces, line breaks."""
    swaps = {"（": ["(", "（"], "）": [")", "）"], ".": [".", "、", "．", ". "]}
    out = []
    for ch in label:
        out.append(draw(st.sampled_from(swaps.get(ch, [ch]))))
        out.append(draw(st.sampled_from(["", "", "", " ", "\n", "　"])))
    return "".join(out)


@given(st.data())
def test_request_labels_match_despite_noise(data):
    label, item = data.draw(st.sampled_from(sorted(REQUEST_LABELS.items())))
    assert request_item(_noisy(label, data.draw)) == item


@given(st.data())
def test_other_rows_need_their_group(data):
    label = _noisy("3.其他", data.draw)
    assert request_item(label, "other") == "other.other"
    assert request_item(label, "denied") is None
    assert request_item(_noisy("（六）其他处理", data.draw)) == "other"


@given(st.data())
def test_table2_labels(data):
    assert active_item(_noisy("行政规范性文件", data.draw)) == "normative_documents"
    assert active_item(_noisy("规范性文件", data.draw)) == "normative_documents"
    assert active_item(_noisy("规章", data.draw)) == "regulations"
    assert active_measure(_noisy("本年度止件数", data.draw)) == "repealed"
    assert active_measure(_noisy("本年增/减", data.draw)) == "change"
    assert active_measure(_noisy("本年收费金额（单位：万元）", data.draw)) == "amount_10k_yuan"
    assert applicant_column(_noisy("社会公益组织", data.draw)) == "social_welfare"
    assert applicant_column("法人或其他组织") is None


def test_canonical_fields_expand_columns():
    fields = canonical_fields()
    assert (3, "denied.internal_affairs", "total") in fields
    assert (4, "litigation_after_review", "pending") in fields
    assert (2, "procurement", "amount") in fields


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize(
    "cell,value",
    [("0", 0), ("96171.6", 96171.6), ("+1036", 1036), ("-185", -185), ("3802895.90元", 3802895.9),
     ("1,234", 1234), ("　　0", 0), ("１２", 12), (" 5 ", 5), ("", None), ("-", None), ("—", None),
     ("/", None), ("N/A", None), ("——", None), (None, None)],
)
def test_parse_value(cell, value):
    got = parse_value(cell)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("cell", ["规章", "5件以上", "1.属于国家秘密", "12 3"])
def test_parse_value_rejects_text(cell):
    with pytest.raises(NotANumber):
        parse_value(cell)


@given(st.integers(min_value=-10**9, max_value=10**9), st.sampled_from(["", "元", "件", "万元"]))
def test_parse_int_roundtrip(n, unit):
    printed = f"{'+' if n > 0 and n % 2 else ''}{n}{unit}"
    assert parse_value(printed) == n


@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False))
def test_parse_decimal_roundtrip(d):
    printed = f"{d:.2f}"
    assert parse_value(printed) == pytest.approx(float(printed))
    assert isinstance(parse_value(printed), float)


# ------------------------------------------------------------------ checks

def _stats(figures: dict[str, int | None]) -> list[Stat]:
    out = []
    for key, value in figures.items():
        section, rest = key.split(".", 1)
        item, measure = rest.rsplit(".", 1)
        out.append(Stat(int(section), item, measure, value))
    return out


def test_checks_flag_breaks_and_skip_missing():
    report = parse_seed("000")
    figures = report.stats_dict()
    figures["3.received.commercial"] = 4  # breaks balance:commercial and columns:received
    figures["4.review.total"] = 1  # breaks table4:review
    figures["3.carried_over.research"] = None  # missing: its balance is not evaluated
    checks = run_checks(_stats(figures))
    failing = sorted(c.id for c in checks if not c.ok)
    assert failing == ["balance:commercial", "columns:received", "table4:review"]
    assert not any(c.id == "balance:research" for c in checks)
    bad = next(c for c in checks if c.id == "table4:review")
    assert (bad.expected, bad.found) == (1, 0)


def test_table3_split_into_two_tables_keeps_every_figure():
    """A continuation that could not be joined (a footnote under the first part) still
    has its rows read, on the columns of the first part's header."""
    raw = seed("000")
    tables = seed_tables(raw)
    whole = parse_report(normalize_text(raw), tables).stats_dict()
    k = next(i for i, t in enumerate(tables) if any("本年新收" in c for r in t.rows for c in r))
    first, rest = tables[k].rows[:15], tables[k].rows[15:]
    split = tables[:k] + [Table(None, k, first), Table(None, k + 1, rest)] + tables[k + 1 :]
    assert parse_report(normalize_text(raw), split).stats_dict() == whole
