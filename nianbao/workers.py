"""Run a function over many inputs, each call in its own forked child process.

Extraction reads files from the open web: a pathological PDF can loop for
minutes or eat all memory. Each call therefore runs in a fresh child with a time
limit and an address-space limit; a child that overruns is killed and reported
as an error, and the run goes on. Forking is cheap next to parsing a PDF, and
children start with everything the parent already imported.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator

DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 3072


@dataclass
class Outcome:
    """What one call gave: ``value`` on success, else ``error`` (one line)."""

    item: Any
    value: Any = None
    error: str | None = None
    seconds: float = 0.0


def _child(func, item, conn, memory_mb) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        payload = ("ok", func(item))
    except MemoryError:
        payload = ("error", f"out of memory (limit {memory_mb} MB)")
    except BaseException as error:  # noqa: BLE001 - report any failure as data
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        payload = ("error", message)
    try:
        conn.send_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        conn.close()
        os._exit(0)


def run_isolated(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
) -> Iterator[Outcome]:
    """Yield an Outcome per item, in completion order, ``workers`` children at a time."""
    context = multiprocessing.get_context("fork")
    workers = max(1, workers or os.cpu_count() or 1)
    pending = iter(items)
    running: dict[Any, tuple] = {}  # reader connection -> (process, item, started)

    def start(item) -> None:
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(func, item, writer, memory_mb), daemon=True)
        process.start()
        writer.close()
        running[reader] = (process, item, time.monotonic())

    try:
        for item in pending:
            start(item)
            if len(running) >= workers:
                break
        while running:
            now = time.monotonic()
            next_deadline = min(started + timeout for _, _, started in running.values())
            ready = wait(list(running), timeout=max(0.0, next_deadline - now))
            finished: list[Outcome] = []
            for reader in ready:
                process, item, started = running.pop(reader)
                finished.append(_collect(reader, process, item, started))
            now = time.monotonic()
            for reader, (process, item, started) in list(running.items()):
                if now - started >= timeout:
                    running.pop(reader)
                    process.kill()
                    process.join()
                    reader.close()
                    finished.append(Outcome(item, error=f"timed out after {timeout:g} s", seconds=now - started))
            for outcome in finished:
                next_item = next(pending, _DONE)
                if next_item is not _DONE:
                    start(next_item)
                yield outcome
    finally:
        for reader, (process, _, _) in running.items():
            process.kill()
            process.join()
            reader.close()


_DONE = object()


def _collect(reader, process, item, started) -> Outcome:
    try:
        payload = pickle.loads(reader.recv_bytes())
    except (EOFError, OSError, pickle.UnpicklingError):
        payload = None
    finally:
        reader.close()
    process.join()
    seconds = time.monotonic() - started
    if payload is None:
        code = process.exitcode
        reason = f"killed by signal {-code}" if code and code < 0 else f"exited with code {code}"
        return Outcome(item, error=f"extraction process {reason}", seconds=seconds)
    if payload[0] == "ok":
        return Outcome(item, value=payload[1], seconds=seconds)
    return Outcome(item, error=payload[1], seconds=seconds)
