"""Decide, from text alone, what a link is and whether a document is an annual report.

Pure functions with no Scrapy in sight, so every rule is unit-tested on its own
(tests/test_discovery.py). The spider feeds them anchor text, ``title``
attributes, page titles, file names and URLs; they answer:

* ``classify_link`` — is this link an attachment, listing pagination, a page
  worth visiting on the way to the 年报 column, or noise?
* ``assess_report`` — is the document behind a link a 政府信息公开(工作)年度报告
  with a plausible year? Specific evidence (anchor, title attribute, file name)
  speaks first; the page title only decides when that evidence is neutral
  ("附件1", "P020240131512345.pdf", "下载").
* ``assess_report_page`` — is a detail page the report itself (its title a report's,
  its body the report's sections)?
* ``content_disposition_filename`` / ``blocked_reason`` — the byte-level chores
  Chinese portals make hard (decoding a page is archive.webpage.decode_html).
"""

from __future__ import annotations

import enum
import html
import re
from dataclasses import dataclass
from datetime import date
from email.message import Message
from posixpath import basename, dirname, splitext
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from archive.webpage import decode_html

FIRST_YEAR = 2008  # the 条例 of 2007 took effect on 2008-05-01: no report is older

DOCUMENT_EXTENSIONS = frozenset({".pdf", ".docx", ".doc", ".wps", ".ofd"})
# Links that are never worth a request.
ASSET_EXTENSIONS = frozenset(
    {
        ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".ico", ".webp",
        ".mp3", ".mp4", ".avi", ".flv", ".wmv", ".swf", ".zip", ".rar", ".7z", ".xls",
        ".xlsx", ".ppt", ".pptx", ".txt", ".xml", ".apk", ".exe", ".tif", ".tiff",
    }
)

# A download endpoint: the document hides behind a script and an id or key.
DOWNLOAD_ENDPOINT = re.compile(
    r"(?:^|/)(?:down(?:load)?(?:_?file)?|file_?down(?:load)?|get_?file|attach(?:ment)?(?:_?down(?:load)?)?|"
    r"openfile|showfile)\w*\.(?:jsp|do|action|aspx?|php|ashx|cgi)$",
    re.I,
)
DOWNLOAD_DIRECTORY = re.compile(r"/(?:download|downloads|attachment|attachments|attach|fujian)/\w+/?$", re.I)
DOWNLOAD_PARAMS = frozenset(
    {"filename", "fileid", "file_id", "attachid", "attachmentid", "attach_id", "fid", "docid", "downloadid"}
)

PAGINATION_TEXT = re.compile(r"^\s*(?:下一页|下页|尾页|末页|后一页|next|»|>|>>|\[?\d{1,4}\]?)\s*$", re.I)
PAGINATION_URL = re.compile(
    r"(?:[?&](?:page|pagenum|pageno|page_no|pageindex|currentpage|curpage|p)=\d+)|(?:/index_\d+\.s?html?$)|"
    r"(?:_\d+\.s?html?$)",
    re.I,
)

# Words that lead towards the 年报 column.
NAVIGATION = re.compile(r"政府信息公开|信息公开|政务公开|年度报告|年报|公开年报|工作报告")
# Column paths on Chinese portals: xxgk = 信息公开, zwgk = 政务公开, ndbg = 年度报告, gknb = 公开年报.
NAVIGATION_URL = re.compile(r"(?:^|/|_)(?:xxgk|zwgk|gkml|zfxxgk|ndbg|gknb|xxgknb|nb|gzbg)(?:/|_|\.|$)", re.I)
MORE = re.compile(r"^\s*(?:更多|more|查看更多|>>|»)", re.I)

# Report-ness. STRONG names the report outright; WEAK is "年度报告"/"年报" alone.
STRONG = re.compile(
    r"(?:信息公开|政务公开)[^，。；;,]{0,12}?(?:年度报告|年报|工作报告|报告)|年度(?:政府)?信息公开(?:工作)?报告"
)
WEAK = re.compile(r"年度报告|年报")
# What looks like a report but is not: the work plan, the review results,
# notices about writing the report, the disclosure guide, budgets…
NEGATIVE = re.compile(
    r"工作要点|要点|考核|评估|评议|测评|通知|通报|指南|目录|制度|规定|办法|方案|计划|意见|解读|"
    r"决算|预算|统计年报|申请表|答复|征集|培训|会议|新闻|动态|公示|公告|模板|样本|说明"
)
# Subjects whose own "年度报告" is not the 政府信息公开 one.
OTHER_SUBJECT = re.compile(r"预算|决算|企业年度报告|企业年报|年检|社会责任|环境信息")
YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
NEUTRAL_NAME = re.compile(r"^(?:附件\s*\d*|下载|点击下载|附件下载|查看附件|原文|全文|pdf|word|doc|docx)$", re.I)


