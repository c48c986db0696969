"""When a report was published, as its portal says: pure functions, no Scrapy.

Three places give the date: the listing item holding the link (``listing_date``), the
detail page (``page_date``: its ``<meta>`` publication fields, then a labelled date
in its text, then its URL) and a URL alone (``url_date``). The spider decides which
applies to a link (crawler.spiders.portal.PageDates): the link's own listing item first,
which names that one file, then the page it is on, then its URL.

The rules, everywhere:

- only a full date (year, month and day) counts, and only a plausible one: from
  ``EARLIEST`` (the year the 条例 came into force) to tomorrow;
- a report's subject year (``2023年度``) is never a date: the patterns need a month
  and a day after the year;
- a text with several dates: one labelled 发布 (发布日期 / 发布时间 / 公开日期) wins,
  then one with no label or a plain 日期 / 时间, and 成文日期 / 发文日期 / 印发日期 (the
  day the document was signed, not published) last; among equals the first.

The patterns below only find candidate substrings; dateparser reads them (its
``custom-formats`` parser, which checks the calendar: 2024-02-30 is no date).
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import dateparser
from lxml import etree
from lxml import html as lxml_html

# Where a date was read, most trusted first: the CMS's own publication field, the date
# printed on the article, the date beside the link in the listing (sometimes the last
# update), the date in a URL (when the path or file was made: may precede publication).
SOURCES = ("meta", "page", "listing", "url")

EARLIEST = date(2008, 1, 1)  # 《政府信息公开条例》 took effect on 1 May 2008

# <meta> names (or property / itemprop) holding the publication time, most specific first.
META_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "og:published_time")

# --- the patterns that find candidate dates: the only regular expressions of this module ---
_YEAR = r"20\d{2}"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH2 = r"(?:0[1-9]|1[0-2])"
_DAY2 = r"(?:0[1-9]|[12]\d|3[01])"
# In text: 2024-01-26, 2024/1/26, 2024.01.26 (one separator throughout), 2024年1月26日.
TEXT_DATE = re.compile(
    rf"(?<!\d)(?<!\d\.)(?P<date>{_YEAR}(?:(?P<sep>[-/.]){_MONTH}(?P=sep){_DAY}|\s*年\s*{_MONTH}\s*月\s*{_DAY}\s*日?))(?!\d|\.\d)"
)
# In a <meta> content, besides the text forms: 20240126.
COMPACT_DATE = re.compile(rf"(?<!\d)(?P<date>{_YEAR}{_MONTH2}{_DAY2})(?!\d)")
# In a URL path: /202401/t20240126_123.html, /20240126/, /P020240126385474.pdf (a TRS
# attachment), /2024/01/26/, /art/2024/1/26/art_1_2.html, /2024-01/26/, /2024/0126/.
URL_DATES = (
    re.compile(rf"/t?(?P<date>{_YEAR}{_MONTH2}{_DAY2})(?=[_./])"),
    re.compile(rf"/P0(?P<date>{_YEAR}{_MONTH2}{_DAY2})\d"),
    re.compile(rf"/(?P<date>{_YEAR}[-/]{_MONTH}/{_DAY})/"),
    re.compile(rf"/(?P<date>{_YEAR}/{_MONTH2}{_DAY2})/"),
)
# A label right before a date: 发布日期：, 发布时间:, 成文日期 …; a bare 日期 / 时间 only
# as a word of its own (not 截止日期, 出生日期).
LABEL = re.compile(
    r"(?P<label>发布日期|发布时间|公开日期|公开时间|发文日期|成文日期|印发日期|(?<![\u3400-\u9fff])(?:日期|时间))"
    r"\s*[:：]?\s*$"
)
LINK = re.compile(r"<a\b[^>]*>.*?</a\s*>", re.IGNORECASE | re.DOTALL)  # a listing item's title
TAG = re.compile(r"<[^>]*>")
# --- end of the patterns ---

# What dateparser is asked to read: the forms the patterns above find, as found.
FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y年%m月%d", "%Y%m%d", "%Y-%m/%d", "%Y/%m%d"]
PARSER_SETTINGS = {"PARSERS": ["custom-formats"], "STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]}
LOOK_BEHIND = 12  # characters before a date searched for its label
UNLABELLED = 1  # the rank of a date with no label, as a bare 日期 / 时间


def label_rank(label: str | None) -> int:
    """0 for 发布 / 公开, 1 for no label or a bare 日期 / 时间, 2 for the day a document was signed."""
    if label is None or label in ("日期", "时间"):
        return UNLABELLED
    return 0 if label.startswith(("发布", "公开")) else 2


@lru_cache(maxsize=4096)
def parse_candidate(text: str) -> date | None:
    """A candidate substring as a date (dateparser), or None when it is no calendar date."""
    parsed = dateparser.parse("".join(text.split()), date_formats=FORMATS, languages=["zh"], settings=PARSER_SETTINGS)
    return parsed.date() if parsed else None


def plausible(day: date | None, today: date | None = None) -> bool:
    return day is not None and EARLIEST <= day <= (today or date.today()) + timedelta(days=1)


def normalized(text: str) -> str:
    """Entities decoded, full-width digits and punctuation folded (NFKC)."""
    return unicodedata.normalize("NFKC", html.unescape(text))


def text_dates(text: str, today: date | None = None) -> list[tuple[int, int, date, bool]]:
    """Every plausible full date in ``text`` as (rank of its label, position, date, labelled)."""
    found = []
    for position, match in enumerate(TEXT_DATE.finditer(text)):
        day = parse_candidate(match["date"])
        if plausible(day, today):
            label = LABEL.search(text[max(0, match.start() - LOOK_BEHIND):match.start()])
            found.append((label_rank(label["label"] if label else None), position, day, label is not None))
    return found


def best_in_text(text: str, today: date | None = None, labelled_only: bool = False) -> date | None:
    """The date of ``text`` by the module's rule: the best label, then the first;
    ``labelled_only``: a date with a label (a bare 日期 / 时间 counts) or none."""
    found = [entry for entry in text_dates(text, today) if entry[3] or not labelled_only]
    return min(found)[2] if found else None


def listing_date(item_text: str, today: date | None = None) -> date | None:
    """The date a listing item (the ``<li>`` / ``<tr>`` holding the link, as HTML or as
    text) gives beside the link: a date within the link's own text (a title quoting the
    end of the report period, 2023年12月31日) is not its publication date."""
    return best_in_text(TAG.sub(" ", LINK.sub(" ", normalized(item_text))), today)


def url_date(url: str, today: date | None = None) -> date | None:
    """The date a URL's path spells (see ``URL_DATES``), if plausible."""
    path = urlsplit(url or "").path
    for pattern in URL_DATES:
        for match in pattern.finditer(path):
            day = parse_candidate(match["date"])
            if plausible(day, today):
                return day
    return None


