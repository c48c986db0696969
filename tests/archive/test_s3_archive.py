"""The archive in an S3-compatible store (a real SeaweedFS): the folder's promises, kept by conditional writes."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading

import pytest
from botocore.exceptions import ClientError

from archive import Archive, ArchiveError, MissingObject, open_archive
from archive.s3 import S3Archive
from tests.support import free_port, nianbao, sha256_of, write_portals

PDF = b"%PDF-1.7\n...a report..."


@pytest.fixture
def bucket(seaweedfs):
    return seaweedfs.new_bucket()


@pytest.fixture
def store(seaweedfs, s3_env, bucket) -> S3Archive:
    return S3Archive(bucket, "originals", endpoint_url=seaweedfs.endpoint, region="us-east-1")


def keys(seaweedfs, bucket: str) -> list[str]:
    listed = seaweedfs.client().list_objects_v2(Bucket=bucket)
    return [entry["Key"] for entry in listed.get("Contents", [])]


def body_of(seaweedfs, bucket: str, key: str) -> bytes:
    return seaweedfs.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def test_objects_are_keyed_like_the_folder_and_carry_their_sha256(seaweedfs, bucket, store):
    result = store.put_bytes(PDF, filename="misleading.docx")
    sha = hashlib.sha256(PDF).hexdigest()
    key = f"originals/{sha[:2]}/{sha[2:4]}/{sha}.pdf"
    assert (result.sha256, result.created, result.size, result.path) == (sha, True, len(PDF), None)
    assert result.location == f"s3://{bucket}/{key}"
    assert keys(seaweedfs, bucket) == [key]
    head = seaweedfs.client().head_object(Bucket=bucket, Key=key)
    assert head["Metadata"] == {"sha256": sha} and head["ContentType"] == "application/pdf"
    assert store.find(sha).name == f"{sha}.pdf" and sha in store and list(store) == [sha]
    assert store.read(sha) == PDF
    with store.open(sha) as stream:
        assert stream.read() == PDF
    with store.local_path(sha) as path:
        assert path.name == f"{sha}.pdf" and path.read_bytes() == PDF
    assert not path.exists()


def test_the_same_bytes_are_one_object_never_rewritten(seaweedfs, bucket, store):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    first = store.put_bytes(ole2, filename="report.doc")
    again = store.put_bytes(ole2, filename="report.wps")  # would sniff as .wps: still the .doc object
    streamed = store.put_stream(io.BytesIO(ole2))
    assert first.created and not again.created and not streamed.created
    assert again.location == first.location == streamed.location
    assert len(keys(seaweedfs, bucket)) == 1


def test_put_stream_matches_put_bytes(store):
    data = PDF * 50000  # a few MB
    streamed = store.put_stream(io.BytesIO(data), filename="x.pdf")
    assert streamed.created and streamed.sha256 == hashlib.sha256(data).hexdigest()
    assert not store.put_bytes(data).created
    assert store.read(streamed.sha256) == data


def test_concurrent_puts_of_the_same_bytes_make_one_object(seaweedfs, bucket, s3_env):
    """Eight writers (each its own client, as crawlers on other machines) put the same bytes at once, 3 times."""
    archives = [S3Archive(bucket, "many", endpoint_url=seaweedfs.endpoint) for _ in range(8)]
    for archive in archives:
        archive.check()  # every client connected before the races start
    for round_ in range(3):
        data = PDF + bytes([round_]) * (512 * 1024)  # large enough for the PUTs to overlap
        start, results = threading.Barrier(len(archives)), []

        def put(archive):
            start.wait()
            results.append(archive.put_bytes(data))

        threads = [threading.Thread(target=put, args=(archive,)) for archive in archives]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 8 and sum(result.created for result in results) == 1
    objects = keys(seaweedfs, bucket)
    assert len(objects) == 3
    assert all(sha256_of(body_of(seaweedfs, bucket, key)) == key.rsplit("/", 1)[1][:64] for key in objects)


def test_the_server_honours_the_conditions_the_archive_relies_on(seaweedfs, bucket):
    """What the promises rest on, measured: If-None-Match: * refuses a second write (412), and a
    PUT whose x-amz-checksum-sha256 does not match its bytes is refused and leaves nothing."""
    client = seaweedfs.client()
    client.put_object(Bucket=bucket, Key="k", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as refused:
        client.put_object(Bucket=bucket, Key="k", Body=b"second", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert body_of(seaweedfs, bucket, "k") == b"first"
    wrong = base64.b64encode(hashlib.sha256(b"other bytes").digest()).decode()
    with pytest.raises(ClientError) as damaged:
        client.put_object(Bucket=bucket, Key="d", Body=b"bytes", ChecksumSHA256=wrong)
    assert damaged.value.response["Error"]["Code"] == "BadDigest"
    assert keys(seaweedfs, bucket) == ["k"]


def test_verify_finds_a_damaged_object_and_restore_mends_it(seaweedfs, bucket, store):
    good, bad = store.put_bytes(b"%PDF-1.4 good object"), store.put_bytes(b"%PDF-1.4 object to damage")
    key = bad.location.split(f"s3://{bucket}/", 1)[1]
    seaweedfs.client().put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.4 object to damagE")
    problems = {sha: (where, problem) for sha, where, problem in store.verify()}
    assert problems[good.sha256] == (good.location, None)
    assert problems[bad.sha256][1].startswith("content hashes to ")
    with pytest.raises(ArchiveError, match="hash differently"):
        store.restore(bad.sha256, b"%PDF-1.4 something else")
    assert store.restore(bad.sha256, b"%PDF-1.4 object to damage") == bad.location
    assert all(problem is None for _, _, problem in store.verify())
    assert len(keys(seaweedfs, bucket)) == 2


def test_missing_objects_and_foreign_keys(seaweedfs, bucket, store):
    seaweedfs.client().put_object(Bucket=bucket, Key="originals/README.txt", Body=b"not an original")
    seaweedfs.client().put_object(Bucket=bucket, Key="elsewhere/" + "a" * 64 + ".pdf", Body=b"another prefix")
    assert list(store.objects()) == []
    assert store.find("0" * 64) is None and store.find("../../etc/passwd") is None
    with pytest.raises(MissingObject):
        store.read("0" * 64)
    with pytest.raises(MissingObject), store.local_path("0" * 64):
        pass


def test_no_config_means_the_folder(tmp_path):
    archive = open_archive(tmp_path)
    assert isinstance(archive, Archive) and archive.root == tmp_path / "archive"


@pytest.mark.parametrize("text,message", [
    ("url: /srv/archive\n", "url must be s3://bucket/prefix"),
    ("url: s3://b/p\nendpoint: http://x\n", "unknown key 'endpoint'"),
    ("url: [s3://b\n", "not valid YAML"),
    ("url: s3://b/p\nendpoint_url: 127.0.0.1:8333\n", "endpoint_url must be an http"),
])
def test_bad_configuration_is_one_line(tmp_path, text, message):
    (tmp_path / "archive.yml").write_text(text)
    with pytest.raises(ArchiveError, match=message):
        open_archive(tmp_path)


def test_an_unusable_store_is_one_line_before_anything_is_written(seaweedfs, bucket, tmp_path, s3_env, monkeypatch):
    (tmp_path / "archive.yml").write_text(f"url: s3://{bucket}/x\nendpoint_url: http://127.0.0.1:{free_port()}\n")
    with pytest.raises(ArchiveError, match="cannot reach http://127.0.0.1"):
        open_archive(tmp_path).check()
    seaweedfs.archive_config(tmp_path, "no-such-bucket")
    with pytest.raises(ArchiveError, match="no such bucket 'no-such-bucket'"):
        open_archive(tmp_path).check()
    seaweedfs.archive_config(tmp_path, bucket)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(ArchiveError, match="access denied"):
        open_archive(tmp_path).put_bytes(PDF)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(ArchiveError, match="no S3 credentials"):
        open_archive(tmp_path).check()
    assert keys(seaweedfs, bucket) == []


def test_the_command_line_says_what_is_wrong_in_one_line(seaweedfs, tmp_path, s3_env):
    data = tmp_path / "data"
    seaweedfs.archive_config(data, "no-such-bucket")
    portals = write_portals(tmp_path / "portals.yml", [{"id": "p", "start_urls": ["http://127.0.0.1:9/"]}])
    for command in (["verify", data], ["load", data], ["crawl", portals, "--data", data, "--no-load"]):
        finished = nianbao(*command, env={**os.environ, **s3_env})
        assert finished.returncode == 2, finished.stderr
        assert finished.stderr.strip().splitlines() == [
            "nianbao: error: s3://no-such-bucket/originals: no such bucket 'no-such-bucket' (create it first)"
        ]
    assert not (data / "journal.db").exists()  # the crawl stopped before it began
