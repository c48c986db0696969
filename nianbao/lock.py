"""One writer per DATA directory: a crawl, a load or a repair holds ``DATA/.lock``.

The lock is an ``flock`` on the file, so it disappears with its process,
even after ``kill -9``; the file only records who held it last.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockedError(Exception):
    """Another process is writing to the same DATA directory."""


class DataLock:
    def __init__(self, data_dir: str | Path, wait: bool = False):
        self.path = Path(data_dir) / ".lock"
        self.wait = wait
        self._handle = None

    def __enter__(self) -> "DataLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if self.wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LockedError(f"{self.path.parent} is in use by {holder}; try again when it has finished") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