class LinkKind(enum.Enum):
    ATTACHMENT = "attachment"  # a document, or a download endpoint that serves one
    PAGINATION = "pagination"  # the next page of the current listing
    NAVIGATE = "navigate"  # a page on the way to (or inside) the 年报 column
    SKIP = "skip"


@dataclass(frozen=True)
class Verdict:
    """Whether a document is an annual report, with its year and the reason why."""

    is_report: bool
    year: int | None
    reason: str


def last_plausible_year(today: date | None = None) -> int:
    return (today or date.today()).year + 1


def plausible_years(text: str, today: date | None = None) -> list[int]:
    """Years 2008…next year mentioned in ``text``, in order of appearance."""
    latest = last_plausible_year(today)
    return [int(y) for y in YEAR.findall(text or "") if FIRST_YEAR <= int(y) <= latest]


def url_filename(url: str) -> str:
    """The decoded last path segment, or a ``filename=`` style parameter when present."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key.lower() in ("filename", "file", "name", "fname") and value:
            return basename(unquote(value))
    return unquote(basename(parts.path))


def url_extension(url: str) -> str:
    return splitext(urlsplit(url).path)[1].lower()


def is_document_url(url: str) -> bool:
    """By URL alone: an attachment file (.pdf/.docx/.doc/.wps) or a download endpoint."""
    parts = urlsplit(url)
    if url_extension(url) in DOCUMENT_EXTENSIONS:
        return True
    if DOWNLOAD_ENDPOINT.search(parts.path) or DOWNLOAD_DIRECTORY.search(parts.path):
        return True
    params = {key.lower(): value for key, value in parse_qsl(parts.query)}
    if DOWNLOAD_PARAMS & params.keys():
        return True
    # pdf.js style viewers: viewer.html?file=/uploads/x.pdf
    inner = params.get("file", "")
    return url_extension(inner) in DOCUMENT_EXTENSIONS


def viewer_target(url: str) -> str | None:
    """The document a pdf.js-style viewer URL shows (``viewer.html?file=…``), else None."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() == "file" and url_extension(value) in DOCUMENT_EXTENSIONS:
            return urljoin(url, value)
    return None


def classify_link(url: str, text: str = "", title: str = "", page_url: str = "") -> LinkKind:
    """What following ``url`` (seen on ``page_url`` as ``text``/``title``) would lead to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return LinkKind.SKIP
    if is_document_url(url):
        return LinkKind.ATTACHMENT
    if url_extension(url) in ASSET_EXTENSIONS:
        return LinkKind.SKIP
    words = f"{text} {title}".strip()
    if is_pagination_text(text):
        if not text.strip().isdigit() or _same_listing(url, page_url):
            return LinkKind.PAGINATION
    if page_url and PAGINATION_URL.search(parts.path + ("?" + parts.query if parts.query else "")):
        if _same_listing(url, page_url) and (not words or PAGINATION_TEXT.match(text or "")):
            return LinkKind.PAGINATION
    if (match := NAVIGATION.search(words)) is not None:
        # "政府信息公开指南", "政务公开工作要点": the word after the topic says what it is.
        if NEGATIVE.search(words[match.end():]):
            return LinkKind.SKIP
        return LinkKind.NAVIGATE
    if NEGATIVE.search(words):
        return LinkKind.SKIP
    if MORE.match(text or "") and NAVIGATION_URL.search(parts.path):
        return LinkKind.NAVIGATE
    return LinkKind.SKIP


def is_pagination_text(text: str) -> bool:
    """Link text that names another page of the same listing: 下一页, 尾页, », a page number."""
    return bool(text and text.strip() and PAGINATION_TEXT.match(text))


def link_priority(text: str) -> int:
    """Scheduling priority of a page link: the 年报 column before the rest of 信息公开."""
    if STRONG.search(text or "") or WEAK.search(text or ""):
        return 5
    return 0


def _same_listing(url: str, page_url: str) -> bool:
    """Pagination stays in the listing's folder (or is the same script with another query)."""
    if not page_url:
        return True
    a, b = urlsplit(url), urlsplit(page_url)
    if a.netloc != b.netloc:
        return False
    if a.path == b.path:
        return True
    return dirname(a.path) == dirname(b.path)


