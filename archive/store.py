"""The on-disk store: ``ARCHIVE/ab/cd/<sha256><ext>``, one read-only file per object."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from .sniff import sniff

CHUNK = 1024 * 1024
HEAD_BYTES = 65536  # what sniffing a streamed object looks at
HEX = frozenset("0123456789abcdef")


class ArchiveError(Exception):
    """The archive cannot store or read an object (disk full, read-only, bad name, unreachable store)."""


class MissingObject(ArchiveError):
    """No object of that sha256 is archived."""


@dataclass(frozen=True)
class PutResult:
    sha256: str
    path: Path | None  # the object's file; None in an object store
    size: int
    created: bool  # False when the object was already archived
    location: str = ""  # where it is: the file, or s3://bucket/key


@dataclass(frozen=True)
class ArchivedObject:
    """One archived original: its sha256, its name (``<sha256><ext>``, the extension sniffed) and size."""

    sha256: str
    name: str
    size: int


def is_sha256(value: str) -> bool:
    return len(value) == 64 and set(value) <= HEX


def is_object_name(name: str) -> bool:
    """``<sha256>`` or ``<sha256>.<ext>``: what the archive names an object."""
    return is_sha256(name[:64]) and name[64:65] in ("", ".")


def sha256_of(original: "str | ArchivedObject") -> str:
    return original.sha256 if isinstance(original, ArchivedObject) else original


def shard(sha256: str) -> str:
    """The two folders an object lives in: ``ab/cd``."""
    return f"{sha256[:2]}/{sha256[2:4]}"


class Archive:
    """A content-addressed directory of originals.

    >>> archive = Archive("data/archive")
    >>> result = archive.put_bytes(b"%PDF-1.7 ...")
    >>> archive.path_for(result.sha256)
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"Archive({str(self.root)!r})"

    @property
    def location(self) -> str:
        return str(self.root)

    def check(self) -> None:
        """Nothing to check ahead: a folder is made on the first put, and errors come then."""

    def exists(self) -> bool:
        return self.root.is_dir()

    def _dir_for(self, sha256: str) -> Path:
        return self.root / shard(sha256)

    def path_for(self, sha256: str) -> Path | None:
        """The file holding ``sha256``, or None when it is not archived."""
        if not is_sha256(sha256):
            return None
        folder = self._dir_for(sha256)
        try:
            for entry in os.scandir(folder):
                if entry.name.startswith(sha256) and entry.name[64:65] in ("", "."):
                    return Path(entry.path)
        except FileNotFoundError:
            return None
        return None

    def find(self, sha256: str) -> ArchivedObject | None:
        path = self.path_for(sha256)
        return None if path is None else ArchivedObject(sha256, path.name, path.stat().st_size)

    def objects(self) -> Iterator[ArchivedObject]:
        """Every archived object, in sha256 order."""
        for path in self.paths():
            yield ArchivedObject(path.name[:64], path.name, path.stat().st_size)

    def open(self, original: "str | ArchivedObject") -> BinaryIO:
        """The object's bytes (a sha256, or an object ``find`` gave) as a file to read; MissingObject when absent."""
        try:
            return open(self._existing(original), "rb")
        except FileNotFoundError:
            raise MissingObject(f"{sha256_of(original)} is not in the archive {self.root}") from None

    def read(self, original: "str | ArchivedObject") -> bytes:
        with self.open(original) as handle:
            return handle.read()

    @contextmanager
    def local_path(self, original: "str | ArchivedObject") -> Iterator[Path]:
        """A file on this machine holding the object, for as long as the block runs: here, its own file."""
        yield self._existing(original)

    def _existing(self, original: "str | ArchivedObject") -> Path:
        if isinstance(original, ArchivedObject):
            return self._dir_for(original.sha256) / original.name
        path = self.path_for(original)
        if path is None:
            raise MissingObject(f"{original} is not in the archive {self.root}")
        return path

    def __contains__(self, sha256: str) -> bool:
        return self.path_for(sha256) is not None

    def __iter__(self) -> Iterator[str]:
        """Every archived sha256, in sorted order."""
        for path in self.paths():
            yield path.name[:64]

    def paths(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not (first.is_dir() and len(first.name) == 2):
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for path in sorted(second.iterdir()):
                    if is_object_name(path.name):
                        yield path

    def put_bytes(self, data: bytes, filename: str | None = None) -> PutResult:
        """Archive ``data``; a no-op (``created=False``) when the same bytes are there."""
        sha256 = hashlib.sha256(data).hexdigest()
        existing = self.path_for(sha256)
        if existing is not None:
            return PutResult(sha256, existing, len(data), False, str(existing))
        tmp_path, size = self._write_temp([data])
        return self._install(tmp_path, sha256, sniff(data, filename).extension, size)

    def put_stream(self, stream: BinaryIO, filename: str | None = None) -> PutResult:
        """Archive a file object without holding it all in memory."""
        digest = _Digest()
        tmp_path, size = self._write_temp(iter(lambda: stream.read(CHUNK), b""), digest)
        sha256 = digest.hexdigest()
        existing = self.path_for(sha256)
        if existing is not None:
            tmp_path.unlink()
            return PutResult(sha256, existing, size, False, str(existing))
        return self._install(tmp_path, sha256, sniff(digest.head, filename).extension, size)

    def _write_temp(self, chunks: Iterable[bytes], digest: "_Digest | None" = None) -> tuple[Path, int]:
        """Write ``chunks`` to a read-only, fsynced ``.incoming-*`` file (feeding ``digest``); returns it and its size."""
        self.root.mkdir(parents=True, exist_ok=True)
        size = 0
        tmp_path = None
        try:
            fd, name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
            tmp_path = Path(name)
            with os.fdopen(fd, "wb") as tmp:
                for chunk in chunks:
                    if digest is not None:
                        digest.update(chunk)
                    tmp.write(chunk)
                    size += len(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_path, 0o444)
        except OSError as error:
            _unlink_quietly(tmp_path)
            raise ArchiveError(f"cannot write to archive {self.root}: {error.strerror or error}") from error
        return tmp_path, size

    def _install(self, tmp_path: Path, sha256: str, extension: str, size: int, replace: bool = False) -> PutResult:
        """Give a written temp file its final name, atomically.

        ``link()`` fails rather than replacing, so an object is never overwritten;
        only ``restore`` (``replace=True``) swaps in bytes for a damaged object.
        """
        folder = self._dir_for(sha256)
        final = folder / f"{sha256}{extension}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if replace:
                os.replace(tmp_path, final)
            else:
                try:
                    os.link(tmp_path, final)
                except FileExistsError:
                    pass
                tmp_path.unlink()
            _fsync_dir(folder)
        except OSError as error:
            _unlink_quietly(tmp_path)
            raise ArchiveError(f"cannot write to archive {self.root}: {error.strerror or error}") from error
        return PutResult(sha256, final, size, True, str(final))

    def restore(self, sha256: str, data: bytes) -> Path:
        """Replace a damaged object with ``data``, which must hash to ``sha256``.

        The one case where an object file is replaced: its bytes no longer match
        its name, and these do. The swap is atomic, as every write here is.
        """
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ArchiveError(f"refusing to restore {sha256}: the new bytes hash differently")
        damaged = self.path_for(sha256)
        extension = damaged.suffix if damaged is not None else sniff(data).extension
        tmp_path, size = self._write_temp([data])
        return self._install(tmp_path, sha256, extension, size, replace=True).path

    def hash_file(self, path: Path) -> str:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def verify(self) -> Iterator[tuple[str, Path, str | None]]:
        """Re-hash every object: yields ``(sha256, path, problem)``, problem None when sound."""
        for path in self.paths():
            expected = path.name[:64]
            try:
                actual = self.hash_file(path)
            except OSError as error:
                yield expected, path, f"unreadable: {error.strerror or error}"
                continue
            if actual != expected:
                yield expected, path, f"content hashes to {actual}"
            else:
                yield expected, path, None

    def clean_incoming(self) -> int:
        """Remove temp files left by a killed writer; returns how many."""
        removed = 0
        if self.root.is_dir():
            for leftover in self.root.glob(".incoming-*"):
                _unlink_quietly(leftover)
                removed += 1
        return removed


class _Digest:
    """sha256 of a stream being written, and its first bytes for sniffing."""

    def __init__(self):
        self._sha256 = hashlib.sha256()
        self.head = b""

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: Path | None) -> None:
    if path is None:
        return
    try:
        path.unlink()
    except OSError:
        pass