def page_date(html_text: str, url: str = "", today: date | None = None) -> tuple[date, str] | None:
    """The publication date of a detail page and where it was read: ``"meta"`` (a
    publication ``<meta>``), ``"page"`` (a labelled date in its text) or ``"url"``."""
    root = parse_html(html_text)
    if root is not None:
        day = meta_date(root, today)
        if day is not None:
            return day, "meta"
        day = best_in_text(normalized(visible_text(root)), today, labelled_only=True)
        if day is not None:
            return day, "page"
    day = url_date(url, today)
    return (day, "url") if day is not None else None


def parse_html(html_text: str):
    if not html_text or not html_text.strip():
        return None
    try:
        return lxml_html.document_fromstring(html_text.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


def meta_date(root, today: date | None = None) -> date | None:
    contents: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        if key in META_NAMES and key not in contents:
            contents[key] = normalized(meta.get("content") or "")
    for key in META_NAMES:
        match = TEXT_DATE.search(contents.get(key, "")) or COMPACT_DATE.search(contents.get(key, ""))
        day = parse_candidate(match["date"]) if match else None
        if plausible(day, today):
            return day
    return None


def visible_text(root) -> str:
    """The page's text, each element's text apart (scripts and styles left out)."""
    for element in root.iter("script", "style", "noscript", etree.Comment):
        element.text = None
    return " ".join(root.itertext())