def assess_report(
    specific: list[str] | tuple[str, ...],
    context: list[str] | tuple[str, ...] = (),
    url: str = "",
    today: date | None = None,
) -> Verdict:
    """Is the document an annual report?

    ``specific``: what names this one document (anchor text, title attribute,
    Content-Disposition or URL file name). ``context``: the page it was found on
    (detail-page heading and title). A negative word in the specific evidence
    (工作要点, 通知, 指南…) settles it; otherwise a report name plus a year
    between 2008 and next year makes a report. Neutral specific evidence
    ("附件1") defers to the context. URL path years are the last resort.
    """
    spec_parts = [s.strip() for s in specific if s and s.strip()]
    if url:
        spec_parts.append(url_filename(url))
    spec = " ".join(spec_parts)
    ctx = " ".join(c.strip() for c in context if c and c.strip())
    url_years = plausible_years(urlsplit(url).path, today) if url else []

    spec_years = plausible_years(spec, today)
    ctx_years = plausible_years(ctx, today)
    if (negative := _negative(spec)) is not None:
        return Verdict(False, None, f"not a report: {negative!r} in {spec[:60]!r}")
    if STRONG.search(spec) or WEAK.search(spec):
        year = _first(spec_years, ctx_years, url_years)
        if year is None:
            if _mentions_implausible_year(spec):
                return Verdict(False, None, f"no plausible year in {spec[:60]!r}")
            return Verdict(False, None, f"report name without a year: {spec[:60]!r}")
        return Verdict(True, year, f"named a report: {spec[:60]!r}")
    # The specific evidence is neutral: the page decides.
    if (negative := _negative(ctx)) is not None:
        return Verdict(False, None, f"page is not a report: {negative!r} in {ctx[:60]!r}")
    if STRONG.search(ctx) or WEAK.search(ctx):
        year = _first(ctx_years, spec_years, url_years)
        if year is None:
            return Verdict(False, None, f"page names a report but no year: {ctx[:60]!r}")
        return Verdict(True, year, f"on a report page: {ctx[:60]!r}")
    return Verdict(False, None, "nothing names a report")


# The headings and table labels of the report's own sections: a page body carrying
# several of them is the report, not a page about it.
REPORT_BODY_WORDS = re.compile(
    r"总体情况|主动公开政府信息|收到和处理政府信息公开申请|政府信息公开行政复议|存在的主要问题|其他需要报告|"
    r"本年新收政府信息公开申请|予以公开|结转下年度继续办理"
)
REPORT_BODY_MIN_WORDS = 3


def assess_report_page(heading: str, page_title: str, article_text: str, url: str = "", today: date | None = None) -> Verdict:
    """Is a detail page itself an annual report (published as the article, no attachment)?

    Its own title must read as a report (``assess_report`` on the heading, the page
    title as context) and its article must carry at least ``REPORT_BODY_MIN_WORDS``
    different section headings or table labels of the report format.
    """
    verdict = assess_report([heading], [page_title], url, today)
    if not verdict.is_report:
        return verdict
    words = set(REPORT_BODY_WORDS.findall(re.sub(r"\s+", "", article_text)))
    if len(words) < REPORT_BODY_MIN_WORDS:
        return Verdict(False, None, f"titled a report, but the page body is not one ({len(words)} report headings)")
    return Verdict(True, verdict.year, f"the page is the report: {verdict.reason}")


def _negative(text: str) -> str | None:
    """The word that makes ``text`` a non-report, or None.

    Before a report name a negative word is part of the body's name
    (卫生和计划生育委员会…年度报告); after it, it is the document type
    (…年度报告的通知, …年度报告考核结果). A bare 年度报告 about another subject
    (部门预算, 统计, 企业年报) is that subject's report, not ours, wherever the word stands.
    """
    if not STRONG.search(text) and WEAK.search(text) and (topic := OTHER_SUBJECT.search(text)):
        return topic.group(0)
    match = STRONG.search(text) or WEAK.search(text)
    if match is None:
        found = NEGATIVE.search(text)
        return found.group(0) if found else None
    found = NEGATIVE.search(text, match.end())
    return found.group(0) if found else None


def _first(*lists: list[int]) -> int | None:
    for values in lists:
        if values:
            return values[0]
    return None


def _mentions_implausible_year(text: str) -> bool:
    return bool(re.search(r"(?<!\d)(?:19|20)\d{2}(?=\s*年)", text))


