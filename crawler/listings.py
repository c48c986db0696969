"""Listings that are not plain ``<a href>`` lists: links in script attributes, ASP.NET
postback pagers, and JSON listing APIs.

Pure functions, like crawler.discovery; the spider turns their answers into requests.

* ``attribute_links`` — URLs a clickable element holds outside ``href``:
  ``onclick="window.open('…')"``, ``location.href='…'``, ``downloadFile('/x.PDF')``,
  ``href="javascript:openFile('…')"``, ``data-url`` / ``data-href`` / ``data-file``….
* ``postback_pages`` — an ASP.NET WebForms pager (``javascript:__doPostBack('ctl00$pager','2')``):
  the form POSTs that fetch the other pages, with every field of the page's form
  (``__VIEWSTATE``, ``__EVENTVALIDATION``…) and ``__EVENTTARGET`` / ``__EVENTARGUMENT``.
* ``json_listing`` — the items of a JSON listing (any list of objects with a title and
  a URL, wherever it sits in the answer) and the URLs of its other pages (广东's
  政府信息公开目录 ``gkmlpt/api/all/<id>?page=N`` and the like).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.scripts import PAGER_FIELDS

CHINA = timezone(timedelta(hours=8))
# Attributes a portal puts a link target in when it does not use href.
LINK_ATTRIBUTES = ("data-url", "data-href", "data-link", "data-file", "data-path", "data-src", "data-download")
# A string literal inside a script attribute.
STRING_LITERAL = re.compile(r"""(['"])((?:(?!\1)[^\\]|\\.)*)\1""")
# What makes a literal a link target: a path, a URL, or a file name with a page/document extension.
LINK_LIKE = re.compile(
    r"^(?:https?://|/|\./|\.\./)\S*$|^[\w./%-]+\.(?:pdf|docx?|wps|ofd|s?html?|jsp|aspx?|php)(?:[?#]\S*)?$", re.I
)
POSTBACK = re.compile(r"""__doPostBack\(\s*['"]([^'"]*)['"]\s*,\s*['"]([^'"]*)['"]\s*\)""")

# JSON listings: the fields that hold an item's link, title and date, and a page's paging numbers.
URL_FIELDS = ("url", "link", "href", "path", "pageurl", "page_url", "docurl", "fileurl", "file_url", "attachurl", "linkurl")
TITLE_FIELDS = ("title", "name", "doctitle", "subject", "filename", "file_name", "text")
DATE_FIELDS = (
    "publishdate", "publish_date", "publishtime", "publish_time", "pubdate", "pub_date", "date", "releasedate",
    "release_time", "createtime", "create_time", "time", "fbrq", "docreltime",
)
# Paging numbers go by the names pagers give them (crawler.scripts.PAGER_FIELDS); a URL may also say ?p=N.
PAGE_PARAMS = (*PAGER_FIELDS["current"], "pagenum", "p")
TOTAL_PAGE_FIELDS = tuple(PAGER_FIELDS["pages"])
TOTAL_ITEM_FIELDS = (*PAGER_FIELDS["records"], "totalelements")
PER_PAGE_FIELDS = tuple(PAGER_FIELDS["per_page"])


def attribute_links(attributes: dict[str, str], base_url: str) -> list[str]:
    """Absolute URLs an element's script attributes point to (not its plain ``href``)."""
    found = []
    for name in LINK_ATTRIBUTES:
        value = (attributes.get(name) or "").strip()
        if value and LINK_LIKE.match(value):
            found.append(value)
    scripts = [attributes.get("onclick") or ""]
    href = (attributes.get("href") or "").strip()
    if href.lower().startswith("javascript:"):
        scripts.append(href)
    for script in scripts:
        if "__doPostBack" in script:
            continue  # a postback is a form POST, not a link (postback_pages)
        for _quote, literal in STRING_LITERAL.findall(script):
            literal = literal.strip()
            if LINK_LIKE.match(literal):
                found.append(literal)
    urls = []
    for value in found:
        url = urljoin(base_url, value)
        if urlsplit(url).scheme in ("http", "https") and url not in urls:
            urls.append(url)
    return urls


@dataclass(frozen=True)
class PostBack:
    """One POST of an ASP.NET form that fetches another page of the listing."""

    url: str
    formdata: dict
    label: str  # the pager link's text ("2", "下一页")
    key: tuple  # what tells this page from the others: (url, target, argument)


def postback_pages(html_text: str, page_url: str, is_pager_text) -> list[PostBack]:
    """The postbacks behind the pager links of an ASP.NET page (``is_pager_text(text)`` says
    which link texts are pagination: digits, 下一页…). The form's own fields go along."""
    if "__doPostBack" not in html_text:
        return []
    selector = Selector(text=html_text)
    forms = selector.css("form")
    # The WebForms form: the one holding the view state (a page has search forms too).
    form = next((f for f in forms if f.css("input[name=__VIEWSTATE]")), forms[0] if forms else None)
    if form is None:
        return []
    action = urljoin(page_url, form.attrib.get("action") or page_url)
    fields = {}
    for field in form.css("input[name]"):
        kind = (field.attrib.get("type") or "text").lower()
        if kind in ("hidden", "text"):
            fields[field.attrib["name"]] = field.attrib.get("value", "")
    pages = []
    seen = set()
    for element in selector.css("a, input[type=submit], span[onclick]"):
        script = " ".join(element.attrib.get(name, "") for name in ("href", "onclick"))
        match = POSTBACK.search(script)
        if match is None:
            continue
        text = " ".join(element.xpath("string()").get("").split()) or element.attrib.get("value", "")
        if not is_pager_text(text):
            continue
        target, argument = match.group(1), match.group(2)
        key = (action, target, argument)
        if key in seen:
            continue
        seen.add(key)
        formdata = {**fields, "__EVENTTARGET": target, "__EVENTARGUMENT": argument}
        pages.append(PostBack(action, formdata, text, key))
    return pages


@dataclass(frozen=True)
class JsonItem:
    url: str
    title: str
    date: str  # as the API gives it, epoch times as YYYY-MM-DD; "" when none


@dataclass(frozen=True)
class JsonListing:
    items: tuple[JsonItem, ...]
    pages: tuple[str, ...]  # the other pages of the same API, when the answer tells how many


def json_listing(text: str, api_url: str, limit: int = 30) -> JsonListing | None:
    """The items and other pages of a JSON listing answer; None when ``text`` is not JSON."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return None
    items = []
    for record in _records(data):
        fields = {key.lower(): value for key, value in record.items()}
        url = next((fields[k] for k in URL_FIELDS if isinstance(fields.get(k), str) and fields[k].strip()), None)
        title = next((fields[k] for k in TITLE_FIELDS if isinstance(fields.get(k), str) and fields[k].strip()), "")
        if not url or not title:
            continue
        date = next((fields[k] for k in DATE_FIELDS if isinstance(fields.get(k), (str, int, float)) and fields[k]), "")
        items.append(JsonItem(urljoin(api_url, url.strip()), " ".join(title.split()), _date_text(date)))
    return JsonListing(tuple(items), tuple(_other_pages(data, api_url, len(items), limit)))


def _date_text(value) -> str:
    """An API's date as text: epoch seconds or milliseconds (as numbers or digits) become
    the day in China (UTC+8); any other text is kept for crawler.dates to read."""
    text = str(value).strip()
    if isinstance(value, (int, float)) or text.isdigit() and len(text) in (10, 13):
        seconds = float(value) / (1000 if float(value) > 1e11 else 1)
        try:
            return datetime.fromtimestamp(seconds, CHINA).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    return text


def _records(data, depth: int = 0):
    """Every object of every list of objects in ``data`` (the listing may sit at any depth)."""
    if depth > 6:
        return
    if isinstance(data, list):
        for value in data:
            if isinstance(value, dict):
                yield value
                yield from _records(value, depth + 1)
            elif isinstance(value, list):
                yield from _records(value, depth + 1)
    elif isinstance(data, dict):
        for value in data.values():
            if isinstance(value, (list, dict)):
                yield from _records(value, depth + 1)


def _number(data, names: tuple[str, ...], depth: int = 0) -> int | None:
    """The first positive integer field named one of ``names`` (any depth, outside item lists)."""
    if not isinstance(data, dict) or depth > 3:
        return None
    for key, value in data.items():
        if key.lower() in names:
            try:
                number = int(value)
            except (TypeError, ValueError):
                continue
            if number > 0:
                return number
    for value in data.values():
        if isinstance(value, dict) and (found := _number(value, names, depth + 1)) is not None:
            return found
    return None


def _other_pages(data, api_url: str, count: int, limit: int) -> list[str]:
    """Pages 2…N of the API: N from a page count, or from total ÷ per page (per page: the
    answer's, else this page's item count). Only when the URL names its page."""
    parts = urlsplit(api_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    param = next((key for key, _ in query if key.lower() in PAGE_PARAMS), None)
    if param is None or count == 0:
        return []
    try:
        current = int(dict(query)[param])
    except ValueError:
        return []
    pages = _number(data, TOTAL_PAGE_FIELDS)
    if pages is None:
        total = _number(data, TOTAL_ITEM_FIELDS)
        per_page = _number(data, PER_PAGE_FIELDS) or count
        if total is None:
            return []
        pages = math.ceil(total / per_page)
    first = 0 if current == 0 else 1  # 0-based APIs start at 0
    numbers = [n for n in range(first, first + min(pages, limit + 1)) if n != current]
    return [
        urlunsplit(parts._replace(query=urlencode([(k, str(n) if k == param else v) for k, v in query])))
        for n in numbers[:limit]
    ]
