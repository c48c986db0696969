"""Which archive a DATA directory uses: ``DATA/archive/`` (the default), or an object store.

``DATA/archive.yml``, when present, moves the archive to an S3-compatible store::

    url: s3://nianbao-originals/archive     # bucket, then an optional key prefix
    endpoint_url: http://127.0.0.1:8333     # optional: a store other than AWS (SeaweedFS, MinIO…)
    region: us-east-1                       # optional
    profile: nianbao                        # optional: a profile of ~/.aws/config

Credentials never go in the file: boto3's standard chain finds them (AWS_ACCESS_KEY_ID
and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/credentials, an instance role).
``open_archive`` is the one place that decides; every stage opens its archive through it.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol
from urllib.parse import urlsplit

from .store import Archive, ArchivedObject, ArchiveError, PutResult

CONFIG_NAME = "archive.yml"
KEYS = {"url", "endpoint_url", "region", "profile"}


class Originals(Protocol):
    """What every stage may ask of an archive, whichever backend holds it."""

    location: str  # the folder, or s3://bucket/prefix (for messages)

    def check(self) -> None: ...  # raise ArchiveError now when the archive cannot be used
    def exists(self) -> bool: ...
    def put_bytes(self, data: bytes, filename: str | None = None) -> PutResult: ...  # put-if-absent
    def put_stream(self, stream: BinaryIO, filename: str | None = None) -> PutResult: ...
    def find(self, sha256: str) -> ArchivedObject | None: ...
    def __contains__(self, sha256: str) -> bool: ...
    def objects(self) -> Iterator[ArchivedObject]: ...  # in sha256 order
    # Reading takes a sha256, or an object find() or objects() gave (no second look-up).
    def open(self, original: str | ArchivedObject) -> BinaryIO: ...  # MissingObject when absent
    def read(self, original: str | ArchivedObject) -> bytes: ...
    def local_path(self, original: str | ArchivedObject) -> AbstractContextManager[Path]: ...  # a file here, for a block
    def verify(self) -> Iterator[tuple[str, object, str | None]]: ...  # (sha256, where, problem or None)
    def restore(self, sha256: str, data: bytes) -> object: ...  # the one overwrite: bytes hashing to sha256
    def clean_incoming(self) -> int: ...


def open_archive(data_dir: str | os.PathLike) -> Originals:
    """The archive of ``data_dir``: as ``DATA/archive.yml`` says, else the folder ``DATA/archive``.

    Raises ArchiveError (one line) for a configuration that cannot be right; whether the
    store answers is only known when it is used (``check()`` asks at once).
    """
    data_dir = Path(data_dir)
    config_path = data_dir / CONFIG_NAME
    if not config_path.is_file():
        return Archive(data_dir / "archive")
    return archive_from_config(read_config(config_path), str(config_path))


def read_config(path: Path) -> dict:
    import yaml

    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ArchiveError(f"{path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise ArchiveError(f"{path}: not valid YAML{line}") from None
    if not isinstance(config, dict):
        raise ArchiveError(f"{path}: expected a mapping with url: s3://bucket/prefix")
    return config


def archive_from_config(config: dict, label: str = CONFIG_NAME) -> Originals:
    unknown = sorted(set(config) - KEYS)
    if unknown:
        raise ArchiveError(f"{label}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    for key, value in config.items():
        if value is not None and not isinstance(value, str):
            raise ArchiveError(f"{label}: {key} must be a string")
    url = urlsplit(config.get("url") or "")
    if url.scheme != "s3" or not url.netloc:
        raise ArchiveError(f"{label}: url must be s3://bucket/prefix, not {config.get('url')!r}")
    endpoint = config.get("endpoint_url")
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ArchiveError(f"{label}: endpoint_url must be an http:// or https:// URL, not {endpoint!r}")
    from .s3 import S3Archive

    return S3Archive(
        url.netloc, url.path, endpoint_url=endpoint or None, region=config.get("region"), profile=config.get("profile")
    )