def is_neutral_name(text: str) -> bool:
    """Anchor text that says nothing about the document ("附件1", "下载", a bare file id)."""
    stem = splitext((text or "").strip())[0].strip("：: ")
    return not stem or bool(NEUTRAL_NAME.match(stem)) or bool(re.fullmatch(r"[A-Za-z]?\d[\w-]*", stem, re.ASCII))


# --- bytes ---------------------------------------------------------------------------


def content_disposition_filename(value: bytes | str | None) -> str | None:
    """The file name in a Content-Disposition header.

    Handles RFC 5987 ``filename*=UTF-8''%E5…`` (preferred), quoted or bare
    ``filename=``, percent-encoded names, and raw UTF-8 or GBK bytes in the header.
    """
    if not value:
        return None
    if isinstance(value, bytes):
        for encoding in ("utf-8", "gb18030"):
            try:
                text = value.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            text = value.decode("latin-1")
    else:
        text = value
        # Twisted/http.client hand raw header bytes over as latin-1 text.
        try:
            raw = text.encode("latin-1")
            text = raw.decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            try:
                text = text.encode("latin-1").decode("gb18030")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
    message = Message()
    message["content-disposition"] = text
    name = message.get_filename()  # decodes filename*= (RFC 2231/5987) first
    if not name:
        match = re.search(r"filename\s*=\s*\"?([^\";]+)\"?", text, re.I)
        name = match.group(1) if match else None
    if not name:
        return None
    name = name.strip().strip('"')
    if "%" in name:
        name = unquote(name, encoding="utf-8", errors="strict") if _valid_utf8_quoted(name) else unquote(
            name, encoding="gb18030", errors="replace"
        )
    return basename(name.replace("\\", "/")) or None


def _valid_utf8_quoted(name: str) -> bool:
    try:
        unquote(name, encoding="utf-8", errors="strict")
        return True
    except UnicodeDecodeError:
        return False


CHALLENGE_MARKERS = (
    b"$_ts",  # Ruishu (瑞数) dynamic anti-bot
    b"__jsl_clearance",  # Jiasule (加速乐)
    b"acw_sc__v2",  # Aliyun WAF
    b"_waf_",
    b"cdn_sec_tc",
)


def blocked_reason(status: int, body: bytes) -> str | None:
    """Why a response is an anti-bot wall rather than content, or None.

    HTTP 412 carrying a ``$_ts`` script (Ruishu) and 521 (Jiasule) are walls;
    so is a small 200 page that is a challenge script with no links.
    """
    head = body[:20_000]
    if status == 521:
        return "HTTP 521 anti-bot challenge"
    if status == 412:
        if b"$_ts" in head:
            return "HTTP 412 with a $_ts anti-bot script"
        return "HTTP 412 precondition wall"
    if status in (200, 202, 403, 503) and len(body) < 20_000:
        lowered = head.lower()
        for marker in CHALLENGE_MARKERS:
            if marker.lower() in lowered and b"<script" in lowered and lowered.count(b"<a ") < 2:
                return f"JavaScript challenge page ({marker.decode()})"
    return None


SOFT_404_TEXT = re.compile(r"页面不存在|找不到|不存在|已删除|404|not\s+found|无法找到|出错", re.I)


def soft_404_reason(body: bytes) -> str:
    """A short reason for an HTML page served where a document was expected."""
    text, _ = decode_html(body[:20_000])
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    label = (title.group(1).strip() if title else "") or text.strip()[:40]
    if SOFT_404_TEXT.search(text):
        return f"HTML error page instead of a document: {label[:60]!r}"
    return f"HTML instead of a document: {label[:60]!r}"


# --- Hanweb (大汉) jpage listings --------------------------------------------------------
#
# Hanweb's CMS does not write listing links into the HTML. The page embeds the first
# records in ``<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li><a …>]]>``
# and a jpage script pages through the rest with POSTs to
# ``/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15``, which
# answer the same <datastore> XML.

JPAGE_PROXY = "/module/web/jpage/dataproxy.jsp"
RECORD = re.compile(r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.I | re.S)
DATASTORE = re.compile(r"<datastore\b", re.I)
PROXY_URL = re.compile(r"""[^\s'"<>()]*dataproxy\.jsp(?:\?[^\s'"<>()]*)?""", re.I)
# The form fields dataproxy.jsp wants, with the defaults Hanweb pages send.
JPAGE_FIELDS = {
    "col": "1",
    "appid": "1",
    "webid": "",
    "path": "/",
    "columnid": "",
    "sourceContentType": "1",
    "unitid": "",
    "webname": "",
    "permissiontype": "0",
}
JPAGE_NUMBERS = {
    "total": re.compile(r"totalRecord['\"]?\s*[:=]\s*['\"]?(\d+)|<totalrecord>\s*(\d+)\s*</totalrecord>", re.I),
    "per_page": re.compile(r"perPage['\"]?\s*[:=]\s*['\"]?(\d+)", re.I),
    "group_size": re.compile(r"groupSize['\"]?\s*[:=]\s*['\"]?(\d+)", re.I),
}


