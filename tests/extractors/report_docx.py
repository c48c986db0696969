"""A 2021-format report built as DOCX here, with the merges Word and WPS write (python-docx's
cell.merge: real gridSpan/vMerge), and distinct consistent figures for every key."""

from __future__ import annotations

from pathlib import Path

import docx

from extractors.labels import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICANT_COLUMNS

RESULT_ROWS = [
    # (group label or None, sub label, item)
    ("（一）予以公开", None, "granted"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None, "partially_granted"),
    ("（三）不予公开", "1.属于国家秘密", "denied.state_secret"),
    ("（三）不予公开", "2.其他法律行政法规禁止公开", "denied.prohibited_by_law"),
    ("（三）不予公开", "3.危及“三安全一稳定”", "denied.security_stability"),
    ("（三）不予公开", "4.保护第三方合法权益", "denied.third_party_rights"),
    ("（三）不予公开", "5.属于三类内部事务信息", "denied.internal_affairs"),
    ("（三）不予公开", "6.属于四类过程性信息", "denied.process_information"),
    ("（三）不予公开", "7.属于行政执法案卷", "denied.enforcement_files"),
    ("（三）不予公开", "8.属于行政查询事项", "denied.inquiry_matters"),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", "unavailable.not_held"),
    ("（四）无法提供", "2.没有现成信息需要另行制作", "unavailable.needs_creation"),
    ("（四）无法提供", "3.补正后申请内容仍不明确", "unavailable.unclear_after_correction"),
    ("（五）不予处理", "1.信访举报投诉类申请", "not_processed.petition"),
    ("（五）不予处理", "2.重复申请", "not_processed.duplicate"),
    ("（五）不予处理", "3.要求提供公开出版物", "not_processed.publication"),
    ("（五）不予处理", "4.无正当理由大量反复申请", "not_processed.excessive"),
    ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "not_processed.confirmation"),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other.no_correction"),
    ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other.fee_unpaid"),
    ("（六）其他处理", "3.其他", "other.other"),
    ("（七）总计", None, "handled_total"),
]
ACTIVE = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
     [("规章", "regulations", ["issued", "repealed", "in_force"]),
      ("行政规范性文件", "normative_documents", ["issued", "repealed", "in_force"])]),
    ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", "licensing", ["decisions"])]),
    ("第二十条第（六）项", ["本年处理决定数量"],
     [("行政处罚", "penalty", ["decisions"]), ("行政强制", "coercion", ["decisions"])]),
    ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", "fees", ["amount_10k_yuan"])]),
]


def sample_figures() -> dict[str, str]:
    """Distinct, consistent figures for every key (as printed cells)."""
    cells: dict[str, str] = {}
    for n, (_, _, rows) in enumerate(ACTIVE):
        for m, (_, item, measures) in enumerate(rows):
            for k, measure in enumerate(measures):
                cells[f"2.{item}.{measure}"] = str(100 * n + 10 * m + k + 1)
    cells["2.fees.amount_10k_yuan"] = "96171.6"
    per_item = {item: [j + i for j in range(1, 7)] for i, (_, _, item) in enumerate(RESULT_ROWS[:-1])}
    handled = [sum(v[j] for v in per_item.values()) for j in range(6)]
    carried_forward = [2, 0, 1, 0, 0, 3]
    carried_over = [1, 1, 0, 0, 2, 0]
    received = [h + f - o for h, f, o in zip(handled, carried_forward, carried_over)]
    rows = dict(per_item, handled_total=handled, received=received, carried_over=carried_over,
                carried_forward=carried_forward)
    for item, values in rows.items():
        for col, v in zip(APPLICANT_COLUMNS, values + [sum(values)]):
            cells[f"3.{item}.{col}"] = str(v)
    for g, group in enumerate(APPEAL_GROUPS):
        outcomes = [g + 1, g + 2, 0, g]
        for col, v in zip(APPEAL_COLUMNS, outcomes + [sum(outcomes)]):
            cells[f"4.{group}.{col}"] = str(v)
    return cells


def _merge(table, r0, c0, r1, c1, text=None):
    cell = table.cell(r0, c0).merge(table.cell(r1, c1)) if (r0, c0) != (r1, c1) else table.cell(r0, c0)
    if text is not None:
        cell.text = text
    return cell


