"""What the spider hands the pipelines: a fetched document, one more page linking it,
or a URL that gave none."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocumentItem:
    """One report original fetched from one URL (or confirmed unchanged by a 304).

    The spider fills the evidence and the response; ArchivePipeline adds
    ``sha256``/``size``; JournalPipeline decides the outcome and records it.
    """

    portal: str
    url: str
    final_url: str
    page_url: str | None = None
    link_text: str | None = None
    page_title: str | None = None
    http_status: int | None = None
    redirects: list[str] | None = None  # every URL requested from url to final_url, when redirected
    published: str | None = None  # YYYY-MM-DD the portal gives (crawler.dates)
    published_from: str | None = None  # listing / page / meta / url
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    filename: str | None = None
    year: int | None = None
    reason: str | None = None
    body: bytes | None = field(default=None, repr=False)
    not_modified: bool = False  # a 304, or a web-page report whose content key is unchanged
    content_key: str | None = None  # web-page reports: archive.webpage's hash of the article
    previous: dict | None = None  # the journal's last source row for this URL, if any
    sha256: str | None = None
    size: int | None = None
    created: bool = False
    outcome: str | None = None


@dataclass
class SightingItem:
    """Another page of the crawl linking a URL already requested for an original.

    JournalPipeline records it as a source row of its own (the original, outcome and
    validators of that URL's fetch in this crawl), so a report linked from N pages has N rows.
    """

    portal: str
    url: str
    page_url: str | None
    link_text: str | None
    page_title: str | None
    published: str | None = None
    published_from: str | None = None


@dataclass
class FetchErrorItem:
    """A URL that gave no original: 404, soft 404, DNS failure, timeout, anti-bot wall…"""

    portal: str
    url: str
    kind: str
    reason: str
    page_url: str | None = None
    http_status: int | None = None


@dataclass
class RestoreItem:
    """Bytes fetched again for a damaged archived object; they hash to ``sha256``."""

    sha256: str
    url: str
    body: bytes = field(repr=False)