@dataclass(frozen=True)
class JpageSetup:
    """What a Hanweb listing page says about fetching its remaining records."""

    proxy_url: str  # absolute dataproxy.jsp URL, no query
    form: dict  # the POST form fields (col, appid, webid, columnid, unitid…)
    per_page: int
    step: int  # records per dataproxy request (perPage × groupSize)
    embedded: int  # records already on the page
    total: int | None  # totalRecord, when the page tells


def hanweb_records(text: str) -> list[str]:
    """The HTML fragments of a Hanweb ``<datastore>``'s ``<record>`` elements (CDATA or escaped).

    Works on a listing page (records inside ``<script type="text/xml">``) and on a
    dataproxy.jsp answer alike; returns [] when there is no datastore.
    """
    if not DATASTORE.search(text):
        return []
    fragments = []
    for cdata, plain in RECORD.findall(text):
        fragment = cdata if cdata else html.unescape(plain)
        if fragment.strip():
            fragments.append(fragment)
    return fragments


def jpage_setup(text: str, page_url: str) -> JpageSetup | None:
    """The jpage paging set-up of a Hanweb listing page, or None when it has none.

    The parameters come from any ``dataproxy.jsp?…`` URL on the page (the
    ``<nextgroup>`` link, an ``ajaxParam`` or ``proxyUrl``) and from ``key: 'value'``
    pairs in the jpage call; a page counts as jpage when it names dataproxy.jsp or
    calls ``.jpage(`` and gives at least a ``columnid``.
    """
    if "dataproxy.jsp" not in text and ".jpage(" not in text and "totalRecord" not in text:
        return None
    form = dict(JPAGE_FIELDS)
    proxy = JPAGE_PROXY
    for match in PROXY_URL.finditer(text):
        found = html.unescape(match.group(0))
        parts = urlsplit(found)
        if parts.path:
            proxy = parts.path
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in form or key.lower() in ("columnid", "unitid", "webid"):
                form[_jpage_key(key)] = value
    for key in form:
        value = re.search(rf"""['"]?\b{key}['"]?\s*[:=]\s*['"]([^'"]*)['"]""", text)
        if value is None:
            value = re.search(rf"""['"]?\b{key}['"]?\s*:\s*(\d+)\b""", text)
        if value is not None and (not form[key] or key in ("columnid", "unitid", "webid")):
            form[key] = value.group(1)
    if not form["columnid"]:
        return None
    per_page = _jpage_number(text, "per_page") or 15
    group_size = _jpage_number(text, "group_size")
    embedded = len(hanweb_records(text))
    step = per_page * group_size if group_size else max(per_page, embedded)
    return JpageSetup(
        proxy_url=urljoin(page_url, proxy),
        form=form,
        per_page=per_page,
        step=step,
        embedded=embedded,
        total=_jpage_number(text, "total"),
    )


def jpage_ranges(setup: JpageSetup, limit: int = 30) -> list[tuple[int, int]]:
    """The (startrecord, endrecord) ranges still to fetch after the embedded records.

    With ``totalRecord`` known: all of them, at most ``limit``. Without it: only
    the next one (the spider asks for more while answers come back full).
    """
    start = setup.embedded + 1
    if setup.total is None:
        return [(start, start + setup.step - 1)] if limit > 0 else []
    ranges = []
    while start <= setup.total and len(ranges) < limit:
        ranges.append((start, start + setup.step - 1))
        start += setup.step
    return ranges


def jpage_url(setup: JpageSetup, start: int, end: int) -> str:
    """The dataproxy.jsp URL for records start…end (the form fields go in the POST body)."""
    return f"{setup.proxy_url}?startrecord={start}&endrecord={end}&perpage={setup.per_page}"


def _jpage_key(key: str) -> str:
    """Map a query key onto its JPAGE_FIELDS spelling (columnId → columnid)."""
    for name in JPAGE_FIELDS:
        if name.lower() == key.lower():
            return name
    return key


def _jpage_number(text: str, name: str) -> int | None:
    match = JPAGE_NUMBERS[name].search(text)
    if match is None:
        return None
    value = int(next(group for group in match.groups() if group))
    return value or None
