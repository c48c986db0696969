"""``make demo``: the whole product on the bundled sample portal, in one command.

Starts the sample portal on 127.0.0.1, runs the real pipeline over it (a crawl
in a child process, exactly as ``make crawl`` does), then serves Datasette
until Ctrl-C, which stops both servers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import yaml

from .cli import PROJECT_ROOT, datasette_args, fail, run_datasette

SAMPLE_SITE = PROJECT_ROOT / "fixtures" / "portals" / "sample"


def demo_config(portal_url: str) -> dict:
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


def run_demo(data_dir: Path, port: int, portal_port: int) -> None:
    from .portalserver import PortalServer

    if not SAMPLE_SITE.is_dir():
        fail(f"the sample portal is missing ({SAMPLE_SITE}); is this a complete checkout?")
    data_dir.mkdir(parents=True, exist_ok=True)
    server = PortalServer(SAMPLE_SITE, port=portal_port)
    try:
        server.start()
    except OSError:  # the usual port is taken: any free one will do
        server = PortalServer(SAMPLE_SITE, port=0).start()
    try:
        click.echo(f"Sample portal running at {server.url}")
        config_path = data_dir / "demo-portals.yml"
        config_path.write_text(yaml.safe_dump(demo_config(server.url), allow_unicode=True), encoding="utf-8")
        command = [sys.executable, "-m", "nianbao", "crawl", str(config_path), "--data", str(data_dir), "--no-throttle"]
        try:
            finished = subprocess.run(command, check=False)
        except KeyboardInterrupt:
            click.echo("Interrupted.")
            return
        if finished.returncode != 0:
            fail("the demo crawl failed (see above)", code=finished.returncode)
        click.echo(f"Open http://127.0.0.1:{port}/reports/documents to browse the reports; "
                   f"try a search such as http://127.0.0.1:{port}/reports/documents?_search=行政处罚")
        run_datasette(datasette_args(data_dir, "127.0.0.1", port, None), "127.0.0.1", port)
    finally:
        server.stop()
