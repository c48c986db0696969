"""What a web page original is: its text decoded, its article found, and the key that
says whether two fetches of it are the same report.

Portals publish many reports as the body of a detail page. The page around the
report changes on every request (visit counters, clocks, tokens, rotating ads), so
the archive keeps the bytes as fetched but tells versions apart by ``content_key``:
the hash of the page's title and article text with counters and clock times taken out.

The article rule (lxml, no guessing beyond it):

1. comments, scripts, styles, form controls, frames and elements that are navigation by tag (nav,
   header, footer, aside) or by class/id (nav, menu, breadcrumb, 当前位置, footer,
   share, sidebar) are dropped;
2. a CMS content container (TRS ``div.TRS_Editor``, ``#zoom``, Hanweb ``#zoom`` /
   ``.bt_content``, ``#UCAP-CONTENT``, ``.article-content`` …) holding text is the
   article — the one with the most text when there are several;
3. otherwise, from ``<body>`` down: step into the child container (a div, a layout
   table's cell…, never a paragraph) that holds at least ``ARTICLE_SHARE`` of its
   parent's text outside links, while there is one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import charset_normalizer
import lxml.html
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

NOISE_TAGS = (
    "script", "style", "noscript", "iframe", "frame", "frameset", "nav", "header", "footer", "aside",
    "button", "select", "textarea", "input", "object", "embed", "svg", "canvas", "template",
)
NOISE_NAME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|dqwz|position|location|footer|share|sidebar)(?:$|[\s_-])",
    re.I,
)
CONTENT_CONTAINERS = (
    "TRS_Editor", "TRS_UEDITOR", "zoom", "Zoom", "UCAP-CONTENT", "article-content", "article_content",
    "art_con", "pages_content", "bt_content", "content_text", "view TRS_UEDITOR",
)
BLOCK_TAGS = frozenset(
    "p div table tr h1 h2 h3 h4 h5 h6 li ul ol section article main blockquote pre dl dt dd center".split()
)
CELL_TAGS = frozenset({"td", "th"})
# What the search for the article steps into: containers, layout tables included (never a paragraph).
STEP_TAGS = frozenset({"div", "section", "article", "main", "center", "form", "font", "span", "table", "tbody", "tr", "td", "th"})
ARTICLE_SHARE = 0.85
MIN_CONTAINER_TEXT = 50  # a content container with less text than this is a leftover

# Parts of a page that change on every request, never part of the report.
VOLATILE = re.compile(
    r"(?:浏览|访问|阅读|点击|查看)(?:次数|量|数|人次)?\s*[:：]?\s*\d+\s*次?"
    r"|\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"
    r"|\b[0-9a-fA-F]{16,}\b"
)
SITE_SUFFIX = re.compile(r"\s*[_|｜\-—–]+\s*[^_|｜\-—–]{2,40}$")


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page right whatever it declares; returns (text, encoding).

    Order: byte-order mark, strict UTF-8 (GBK text is never valid UTF-8, and a page a
    browser rendered is UTF-8 whatever its ``<meta>`` still says), the HTTP header
    charset, the ``<meta>`` charset, then charset-normalizer's guess. A declaration is
    only believed when the bytes decode cleanly with it (portals declare UTF-8 and send
    GBK, or the reverse); GB2312 and GBK are read as their superset GB18030.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom):].decode(bom_encoding, errors="replace"), bom_encoding
    declared = [http_content_type_encoding(content_type or ""), html_body_declared_encoding(body)]
    tried: list[str] = []
    for candidate in ["utf-8", *declared]:
        encoding = resolve_encoding(candidate) if candidate else None
        if not encoding or encoding in tried:
            continue
        tried.append(encoding)
        try:
            return body.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        encoding = resolve_encoding(best.encoding) or best.encoding
        return body.decode(encoding, errors="replace"), encoding
    return body.decode("gb18030", errors="replace"), "gb18030"


@dataclass
class Article:
    """A page's own title and the element holding its article (noise removed)."""

    title: str
    element: etree._Element

    @property
    def text(self) -> str:
        return block_text(self.element)

    @property
    def content_key(self) -> str:
        """sha256 of what makes the page this report: title and article text, counters and
        clock times removed, blanks squeezed. Equal keys: the same report, whatever else changed."""
        text = VOLATILE.sub("", f"{self.title}\n{self.text}")
        return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()

    def tables(self) -> list[etree._Element]:
        """The article's data tables: tables that hold no table (a layout table is not data)."""
        return [t for t in self.element.iter("table") if not t.xpath(".//table")]


