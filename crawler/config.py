"""Read and validate a portals file (``portals.yml``).

A bad file is a user error, so every problem becomes one ``ConfigError`` line
that names the file and the entry, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

PORTAL_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
KNOWN_KEYS = {"id", "name", "start_urls", "allowed_domains", "render", "max_depth", "kind", "region", "notes"}


class ConfigError(Exception):
    """The portals file is missing or malformed."""


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    render: bool = False
    max_depth: int | None = None
    kind: str | None = None  # "department" or "government": sets the legal deadline
    region: str | None = None


def load_portals(path: str | Path) -> list[Portal]:
    """Parse ``path`` into portals, raising ConfigError with a one-line reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config: {error}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(error, 'problem', error)}") from None
    return parse_portals(document, str(path))


def parse_portals(document, source: str = "config") -> list[Portal]:
    if not isinstance(document, dict) or not isinstance(document.get("portals"), list):
        raise ConfigError(f"{source}: expected a mapping with a 'portals:' list")
    portals: list[Portal] = []
    seen: set[str] = set()
    for position, entry in enumerate(document["portals"], start=1):
        where = f"{source}: portal #{position}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping, got {type(entry).__name__}")
        portal_id = entry.get("id")
        if not isinstance(portal_id, str) or not PORTAL_ID.match(portal_id):
            raise ConfigError(f"{where}: 'id' must be lowercase letters, digits, '.', '_' or '-'")
        where = f"{source}: portal {portal_id!r}"
        if portal_id in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(portal_id)
        unknown = set(entry) - KNOWN_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        start_urls = entry.get("start_urls")
        if isinstance(start_urls, str):
            start_urls = [start_urls]
        if not start_urls or not all(isinstance(url, str) for url in start_urls):
            raise ConfigError(f"{where}: 'start_urls' must be a non-empty list of URLs")
        for url in start_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"{where}: start URL {url!r} is not an http(s) URL")
        domains = entry.get("allowed_domains") or sorted({urlsplit(url).hostname for url in start_urls})
        if isinstance(domains, str):
            domains = [domains]
        if not all(isinstance(domain, str) and domain for domain in domains):
            raise ConfigError(f"{where}: 'allowed_domains' must be a list of host names")
        render = entry.get("render", False)
        if not isinstance(render, bool):
            raise ConfigError(f"{where}: 'render' must be true or false")
        max_depth = entry.get("max_depth")
        if max_depth is not None and (not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 0):
            raise ConfigError(f"{where}: 'max_depth' must be a non-negative integer")
        kind = entry.get("kind")
        if kind not in (None, "department", "government"):
            raise ConfigError(f"{where}: 'kind' must be 'department' or 'government'")
        name = entry.get("name") or portal_id
        if not isinstance(name, str):
            raise ConfigError(f"{where}: 'name' must be a string")
        portals.append(
            Portal(
                id=portal_id,
                name=name,
                start_urls=tuple(start_urls),
                allowed_domains=tuple(d.lower() for d in domains),
                render=render,
                max_depth=max_depth,
                kind=kind,
                region=entry.get("region"),
            )
        )
    if not portals:
        raise ConfigError(f"{source}: the 'portals:' list is empty")
    return portals


def select_portals(portals: list[Portal], ids, source: str = "config") -> list[Portal]:
    """The portals named by ``ids`` (all when none are named); an unknown id is a ConfigError."""
    ids = list(ids or ())
    if not ids:
        return list(portals)
    unknown = set(ids) - {portal.id for portal in portals}
    if unknown:
        raise ConfigError(f"{source}: no portal with id {', '.join(sorted(unknown))}")
    return [portal for portal in portals if portal.id in ids]
