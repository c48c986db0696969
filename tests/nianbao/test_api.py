"""``nianbao.DataDir``, the Python API the CLI is a layer over, used from one Python process."""

from __future__ import annotations

import pytest

from crawler.config import ConfigError
from nianbao import DataDir, DataError, LockedError
from nianbao.demo import PortalServer, demo_config, sample_portal
from nianbao.lock import DataLock


def test_one_process_crawls_twice_and_the_second_crawl_is_all_unchanged(tmp_path):
    data = DataDir(tmp_path / "data")
    with sample_portal(port=0) as portal:
        first = data.crawl(demo_config(portal.url), throttle=False)
        second = data.crawl(demo_config(portal.url), throttle=False, load=False)
    assert first.summary["new"] == first.summary["reports_found"] > 0
    assert first.load.extracted > 0 and not first.load.errors
    assert second.load is None
    assert (second.summary["new"], second.summary["changed"]) == (0, 0)
    assert second.summary["unchanged"] == first.summary["reports_found"]
    assert second.summary["crawl_id"] == first.summary["crawl_id"] + 1
    assert data.verify().ok and data.verify().checked == first.load.extracted


def test_unknown_portal_ids_are_a_config_error_before_anything_runs(tmp_path):
    data = DataDir(tmp_path / "data")
    with pytest.raises(ConfigError, match="no portal with id nope"):
        data.crawl(demo_config("http://127.0.0.1:1/"), portals=["nope"])
    assert not data.path.exists()


def test_the_lock_nests_within_a_data_dir_and_excludes_other_writers(tmp_path):
    data = DataDir(tmp_path / "data")
    with data.lock():
        with data.lock():
            with pytest.raises(LockedError, match="is in use by pid"):
                DataLock(data.path).__enter__()
    with DataLock(data.path):
        with pytest.raises(LockedError):
            data.load()


def test_missing_pieces_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="no such DATA directory"):
        DataDir(tmp_path / "nope").load()
    with pytest.raises(DataError, match="no reports.db yet"):
        DataDir(tmp_path).datasette()
    with pytest.raises(DataError, match="no archive here"):
        DataDir(tmp_path).verify()


def test_the_site_of_a_crawled_data_dir(tmp_path):
    import asyncio

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<a href='/a.pdf'>某县2023年政府信息公开工作年度报告</a>", encoding="utf-8")
    (site / "a.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    data = DataDir(tmp_path / "data")
    with PortalServer(site) as server:
        result = data.crawl({"portals": [{"id": "county", "start_urls": [server.url], "kind": "government"}]},
                            throttle=False)
    assert result.summary["per_portal"]["county"]["reports_found"] == 1
    ds = data.datasette()
    portals = asyncio.run(ds.client.get("/reports/portals.json?_shape=objects")).json()["rows"]
    assert [(row["portal"], row["kind"]) for row in portals] == [("county", "government")]