def parse(body: bytes, content_type: str | None = None) -> etree._Element:
    """The page's element tree (an empty page gives an empty <html>)."""
    text, _ = decode_html(body, content_type)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses an encoding declaration in a str
    try:
        return lxml.html.document_fromstring(text) if text.strip() else lxml.html.Element("html")
    except (etree.ParserError, ValueError):
        return lxml.html.Element("html")


def article(root: etree._Element) -> Article:
    """The article of a parsed page (see the module docstring for the rule)."""
    title = page_heading(root) or page_title(root)
    body = root.find("body")
    if body is None:
        body = root
    for element in list(body.iter(*NOISE_TAGS, etree.Comment, etree.ProcessingInstruction)):
        _drop(element)
    for element in list(body.iterdescendants()):
        if isinstance(element.tag, str) and NOISE_NAME.search(f"{element.get('class', '')} {element.get('id', '')}"):
            _drop(element)
    containers = [
        e for e in body.iter("div", "td", "section", "article")
        if _names_container(e) and len(_plain_text(e)) >= MIN_CONTAINER_TEXT
    ]
    if containers:
        return Article(title, max(containers, key=lambda e: len(_plain_text(e))))
    element = body
    while True:
        total = len(_plain_text(element, without_links=True))
        step = next(
            (child for child in element if isinstance(child.tag, str) and child.tag in STEP_TAGS
             and total and len(_plain_text(child, without_links=True)) >= ARTICLE_SHARE * total),
            None,
        )
        if step is None:
            return Article(title, element)
        element = step


def page_heading(root: etree._Element) -> str:
    """The page's own title: ArticleTitle meta, else the first h1 (h2 on some templates)."""
    for query in ('//meta[@name="ArticleTitle" or @name="articletitle"]/@content', "//h1"):
        for node in root.xpath(query):
            value = _squeeze(node if isinstance(node, str) else node.text_content())
            if value:
                return value
    for node in root.cssselect(".article h2, .content h2, .title h2, .tit"):
        value = _squeeze(node.text_content())
        if value:
            return value
    return ""


def page_title(root: etree._Element) -> str:
    """<title> without the site-name suffix ("…年度报告_某某区人民政府")."""
    title = _squeeze(" ".join(root.xpath("//title//text()")))
    return SITE_SUFFIX.sub("", title) or title


def block_text(element: etree._Element) -> str:
    """An element's text as it reads: a line per block (paragraph, row, heading), the
    cells of a table row apart by a space."""
    parts: list[str] = []

    def walk(node):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in BLOCK_TAGS or tag == "br":
            parts.append("\n")
        elif tag in CELL_TAGS:
            parts.append(" ")
        if node.text and tag not in ("script", "style"):
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in BLOCK_TAGS:
            parts.append("\n")

    walk(element)
    lines = (" ".join(line.split()) for line in "".join(parts).replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)


def _names_container(element: etree._Element) -> bool:
    names = f" {element.get('class', '')} {element.get('id', '')} "
    return any(f" {name} " in names for name in CONTENT_CONTAINERS)


def _plain_text(element: etree._Element, without_links: bool = False) -> str:
    text = "".join(element.itertext())
    if without_links:
        for link in element.iter("a"):
            text = text.replace(link.text_content(), "", 1)
    return re.sub(r"\s+", "", text)


def _drop(element: etree._Element) -> None:
    """Remove an element (or comment), keeping its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _squeeze(text: str) -> str:
    return " ".join((text or "").split())
