"""``extract_files``: extract local files (not a DATA directory) into JSON-able dicts."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable, Iterator

from extractors.isolated import DEFAULT_TIMEOUT, run_isolated


def extract_files(
    files: Iterable[str | os.PathLike], *, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT
) -> Iterator[dict]:
    """One dict per file, in the order given: ``{"file", "format", "pages", "text", "tables", "report", …}``,
    or ``{"file", "error"}`` for a file that cannot be read. Each file is extracted in a
    child process with a time and memory limit, all cores at once by default."""
    indexed = list(enumerate(str(name) for name in files))
    done: dict[int, dict] = {}
    next_position = 0
    # Children share the cores for OCR, as the loader's do.
    children = min(max(1, workers or os.cpu_count() or 1), max(1, len(indexed)))
    work = functools.partial(extract_file, ocr_threads=max(1, len(os.sched_getaffinity(0)) // children))
    for result in run_isolated(work, indexed, workers=workers, timeout=timeout):
        position, name = result.item
        done[position] = {"file": name, "error": result.error} if result.error is not None else result.value
        while next_position in done:
            yield done.pop(next_position)
            next_position += 1


def extract_file(item: tuple[int, str], ocr_threads: int | None = None) -> dict:
    """Extraction of one local file as a JSON-able dict (runs in a child process)."""
    from extractors import ExtractionError, extract

    _, name = item
    path = Path(name)
    if not path.is_file():
        return {"file": name, "error": "no such file" if not path.exists() else "not a regular file"}
    try:
        result = extract(path, ocr_threads=ocr_threads)
    except ExtractionError as error:
        return {"file": name, "error": str(error)}
    return {"file": name, **result.to_dict()}
