"""The archive in an S3-compatible object store: ``s3://BUCKET/PREFIX/ab/cd/<sha256><ext>``.

The same promises as the folder (``archive.store``), kept by the store itself:

- an object is written with one conditional PUT (``If-None-Match: *``): the store
  creates it only when no object has that key, so two crawlers putting the same
  bytes at once make one object, and nothing is ever overwritten (a 412 means the
  object is there already, i.e. ``created=False``);
- the PUT carries the bytes' SHA-256 (``x-amz-checksum-sha256``): the store refuses
  bytes damaged on the way (400 BadDigest) and keeps no object then; the sha256 is
  in the object's metadata too (``x-amz-meta-sha256``);
- ``restore`` is the one overwrite: a damaged object replaced by bytes that hash to its name.

An interrupted PUT leaves nothing behind (S3 makes an object visible whole or not at
all), so there are no temp objects to clean. Credentials come from boto3's standard
chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, ~/.aws, an
instance role). boto3 is imported on first use: the local archive never loads it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import threading
from contextlib import closing, contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .sniff import by_extension, sniff
from .store import CHUNK, ArchivedObject, ArchiveError, MissingObject, PutResult, _Digest, is_object_name, is_sha256, shard

MAX_PUT = 5 * 1024**3  # the largest object one PUT may write (S3's limit)
CONFLICT_RETRIES = 5  # a 409 ConditionalRequestConflict: another conditional write was in flight


class S3Archive:
    """A content-addressed archive of originals in one bucket, under ``prefix``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.region = region
        self.profile = profile
        self._client = None
        self._client_pid = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Archive({self.location!r})"

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    # --- the connection ---------------------------------------------------------------

    @property
    def client(self):
        """A boto3 client, one per process: a forked child (the loader's extraction
        workers, the crawl process) makes its own rather than share the parent's sockets."""
        with self._client_lock:
            if self._client is None or self._client_pid != os.getpid():
                with self._errors("connect"):
                    import boto3
                    from botocore.config import Config

                    session = boto3.session.Session(profile_name=self.profile)
                    self._client = session.client(
                        "s3",
                        endpoint_url=self.endpoint_url,
                        region_name=self.region,
                        config=Config(
                            connect_timeout=5,
                            read_timeout=60,
                            retries={"max_attempts": 3, "mode": "standard"},
                            max_pool_connections=32,
                        ),
                    )
                self._client_pid = os.getpid()
            return self._client

    @contextmanager
    def _errors(self, action: str):
        """botocore's exceptions as ArchiveError with one line saying what went wrong."""
        from botocore import exceptions

        try:
            yield
        except ArchiveError:
            raise
        except exceptions.ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchBucket",) or (action == "check" and status == 404):
                raise ArchiveError(f"{self.location}: no such bucket {self.bucket!r} (create it first)") from None
            if status == 403 or code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise ArchiveError(f"{self.location}: access denied ({code or status}): check the S3 credentials") from None
            message = error.response.get("Error", {}).get("Message") or str(error)
            raise ArchiveError(f"{self.location}: cannot {action}: {code or status} {message}".rstrip()) from None
        except exceptions.NoCredentialsError:
            raise ArchiveError(
                f"{self.location}: no S3 credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)"
            ) from None
        except (exceptions.EndpointConnectionError, exceptions.ConnectTimeoutError) as error:
            raise ArchiveError(f"{self.location}: cannot reach {self.endpoint_url or 'S3'}: {error}") from None
        except exceptions.BotoCoreError as error:
            raise ArchiveError(f"{self.location}: cannot {action}: {error}") from None

    def check(self) -> None:
        """Fail now, with one line, when the store is unreachable, the bucket missing or the credentials refused."""
        with self._errors("check"):
            self.client.head_bucket(Bucket=self.bucket)

    def exists(self) -> bool:
        self.check()
        return True

    # --- names ------------------------------------------------------------------------

    def _folder(self, sha256: str) -> str:
        return f"{self.prefix}/{shard(sha256)}/" if self.prefix else f"{shard(sha256)}/"

    def _key(self, original: ArchivedObject) -> str:
        return self._folder(original.sha256) + original.name

    def _url(self, original: ArchivedObject) -> str:
        return f"s3://{self.bucket}/{self._key(original)}"

    def _object(self, key: str, size: int) -> ArchivedObject | None:
        """The archived object a listed key is, or None for a key that is none of ours."""
        name = key.rpartition("/")[2]
        if not is_object_name(name) or key != self._folder(name[:64]) + name:
            return None
        return ArchivedObject(name[:64], name, size)

    def find(self, sha256: str) -> ArchivedObject | None:
        if not is_sha256(sha256):
            return None
        with self._errors("list"):
            listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._folder(sha256) + sha256, MaxKeys=10)
        for entry in listed.get("Contents", []):
            found = self._object(entry["Key"], entry["Size"])
            if found is not None and found.sha256 == sha256:
                return found
        return None

    def __contains__(self, sha256: str) -> bool:
        return self.find(sha256) is not None

    def __iter__(self) -> Iterator[str]:
        for original in self.objects():
            yield original.sha256

    def objects(self) -> Iterator[ArchivedObject]:
        """Every archived object, in sha256 order (S3 lists keys in order, and the key starts with it)."""
        paginator = self.client.get_paginator("list_objects_v2")
        with self._errors("list"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else ""):
                for entry in page.get("Contents", []):
                    found = self._object(entry["Key"], entry["Size"])
                    if found is not None:
                        yield found

    # --- writing ----------------------------------------------------------------------

    def put_bytes(self, data: bytes, filename: str | None = None) -> PutResult:
        """Archive ``data``; a no-op (``created=False``) when the same bytes are there."""
        digest = hashlib.sha256(data)
        return self._put(digest.hexdigest(), digest.digest(), data, len(data), sniff(data, filename).extension)

    def put_stream(self, stream: BinaryIO, filename: str | None = None) -> PutResult:
        """Archive a file object without holding it in memory: spooled to a temp file while hashed, then one PUT."""
        digest = _Digest()
        with tempfile.TemporaryFile(prefix="nianbao-put-") as spool:
            size = 0
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
            spool.seek(0)
            raw = bytes.fromhex(digest.hexdigest())
            return self._put(digest.hexdigest(), raw, spool, size, sniff(digest.head, filename).extension)

    def _put(self, sha256: str, raw_digest: bytes, body, size: int, extension: str) -> PutResult:
        existing = self.find(sha256)  # the same bytes under another extension (.doc / .wps) are the same object
        if existing is not None:
            return PutResult(sha256, None, size, False, self._url(existing))
        if size > MAX_PUT:
            raise ArchiveError(f"{self.location}: {sha256} is {size} bytes, more than one PUT may write")
        original = ArchivedObject(sha256, f"{sha256}{extension}", size)
        created = self._write(original, raw_digest, body, conditional=True)
        return PutResult(sha256, None, size, created, self._url(original))

    def _write(self, original: ArchivedObject, raw_digest: bytes, body, conditional: bool) -> bool:
        """One PUT of the object's bytes, checked by the store against their SHA-256.

        ``conditional``: only if no object has the key; False when one has (412).
        """
        from botocore.exceptions import ClientError

        options = {"IfNoneMatch": "*"} if conditional else {}
        for _ in range(CONFLICT_RETRIES):
            if hasattr(body, "seek"):
                body.seek(0)
            try:
                with self._errors("write"):
                    try:
                        self.client.put_object(
                            Bucket=self.bucket,
                            Key=self._key(original),
                            Body=body,
                            ContentLength=original.size,
                            ContentType=by_extension(original.name).media_type,
                            ChecksumSHA256=base64.b64encode(raw_digest).decode("ascii"),
                            Metadata={"sha256": original.sha256},
                            **options,
                        )
                    except ClientError as error:
                        code = error.response.get("Error", {}).get("Code")
                        if conditional and code == "PreconditionFailed":
                            return False
                        if conditional and code == "ConditionalRequestConflict":
                            raise _Conflict() from None
                        raise
                return True
            except _Conflict:
                continue
        raise ArchiveError(f"{self.location}: cannot write {original.sha256}: conditional writes kept conflicting")

    def restore(self, sha256: str, data: bytes) -> str:
        """Replace a damaged object with ``data``, which must hash to ``sha256``: the one overwrite."""
        digest = hashlib.sha256(data)
        if digest.hexdigest() != sha256:
            raise ArchiveError(f"refusing to restore {sha256}: the new bytes hash differently")
        damaged = self.find(sha256)
        name = damaged.name if damaged is not None else f"{sha256}{sniff(data).extension}"
        original = ArchivedObject(sha256, name, len(data))
        self._write(original, digest.digest(), data, conditional=False)
        return self._url(original)

    def clean_incoming(self) -> int:
        """Nothing to clean: a PUT that did not finish left no object."""
        return 0

    # --- reading ----------------------------------------------------------------------

    def _existing(self, original: str | ArchivedObject) -> ArchivedObject:
        """The object (a sha256 looked up, or an object ``find`` gave as it is)."""
        if isinstance(original, ArchivedObject):
            return original
        found = self.find(original)
        if found is None:
            raise MissingObject(f"{original} is not in the archive {self.location}")
        return found

    def open(self, original: str | ArchivedObject) -> BinaryIO:
        """The object's bytes as a stream to read (and close); MissingObject when absent."""
        from botocore.exceptions import ClientError

        original = self._existing(original)
        with self._errors("read"):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self._key(original))["Body"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "NoSuchKey":
                    raise MissingObject(f"{original.sha256} is not in the archive {self.location}") from None
                raise

    def read(self, original: str | ArchivedObject) -> bytes:
        with closing(self.open(original)) as body, self._errors("read"):
            return body.read()

    @contextmanager
    def local_path(self, original: str | ArchivedObject) -> Iterator[Path]:
        """The object downloaded to a temp file named like it (``<sha256><ext>``), removed after the block."""
        original = self._existing(original)
        with tempfile.TemporaryDirectory(prefix="nianbao-original-") as folder:
            path = Path(folder) / original.name
            with closing(self.open(original)) as body, open(path, "wb") as out, self._errors("read"):
                for chunk in body.iter_chunks(CHUNK):
                    out.write(chunk)
            yield path

    def verify(self) -> Iterator[tuple[str, str, str | None]]:
        """Re-hash every object as it streams: yields ``(sha256, s3 URL, problem)``, problem None when sound."""
        for original in self.objects():
            try:
                body = self.open(original)
            except MissingObject:
                yield original.sha256, self._url(original), "unreadable: deleted while verifying"
                continue
            digest = hashlib.sha256()
            with closing(body), self._errors("read"):
                for chunk in body.iter_chunks(CHUNK):
                    digest.update(chunk)
            actual = digest.hexdigest()
            problem = None if actual == original.sha256 else f"content hashes to {actual}"
            yield original.sha256, self._url(original), problem


class _Conflict(Exception):
    """A concurrent conditional write to the same key: S3 asks to try again."""
