"""Run a function over many inputs in forked child processes, each call guarded.

Extraction reads files from the open web: a pathological PDF can loop for
minutes or eat all memory. Calls therefore run in forked children with a time
limit and an address-space limit (``memory_mb`` beyond what the child inherited at the
fork); a child that overruns is killed, its call is
reported as an error, and the run goes on with a fresh child.

Children are reused: forking a child per document, and warming it up, cost as
much as extracting a short report (see README "Performance"). A child serves
up to ``tasks_per_child`` calls and is then replaced by a fresh fork; a child
whose call failed in any way (exception, timeout, memory limit, crash) is
never reused, so state a hostile file may have damaged dies with it.
``tasks_per_child=1`` gives one fresh child per call.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

DEFAULT_TIMEOUT = 300.0  # an OCRed scan takes seconds a page (README "OCR")
DEFAULT_MEMORY_MB = 3072
DEFAULT_TASKS_PER_CHILD = 50


@dataclass
class TaskResult:
    """What one call gave: ``value`` on success, else ``error`` (one line)."""

    item: Any
    value: Any = None
    error: str | None = None
    seconds: float = 0.0


def _limit_memory(memory_mb: int | None) -> None:
    """Allow the child ``memory_mb`` of address space beyond what it inherited at the fork
    (a parent with many threads or big libraries mapped must not starve its children)."""
    if memory_mb:
        limit = _address_space() + memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass


def _address_space() -> int:
    """This process's virtual address space in bytes (0 where /proc does not tell)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _call(func, item, memory_mb) -> tuple[str, Any]:
    """``("ok", value)`` or ``("error", one line)``: the child never raises."""
    try:
        return ("ok", func(item))
    except MemoryError:
        return ("error", f"out of memory (limit {memory_mb} MB)")
    except BaseException as error:  # noqa: BLE001 - report any failure as data
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return ("error", message)


def _encode(payload: tuple[str, Any]) -> bytes:
    try:
        return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # noqa: BLE001 - an unpicklable result is the call's failure
        return pickle.dumps(("error", f"result cannot be sent back: {type(error).__name__}: {error}"))


def _child_loop(func, conn: Connection, memory_mb, inherited: list[Connection]) -> None:
    """A child's life: take an item, send its payload back, until told to stop."""
    for other in inherited:  # the parent's ends of sibling children's pipes
        other.close()
    _limit_memory(memory_mb)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                break
            if not message:  # the parent's "no more work"
                break
            try:
                item = pickle.loads(message)
            except Exception as error:  # noqa: BLE001
                payload = ("error", f"item cannot be received: {error}")
            else:
                payload = _call(func, item, memory_mb)
            conn.send_bytes(_encode(payload))
            if payload[0] != "ok":
                break  # never reuse a child after a failure
    finally:
        conn.close()
        os._exit(0)


@dataclass
class _Child:
    """One forked child as the parent sees it."""

    process: Any
    conn: Connection
    item: Any = None
    started: float = 0.0
    busy: bool = False
    served: int = 0

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        """Tell an idle child to exit, and reap it."""
        try:
            self.conn.send_bytes(b"")
        except OSError:
            pass
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_isolated(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
    tasks_per_child: int = DEFAULT_TASKS_PER_CHILD,
) -> Iterator[TaskResult]:
    """Yield a TaskResult per item, in completion order, ``workers`` children at a time.

    Items and results travel through pipes, so both must pickle; ``func`` does
    not (children are forked and inherit it). ``timeout`` is per call, measured
    from when the item is handed to a child.
    """
    context = multiprocessing.get_context("fork")
    workers = max(1, workers or os.cpu_count() or 1)
    tasks_per_child = max(1, tasks_per_child)
    pending = iter(items)
    children: list[_Child] = []

    def fork() -> _Child:
        parent_end, child_end = context.Pipe(duplex=True)
        inherited = [child.conn for child in children]
        process = context.Process(target=_child_loop, args=(func, child_end, memory_mb, inherited), daemon=True)
        process.start()
        child_end.close()
        return _Child(process, parent_end)

    def dispatch(item) -> bool:
        """Hand ``item`` to an idle child (forking one if needed); False if none is free."""
        idle = next((c for c in children if not c.busy), None)
        if idle is None:
            if len(children) >= workers:
                return False
            idle = fork()
            children.append(idle)
        try:
            idle.conn.send_bytes(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, ConnectionResetError):  # died while idle: replace it and retry
            children.remove(idle)
            idle.kill()
            return dispatch(item)
        idle.item, idle.started, idle.busy = item, time.monotonic(), True
        return True

    def retire(child: _Child, killed: bool = False) -> None:
        children.remove(child)
        child.kill() if killed else child.stop()

    def fill() -> None:
        while sum(c.busy for c in children) < workers:
            item = next(pending, _DONE)
            if item is _DONE:
                return
            dispatch(item)

    try:
        fill()
        while any(c.busy for c in children):
            busy = [c for c in children if c.busy]
            next_deadline = min(c.started + timeout for c in busy)
            ready = wait([c.conn for c in busy], timeout=max(0.0, next_deadline - time.monotonic()))
            finished: list[TaskResult] = []
            for child in busy:
                if child.conn in ready:
                    result, healthy = _collect(child)
                    child.busy, child.item = False, None
                    child.served += 1
                    finished.append(result)
                    if not healthy or child.served >= tasks_per_child:
                        retire(child, killed=not healthy)
                elif time.monotonic() - child.started >= timeout:
                    finished.append(
                        TaskResult(child.item, error=f"timed out after {timeout:g} s", seconds=time.monotonic() - child.started)
                    )
                    retire(child, killed=True)
            fill()
            yield from finished
    finally:
        for child in list(children):
            child.kill()


_DONE = object()


def _collect(child: _Child) -> tuple[TaskResult, bool]:
    """The result of a child's call, and whether the child may serve again."""
    seconds = time.monotonic() - child.started
    try:
        payload = pickle.loads(child.conn.recv_bytes())
    except (EOFError, OSError, pickle.UnpicklingError):
        payload = None
    if payload is None:
        child.process.join(timeout=5)
        code = child.process.exitcode
        reason = f"killed by signal {-code}" if code and code < 0 else f"exited with code {code}"
        return TaskResult(child.item, error=f"extraction process {reason}", seconds=seconds), False
    if payload[0] == "ok":
        return TaskResult(child.item, value=payload[1], seconds=seconds), True
    return TaskResult(child.item, error=payload[1], seconds=seconds), False
