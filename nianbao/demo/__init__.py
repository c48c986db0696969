"""The bundled sample portal that ``make demo`` crawls and serves.

The sample portal is a realistic government site built from the project's
fixture reports (``make fixtures`` rebuilds it); it ships as package data, so a
plain ``pip install`` can demo. ``portalserver`` is the HTTP server that serves
it (and, in the tests, every other fixture portal).
"""

from __future__ import annotations

from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Iterator

from .portalserver import PortalServer

SAMPLE_SITE = Path(str(files(__name__) / "sample"))


def demo_config(portal_url: str) -> dict:
    """A portals file (as a mapping) with the one sample portal at ``portal_url``."""
    return {
        "portals": [
            {
                "id": "sample",
                "name": "示例区人民政府（nianbao 自带的示例门户）",
                "start_urls": [portal_url],
                "kind": "government",
            }
        ]
    }


@contextmanager
def sample_portal(port: int = 8765) -> Iterator[PortalServer]:
    """The sample portal served on 127.0.0.1 (any free port when ``port`` is taken)."""
    server = PortalServer(SAMPLE_SITE, port=port)
    try:
        server.start()
    except OSError:
        server = PortalServer(SAMPLE_SITE, port=0).start()
    try:
        yield server
    finally:
        server.stop()
