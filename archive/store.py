"""The on-disk store: ``ARCHIVE/ab/cd/<sha256><ext>``, one read-only file per object."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from .sniff import sniff

CHUNK = 1024 * 1024
HEX = frozenset("0123456789abcdef")


class ArchiveError(Exception):
    """The archive cannot store or read an object (disk full, read-only, bad name)."""


@dataclass(frozen=True)
class PutResult:
    sha256: str
    path: Path
    size: int
    created: bool  # False when the object was already archived


def is_sha256(value: str) -> bool:
    return len(value) == 64 and set(value) <= HEX


class Archive:
    """A content-addressed directory of originals.

    >>> archive = Archive("data/archive")
    >>> result = archive.put_bytes(b"%PDF-1.7 ...")
    >>> archive.path_for(result.sha256)
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _dir_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4]

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
                    if is_sha256(path.name[:64]) and not path.name.startswith("."):
                        yield path

    def put_bytes(self, data: bytes, filename: str | None = None) -> PutResult:
        """Archive ``data``; a no-op (``created=False``) when the same bytes are there."""
        sha256 = hashlib.sha256(data).hexdigest()
        existing = self.path_for(sha256)
        if existing is not None:
            return PutResult(sha256, existing, len(data), False)
        extension = sniff(data, filename).extension
        return self._write(sha256, extension, [data])

    def put_stream(self, stream: BinaryIO, filename: str | None = None) -> PutResult:
        """Archive a file object without holding it all in memory."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        head = b""
        size = 0
        try:
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-", delete=False) as tmp:
                tmp_path = Path(tmp.name)
                while chunk := stream.read(CHUNK):
                    if len(head) < 65536:
                        head += chunk[: 65536 - len(head)]
                    digest.update(chunk)
                    tmp.write(chunk)
                    size += len(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
        except OSError as error:
            _unlink_quietly(locals().get("tmp_path"))
            raise ArchiveError(f"cannot write to archive {self.root}: {error.strerror or error}") from error
        sha256 = digest.hexdigest()
        existing = self.path_for(sha256)
        if existing is not None:
            tmp_path.unlink()
            return PutResult(sha256, existing, size, False)
        return self._install(tmp_path, sha256, sniff(head, filename).extension, size)

    def _write(self, sha256: str, extension: str, chunks: list[bytes]) -> PutResult:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp_path = None
        try:
            fd, name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
            tmp_path = Path(name)
            size = 0
            with os.fdopen(fd, "wb") as tmp:
                for chunk in chunks:
                    tmp.write(chunk)
                    size += len(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
        except OSError as error:
            _unlink_quietly(tmp_path)
            raise ArchiveError(f"cannot write to archive {self.root}: {error.strerror or error}") from error
        return self._install(tmp_path, sha256, extension, size)

    def _install(self, tmp_path: Path, sha256: str, extension: str, size: int) -> PutResult:
        """Move a fsynced temp file to its final name, atomically, then make it read-only."""
        folder = self._dir_for(sha256)
        final = folder / f"{sha256}{extension}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_path, 0o444)
            # link() fails rather than replacing, so an object is never overwritten.
            try:
                os.link(tmp_path, final)
            except FileExistsError:
                pass
            tmp_path.unlink()
            _fsync_dir(folder)
        except OSError as error:
            _unlink_quietly(tmp_path)
            raise ArchiveError(f"cannot write to archive {self.root}: {error.strerror or error}") from error
        return PutResult(sha256, final, size, True)

    def restore(self, sha256: str, data: bytes) -> Path:
        """Replace a damaged object with ``data``, which must hash to ``sha256``.

        The one case where an object file is replaced: its bytes no longer match
        its name, and these do. The swap is atomic, as every write here is.
        """
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ArchiveError(f"refusing to restore {sha256}: the new bytes hash differently")
        damaged = self.path_for(sha256)
        extension = damaged.suffix if damaged is not None else sniff(data).extension
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            fd, name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(name, 0o444)
            folder = self._dir_for(sha256)
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / f"{sha256}{extension}"
            os.replace(name, final)
            _fsync_dir(folder)
        except OSError as error:
            _unlink_quietly(Path(name) if "name" in locals() else None)
            raise ArchiveError(f"cannot write to archive {self.root}: {error.strerror or error}") from error
        return final

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
