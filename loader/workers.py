"""Extraction on many machines: an RQ task queue on the fleet's Redis carries sha256s.

The loader stays the single writer of reports.db. With a queue (``nianbao load DATA
--queue redis://…``) it enqueues one job per original to extract; ``nianbao worker``
processes, anywhere that reaches the Redis and the archive, take them, fetch the
original from the archive by its sha256, extract it in the same limited child as a local
load (extractors.isolated.run_isolated: time and memory bounds) and hand the result back
through RQ; the loader stores results as they come, as it does for its own children.
A job whose worker dies is failed by RQ after its timeout and reported like a local
failure, so the next load tries the original again.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Iterable, Iterator

from archive import ArchivedObject
from extractors.isolated import TaskResult, run_isolated

QUEUE = "nianbao-extract"
POLL_S = 0.2


def extract_job(data_dir: str, sha256: str, timeout: float) -> dict:
    """In a worker: extract the original ``sha256`` of the archive of ``data_dir`` (as this
    machine sees it: the same folder, or the same ``archive.yml`` for an object store) in a
    limited child. Raises with one line when it cannot."""
    from archive import open_archive

    from .extraction import extract_archived

    archive = open_archive(Path(data_dir))
    original = archive.find(sha256)
    if original is None:
        raise FileNotFoundError(f"{sha256}: not in the archive of {data_dir}")
    work = functools.partial(extract_archived, archive=archive, ocr_cache=Path(data_dir) / "cache" / "ocr")
    (result,) = run_isolated(work, [original], workers=1, timeout=timeout)
    if result.error is not None:
        raise RuntimeError(result.error)
    return result.value


def connect(url: str):
    import redis

    return redis.Redis.from_url(url)


def extract_remotely(url: str, data_dir: Path, originals: list[ArchivedObject], timeout: float) -> Iterator[TaskResult]:
    """Enqueue a job per original and yield each outcome as its job finishes (any order)."""
    from rq import Queue

    queue = Queue(QUEUE, connection=connect(url))
    jobs = {
        queue.enqueue(extract_job, str(data_dir.resolve()), original.sha256, timeout, job_timeout=int(timeout) + 60,
                      result_ttl=3600, failure_ttl=3600): original
        for original in originals
    }
    while jobs:
        for job, original in list(jobs.items()):
            status = job.get_status(refresh=True)
            if status == "finished":
                yield TaskResult(original, value=job.return_value())
            elif status in ("failed", "stopped", "canceled"):
                yield TaskResult(original, error=_last_line(job))
            else:
                continue
            del jobs[job]
            job.delete()
        if jobs:
            time.sleep(POLL_S)


def _last_line(job) -> str:
    result = job.latest_result()
    text = (getattr(result, "exc_string", None) or "").strip()
    return text.splitlines()[-1][:300] if text else f"extraction job {job.get_status()}"


def work(url: str, burst: bool = False, queues: Iterable[str] = (QUEUE,)) -> None:
    """Run a worker until stopped (``burst``: until the queue is empty)."""
    from rq import Queue, Worker

    connection = connect(url)
    Worker([Queue(name, connection=connection) for name in queues], connection=connection).work(burst=burst)
