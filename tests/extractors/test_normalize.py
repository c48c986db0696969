"""normalize_text: radicals, full-width characters, stray spaces, wrapped lines."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from extractors import normalize_text
from extractors.normalize import normalize_cell, normalize_chars


def test_kangxi_radicals_become_ideographs():
    # Text layers of WPS/Word PDFs: ⼀⼆⼈⽂⾏ are Kangxi radicals, not 一二人文行.
    assert normalize_text("⼀是街道领导⾼度重视政府信息公开⼯作") == "一是街道领导高度重视政府信息公开工作"
    assert normalize_text("⾏政复议") == "行政复议"


def test_radicals_supplement_common_forms():
    assert normalize_text("⺠⻓⻔⻋⻅⻛") == "民长门车见风"
    assert normalize_text("⼾籍") == "户籍"  # NFKC would give the traditional 戶


def test_full_width_digits_letters_but_chinese_punctuation_kept():
    assert normalize_text("共１２３条，ＡＢｃ（一）") == "共123条，ABc（一）"


def test_spaces_between_cjk_removed_and_ideographic_space():
    assert normalize_text("天坛街道办事处 2023 年政府信息公开工作年度报告") == "天坛街道办事处2023年政府信息公开工作年度报告"
    assert normalize_text("　　行政处罚　850") == "行政处罚850"
    assert normalize_text("政 府 信 息") == "政府信息"
    assert normalize_text("see http://www.bjdch.gov.cn/ now") == "see http://www.bjdch.gov.cn/ now"


def test_wrapped_sentence_lines_joined_but_headings_and_sentence_ends_kept():
    raw = (
        "天坛街道根据示范区党工委、管委会，济源市委、市政府关于政务公开工作一\n"
        "系列文件精神，不断加强政府信息公开工作的领导，强化公开平台建设，全力\n"
        "推进政府信息公开工作扎实有序开展，全年共发布信息数900余条，村务信息758\n"
        "条。\n"
        "（一）加强组织领导，明确工作职责\n"
    )
    out = normalize_text(raw).splitlines()
    assert out[0].startswith("天坛街道") and "一系列文件精神" in out[0] and "全力推进" in out[0]
    assert out[0].endswith("村务信息758条。")
    assert out[1] == "（一）加强组织领导，明确工作职责"


def test_cell_line_breaks_joined():
    assert normalize_cell("结\n果\n维\n持") == "结果维持"
    assert normalize_cell("3802895.9\n0元") == "3802895.90元"
    assert normalize_cell(None) is None


RADICALS = st.sampled_from([chr(c) for c in range(0x2F00, 0x2FD6)] + list("⺠⻓⻔⻋⻅⻛"))
TEXT = st.text(
    alphabet=st.one_of(st.sampled_from("政府信息公开年度报告一二三（）、，。 　\n\t0123456789０１２ＡＺ"), RADICALS),
    max_size=200,
)


@given(TEXT)
def test_no_radicals_or_full_width_digits_survive(s):
    out = normalize_text(s)
    assert not any(0x2F00 <= ord(c) <= 0x2FDF or 0x2E80 <= ord(c) <= 0x2EFF for c in out)
    assert not any("０" <= c <= "９" or "Ａ" <= c <= "Ｚ" for c in out)
    assert "\u3000" not in out


@given(TEXT)
def test_char_normalization_is_idempotent(s):
    once = normalize_chars(s)
    assert normalize_chars(once) == once


@given(st.text(max_size=100))
def test_normalize_never_fails_and_is_stable_on_lines(s):
    out = normalize_text(s)
    assert isinstance(out, str)
    # Re-normalizing a normalized single line changes nothing.
    for line in out.splitlines():
        assert normalize_text(line) == line.strip() or len(line) >= 20


@given(RADICALS)
def test_every_kangxi_radical_maps_to_a_unified_ideograph(r):
    out = normalize_chars(r)
    assert len(out) == 1 and unicodedata.name(out).startswith("CJK UNIFIED IDEOGRAPH")
