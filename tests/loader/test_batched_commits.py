"""Batched commits in the loader: a killed load keeps whole documents only."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

from tests.support import REPORTS

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import loader.loader as loader_module
    from loader import Loader, extract_for_load

    loader_module.COMMIT_EVERY = 2
    loader_module.COMMIT_SECONDS = 3600
    source = Path(sys.argv[2])
    data = extract_for_load(source)
    loader = Loader(sys.argv[1])
    for number in range(3):
        loader.store_extraction(f"{number:064d}", source, data)
    # Document 3 dies half-way: after its document row, before its pages are indexed.
    loader._index_pages = lambda sha256: os.kill(os.getpid(), signal.SIGKILL)
    loader.store_extraction(f"{3:064d}", source, data)
    """
)


def test_kill_9_mid_load_leaves_only_whole_committed_documents(tmp_path):
    source = REPORTS / "tiantan-2023.pdf"
    finished = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path), str(source)], capture_output=True)
    assert finished.returncode == -9, finished.stderr.decode()
    conn = sqlite3.connect(tmp_path / "reports.db")
    documents = [row[0] for row in conn.execute("select sha256 from documents order by sha256")]
    # Documents 0 and 1 were committed together; 2 was in the open batch, 3 half-written.
    assert documents == [f"{0:064d}", f"{1:064d}"]
    pages = conn.execute("select sha256, count(*) from pages group by sha256").fetchall()
    assert dict(pages) == {documents[0]: 5, documents[1]: 5}
    assert conn.execute("select count(*) from report_stats where sha256 > ?", [documents[1]]).fetchone()[0] == 0
    conn.execute("insert into documents_fts (documents_fts) values ('integrity-check')")
    conn.execute("insert into pages_fts (pages_fts) values ('integrity-check')")
    indexed = conn.execute("select count(*) from pages_fts where pages_fts match ?", ['"政 府"']).fetchone()[0]
    assert indexed == conn.execute("select count(*) from pages where text like '%政府%'").fetchone()[0] > 0