def build_report_docx(path: Path, cells: dict[str, str], title="测试街道办事处2023年政府信息公开\n工作年度报告") -> Path:
    """A 2021-format report with tables merged the way Word and WPS merge them."""
    d = docx.Document()
    d.add_paragraph(title)
    d.add_paragraph("一、总体情况")
    d.add_paragraph("本年度，测试街道认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息１２３条。")
    d.add_paragraph("二、主动公开政府信息情况")
    rows = sum(2 + len(r) for _, _, r in ACTIVE)
    t2 = d.add_table(rows=rows, cols=4)
    t2.style = "Table Grid"
    r = 0
    for heading, measures, items in ACTIVE:
        _merge(t2, r, 0, r, 3, heading)
        t2.cell(r + 1, 0).text = "信息内容"
        if len(measures) == 1:
            _merge(t2, r + 1, 1, r + 1, 3, measures[0])
        else:
            for k, m in enumerate(measures):
                t2.cell(r + 1, 1 + k).text = m
        for m, (label, item, keys) in enumerate(items):
            rr = r + 2 + m
            t2.cell(rr, 0).text = label
            if len(keys) == 1:
                _merge(t2, rr, 1, rr, 3, cells[f"2.{item}.{keys[0]}"])
            else:
                for k, key in enumerate(keys):
                    t2.cell(rr, 1 + k).text = cells[f"2.{item}.{key}"]
        r += 2 + len(items)
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    n = 3 + 2 + len(RESULT_ROWS) + 1
    t3 = d.add_table(rows=n, cols=10)
    t3.style = "Table Grid"
    _merge(t3, 0, 0, 2, 2, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    _merge(t3, 0, 3, 0, 9, "申请人情况")
    _merge(t3, 1, 3, 2, 3, "自然人")
    _merge(t3, 1, 4, 1, 8, "法人或其他组织")
    _merge(t3, 1, 9, 2, 9, "总计")
    for k, label in enumerate(["商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他"]):
        t3.cell(2, 4 + k).text = label

    def values(row, item):
        for k, col in enumerate(APPLICANT_COLUMNS):
            t3.cell(row, 3 + k).text = cells[f"3.{item}.{col}"]

    _merge(t3, 3, 0, 3, 2, "一、本年新收政府信息公开申请数量")
    values(3, "received")
    _merge(t3, 4, 0, 4, 2, "二、上年结转政府信息公开申请数量")
    values(4, "carried_over")
    first = 5
    _merge(t3, first, 0, first + len(RESULT_ROWS) - 1, 0, "三、本年度办理结果")
    spans: dict[str, list[int]] = {}
    for k, (group, sub, item) in enumerate(RESULT_ROWS):
        row = first + k
        if sub is None:
            _merge(t3, row, 1, row, 2, group)
        else:
            spans.setdefault(group, []).append(row)
            t3.cell(row, 2).text = sub
        values(row, item)
    for group, rws in spans.items():
        _merge(t3, rws[0], 1, rws[-1], 1, group)
    last = first + len(RESULT_ROWS)
    _merge(t3, last, 0, last, 2, "四、结转下年度继续办理")
    values(last, "carried_forward")
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t4 = d.add_table(rows=4, cols=15)
    t4.style = "Table Grid"
    _merge(t4, 0, 0, 0, 4, "行政复议")
    _merge(t4, 0, 5, 0, 14, "行政诉讼")
    outcome = ["结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计"]
    for k, label in enumerate(outcome):
        _merge(t4, 1, k, 2, k, label)
        t4.cell(2, 5 + k).text = label
        t4.cell(2, 10 + k).text = label
    _merge(t4, 1, 5, 1, 9, "未经复议直接起诉")
    _merge(t4, 1, 10, 1, 14, "复议后起诉")
    for g, group in enumerate(APPEAL_GROUPS):
        for k, col in enumerate(APPEAL_COLUMNS):
            t4.cell(3, 5 * g + k).text = cells[f"4.{group}.{col}"]
    d.add_paragraph("五、存在的主要问题及改进情况")
    d.add_paragraph("一是公开内容不够全面。")
    d.add_paragraph("六、其他需要报告的事项")
    d.add_paragraph("本年度未收取信息处理费。")
    d.save(path)
    return path
