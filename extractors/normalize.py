"""Normalize extracted text so that search, parsing and queries see the same characters.

PDF text layers from Chinese office software often carry Kangxi radicals (⽂ for 文)
or CJK Radicals Supplement forms (⻓ for 长) instead of the ordinary ideographs,
full-width digits, ideographic spaces, spaces between every CJK character, and line
breaks in the middle of sentences. ``normalize_text`` undoes all of that; the raw text
is kept separately by the extractors.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The CJK Radicals Supplement has almost no Unicode decompositions; these are the
# forms seen in real PDF text layers, mapped to the ideograph they stand for.
_SUPPLEMENT = {
    "⺁": "厂", "⺃": "乚", "⺅": "亻", "⺇": "几", "⺉": "刂", "⺋": "㔾", "⺌": "小",
    "⺍": "小", "⺎": "尢", "⺏": "尣", "⺐": "尢", "⺑": "兀", "⺒": "巳", "⺓": "幺",
    "⺔": "彐", "⺖": "忄", "⺗": "心", "⺘": "扌", "⺙": "攵", "⺛": "旡", "⺜": "日",
    "⺝": "月", "⺞": "歺", "⺟": "母", "⺠": "民", "⺡": "氵", "⺢": "氺", "⺣": "灬",
    "⺤": "爫", "⺥": "爫", "⺦": "丬", "⺧": "牛", "⺨": "犭", "⺩": "王", "⺪": "疋",
    "⺫": "目", "⺬": "示", "⺭": "礻", "⺮": "竹", "⺯": "糹", "⺰": "纟", "⺱": "罒",
    "⺲": "罒", "⺳": "罓", "⺴": "网", "⺵": "网", "⺶": "羊", "⺷": "羊", "⺸": "羊",
    "⺹": "耂", "⺺": "聿", "⺻": "聿", "⺼": "月", "⺽": "臼", "⺾": "艹", "⺿": "艹",
    "⻀": "艹", "⻁": "虎", "⻂": "衤", "⻃": "西", "⻄": "西", "⻅": "见", "⻆": "角",
    "⻇": "角", "⻈": "讠", "⻉": "贝", "⻊": "足", "⻋": "车", "⻌": "辶", "⻍": "辶",
    "⻎": "辶", "⻏": "阝", "⻐": "钅", "⻑": "長", "⻒": "镸", "⻓": "长", "⻔": "门",
    "⻕": "阜", "⻖": "阝", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风",
    "⻜": "飞", "⻝": "食", "⻞": "食", "⻟": "食", "⻠": "饣", "⻡": "首", "⻢": "马",
    "⻣": "骨", "⻤": "鬼", "⻥": "鱼", "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄",
    "⻪": "黾", "⻫": "斉", "⻬": "齐", "⻭": "歯", "⻮": "齿", "⻯": "竜", "⻰": "龙",
    "⻱": "龜", "⻲": "亀", "⻳": "龟",
}


@lru_cache(maxsize=1)
def _char_table() -> dict[int, str]:
    """Translation table: radicals → ideographs, full-width ASCII → ASCII, odd spaces → space."""
    table: dict[int, str] = {}
    for cp in list(range(0x2E80, 0x2F00)) + list(range(0x2F00, 0x2FE0)):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition.startswith("<compat>"):
            table[cp] = chr(int(decomposition.split()[1], 16))
    table.update({ord(k): v for k, v in _SUPPLEMENT.items()})
    # Kangxi radicals whose decomposition is the traditional form, where simplified-Chinese
    # fonts share the glyph with the simplified character.
    table[0x2F3E] = "户"  # ⼾ (NFKC: 戶)
    table[0x2FAD] = "青"  # ⾭ (NFKC: 靑)
    table[0x2FC8] = "黄"  # ⿈ (NFKC: 黃)
    # Full-width digits and letters (not punctuation: （）：，stay Chinese).
    for cp in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B)):
        table[cp] = unicodedata.normalize("NFKC", chr(cp))
    for cp in (0x3000, 0x00A0, 0x2002, 0x2003, 0x2009, 0x200A, 0x202F, 0x205F):
        table[cp] = " "
    for cp in (0x200B, 0x200C, 0x200D, 0xFEFF, 0x00AD):
        table[cp] = ""
    table[0xF0B7] = "•"  # private-use bullet from Symbol fonts
    return table


def normalize_chars(s: str) -> str:
    """Map radicals, full-width digits/letters and exotic spaces; nothing else."""
    return s.translate(_char_table())


_CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}0-9])|(?<=[{_CJK}0-9]) +(?=[{_CJK}])")
_SENTENCE_END = "。！？；：!?;:」』”）)】》"
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]|第[一二三四五六七八九十]+|[•·\-])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


_SPACES = re.compile(r" +")
_TAB = re.compile(r" ?\t[ \t]*")
_LATIN = re.compile(r"[A-Za-z]")


def squeeze_spaces(s: str) -> str:
    """Drop spaces between CJK characters (and between CJK and digits); collapse runs of spaces."""
    s = _SPACES.sub(" ", s)
    s = _TAB.sub("\t", s)  # tabs separate table cells: kept, one per gap
    return _CJK_SPACE.sub("", s)


def join_wrapped_lines(lines: list[str]) -> list[str]:
    """Join lines that a layout engine wrapped in the middle of a sentence.

    A line is a wrapped one when it is about as long as the longest lines of the block,
    ends in a CJK character or a digit rather than sentence-ending punctuation, and the
    next line does not start a heading or a numbered item.
    """
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return lines
    full = lengths[int(len(lengths) * 0.9) - 1 if len(lengths) > 1 else 0]
    if full < 20:
        return lines
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and line and not _HEADING.match(line):
            out[-1] += line
        else:
            out.append(line)
        last = out[-1]
        joining = bool(
            line
            and len(line) >= 0.85 * full
            and last[-1] not in _SENTENCE_END
            and (_CJK_CHAR.match(last[-1]) or last[-1].isalnum())
        )
    return out


def normalize_text(s: str) -> str:
    """Normalize a text for search and parsing (see the module docstring).

    """
    if not s:
        return ""
    s = normalize_chars(s).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    lines = [line.strip() for line in squeeze_spaces(s).split("\n")]  # no squeeze crosses a line break
    lines = join_wrapped_lines(lines)
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


@lru_cache(maxsize=8192)  # tables repeat their labels and figures
def normalize_cell(s: str | None) -> str | None:
    """Normalize one table cell: line breaks inside the cell joined, spaces squeezed."""
    if s is None:
        return None
    s = normalize_chars(s).replace("\r", "\n")
    parts = [p.strip() for p in s.split("\n")]
    out = ""
    for part in parts:
        if not part:
            continue
        # A number wrapped in a narrow cell joins tight; words get their space back.
        if out and _LATIN.match(out[-1]) and _LATIN.match(part[0]):
            out += " "
        out += part
    return squeeze_spaces(out).strip()
