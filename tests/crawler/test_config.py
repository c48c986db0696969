"""Portals files: the shipped one is valid; bad ones give one clear line."""

from __future__ import annotations

import subprocess

import pytest

from crawler.config import ConfigError, load_portals

from tests.support import NIANBAO, ROOT


def test_shipped_portals_file_is_valid():
    portals = load_portals(ROOT / "portals.yml")
    ids = [portal.id for portal in portals]
    assert "jiyuan-tiantan" in ids and "beijing-dongcheng" in ids
    tiantan = portals[ids.index("jiyuan-tiantan")]
    assert tiantan.start_urls == ("http://xxgk.www.jiyuan.gov.cn/tiantanjd/gzbg/",)
    assert tiantan.allowed_domains == ("xxgk.www.jiyuan.gov.cn",)
    assert tiantan.render is False


def test_allowed_domains_default_to_start_url_hosts(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("portals:\n  - id: a\n    start_urls: ['http://Example.gov.cn/x/', 'https://b.gov.cn/']\n")
    (portal,) = load_portals(path)
    assert portal.allowed_domains == ("b.gov.cn", "example.gov.cn")
    assert portal.name == "a"


@pytest.mark.parametrize(
    "text,message",
    [
        ("portals: [", "not valid YAML"),
        ("just a string", "expected a mapping with a 'portals:' list"),
        ("portals: []", "is empty"),
        ("portals:\n  - name: x\n    start_urls: [http://a/]", "'id' must be"),
        ("portals:\n  - id: a\n    start_urls: [ftp://a/]", "is not an http(s) URL"),
        ("portals:\n  - id: a\n    start_urls: []", "'start_urls' must be"),
        ("portals:\n  - id: a\n    start_urls: [http://a/]\n  - id: a\n    start_urls: [http://b/]", "duplicate id"),
        ("portals:\n  - id: a\n    start_urls: [http://a/]\n    render: yes please", "'render' must be"),
        ("portals:\n  - id: a\n    start_urls: [http://a/]\n    strat_urls: [http://a/]", "unknown key(s) strat_urls"),
    ],
)
def test_malformed_configs_raise_one_line_errors(tmp_path, text, message):
    path = tmp_path / "portals.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_portals(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("content", [None, "portals:\n  - id: Bad Id\n    start_urls: [http://a/]\n"])
def test_crawl_cli_rejects_bad_config_without_traceback(tmp_path, content):
    config = tmp_path / "portals.yml"
    if content is not None:
        config.write_text(content)
    finished = subprocess.run(
        [str(NIANBAO), "crawl", str(config), "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nianbao: error: ")
    assert "Traceback" not in finished.stderr
    assert not (tmp_path / "data" / "archive").exists()
