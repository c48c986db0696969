"""The whole pipeline over an archive in an object store (a real SeaweedFS): two ``nianbao crawl``
processes writing to one bucket at once, ``nianbao load``, ``nianbao verify --repair`` and the
site's ``/-/files`` and ``/-/crops`` reading from it."""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest

from nianbao import DataDir
from nianbao.demo import PortalServer
from tests.support import NIANBAO, TEST_PORTALS, journal_rows, nianbao, reports_tuples, sha256_of, write_portals

pytestmark = pytest.mark.slow
SITE = TEST_PORTALS / "legacy"
MANIFEST = json.loads((SITE / "_manifest.json").read_text(encoding="utf-8"))
REPORTS = {report["sha256"] for report in MANIFEST["reports"]}


@pytest.fixture(scope="module")
def portal():
    with PortalServer(SITE) as server:
        yield server


@pytest.fixture(scope="module")
def environment(seaweedfs):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in seaweedfs.env.items():
            patch.setenv(name, value)
        yield


def bucket_objects(seaweedfs, bucket: str) -> dict[str, bytes]:
    client = seaweedfs.client()
    return {entry["Key"]: client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            for entry in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def key_of(sha: str) -> str:
    """Where a report of the portal (every one a PDF) is in the bucket."""
    return f"originals/{sha[:2]}/{sha[2:4]}/{sha}.pdf"


@pytest.fixture(scope="module")
def crawled(seaweedfs, environment, portal, tmp_path_factory):
    """Two crawls of the portal into two DATA directories, at the same time, both archiving to one bucket."""
    bucket = seaweedfs.new_bucket()
    folder = tmp_path_factory.mktemp("s3-crawl")
    config = write_portals(folder / "portals.yml", [{"id": "legacy", "start_urls": [portal.url]}])
    datas = [folder / "data-a", folder / "data-b"]
    crawls = []
    for data in datas:
        seaweedfs.archive_config(data, bucket)
        crawls.append(subprocess.Popen([str(NIANBAO), "crawl", str(config), "--data", str(data), "--no-throttle",
                                        "--no-load", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for crawl in crawls:
        _, stderr = crawl.communicate(timeout=180)
        assert crawl.returncode == 0, stderr[-3000:]
    loaded = nianbao("load", datas[0], "--workers", "2")
    assert loaded.returncode == 0, loaded.stderr
    for data in datas:  # each crawl archived (or found archived) every report
        assert {row["sha256"] for row in journal_rows(data, "select sha256 from sources")} == REPORTS
    return bucket, datas[0]


def test_two_crawls_at_once_leave_one_object_per_original_each_hashing_to_its_key(seaweedfs, crawled):
    bucket, data = crawled
    objects = bucket_objects(seaweedfs, bucket)
    assert sorted(objects) == sorted(key_of(sha) for sha in REPORTS)
    assert all(sha256_of(body) == key.rsplit("/", 1)[1][:64] for key, body in objects.items())
    assert not (data / "archive").exists()  # nothing went to the folder


def test_the_loader_extracts_what_the_store_holds(crawled):
    _, data = crawled
    documents = reports_tuples(data, "select sha256, format, size, extract_error, title from documents")
    assert {row[0] for row in documents} == REPORTS
    assert all(row[1] == "pdf" and row[2] > 0 and row[3] is None and row[4] for row in documents)


def test_the_site_serves_originals_and_crops_from_the_store(crawled):
    _, data = crawled
    ds = DataDir(data).datasette()
    for report in MANIFEST["reports"]:
        response = asyncio.run(ds.client.get(f"/-/files/{report['sha256']}"))
        assert response.status_code == 200
        assert response.content == (SITE / report["url"].lstrip("/")).read_bytes()
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-length"] == str(len(response.content))
        assert response.headers["content-disposition"].startswith('inline; filename="W0')
        assert "content-security-policy" not in response.headers  # a document, not a web page
    assert asyncio.run(ds.client.get("/-/files/" + "0" * 64)).status_code == 404
    (sha, page, *box), = reports_tuples(
        data, "select sha256, page, x0, top, x1, bottom from report_stats where x0 is not null limit 1")
    from website.views.crops import crop_url

    crop = asyncio.run(ds.client.get(crop_url(sha, page, box)))
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")


def test_verify_repair_mends_a_damaged_and_a_lost_object_in_the_store(seaweedfs, crawled, portal):
    bucket, data = crawled
    damaged, lost, _ = sorted(REPORTS)
    client = seaweedfs.client()
    original = client.get_object(Bucket=bucket, Key=key_of(damaged))["Body"].read()
    client.put_object(Bucket=bucket, Key=key_of(damaged), Body=original[:-10] + b"0123456789")
    client.delete_object(Bucket=bucket, Key=key_of(lost))
    checked = nianbao("verify", data)
    assert checked.returncode == 1
    assert f"FAILED {damaged}: s3://{bucket}/{key_of(damaged)}: content hashes to " in checked.stdout
    assert f"FAILED {lost}: listed in documents but missing from the archive" in checked.stdout
    repaired = nianbao("verify", data, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"REPAIRED {damaged}" in repaired.stdout and f"REPAIRED {lost}" in repaired.stdout
    objects = bucket_objects(seaweedfs, bucket)
    assert sorted(objects) == sorted(key_of(sha) for sha in REPORTS)
    assert all(sha256_of(body) == key.rsplit("/", 1)[1][:64] for key, body in objects.items())
    assert nianbao("verify", data).returncode == 0
