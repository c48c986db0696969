"""The table finding and cell text of PDFium pages redo pdfplumber's steps on plain tuples:
they must give exactly what pdfplumber gives (same tables, same cells in the same order,
same text), on every fixture page and on random ruled grids and characters."""

from __future__ import annotations

import random

import pypdfium2 as pdfium
from pdfplumber.table import TableFinder, TableSettings, cells_to_tables
from pdfplumber.utils import extract_text

from extractors.pdf import TABLE_SETTINGS, _cell_text
from extractors.pdfium_page import PdfiumPage, pdfium_page, ruling_edge, tables_of
from tests.support import REPORTS


def found(page, settings) -> tuple[list, list]:
    """(ours, pdfplumber's): each table's cells."""
    theirs = [t.cells for t in TableFinder(page, TableSettings.resolve(settings)).tables]
    return [t.cells for t in page.find_tables(settings)], theirs


def test_fixture_pages_give_pdfplumbers_tables():
    compared = 0
    for path in sorted(REPORTS.glob("*.pdf")):
        document = pdfium.PdfDocument(str(path))
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            described = pdfium_page(page, textpage)
            if described is not None:
                ours, theirs = found(described, TABLE_SETTINGS)
                assert ours == theirs, (path.name, index + 1)
                compared += bool(theirs)
            textpage.close()
            page.close()
        document.close()
    assert compared >= 20


def random_grid(rng: random.Random) -> list[dict]:
    """Ruling lines of a grid with jitter, gaps, split rules and stray short lines."""
    def jitter() -> float:
        return rng.choice([0, 0, rng.uniform(-2, 2), rng.uniform(-4, 4), 0.1 * rng.randint(-30, 30)])

    columns = sorted(rng.sample(range(20, 560, 7), rng.randint(2, 9)))
    rows = sorted(rng.sample(range(20, 800, 5), rng.randint(2, 12)))
    edges = []
    for y in rows:
        stops = [columns[0]] + sorted(rng.sample(columns[1:-1], rng.randint(0, len(columns) - 2))) + [columns[-1]]
        edges += [ruling_edge(a + jitter(), y + jitter(), b + jitter(), y, "h")
                  for a, b in zip(stops, stops[1:]) if rng.random() < 0.9]
    for x in columns:
        stops = [rows[0]] + sorted(rng.sample(rows[1:-1], rng.randint(0, len(rows) - 2))) + [rows[-1]]
        for a, b in zip(stops, stops[1:]):
            if rng.random() < 0.9:
                shifted = x + jitter()
                edges.append(ruling_edge(shifted, a + jitter(), shifted, b + jitter(), "v"))
    for _ in range(rng.randint(0, 5)):
        x, y, length = rng.uniform(0, 600), rng.uniform(0, 800), rng.uniform(0, 5)
        edges.append(ruling_edge(x, y, x + length, y, "h") if rng.random() < 0.5 else ruling_edge(x, y, x, y + length, "v"))
    rng.shuffle(edges)
    return edges


def test_random_grids_give_pdfplumbers_tables():
    rng = random.Random(7)
    for trial in range(400):
        settings = dict(TABLE_SETTINGS)
        if rng.random() < 0.3:
            settings["explicit_horizontal_lines"] = [rng.uniform(20, 800) for _ in range(rng.randint(1, 3))]
        for key in ("snap_tolerance", "join_tolerance", "intersection_tolerance"):
            if rng.random() < 0.2:
                settings[key] = rng.choice([0, 1, 3, 5])
        ours, theirs = found(PdfiumPage(595.0, 842.0, [], random_grid(rng)), settings)
        assert ours == theirs, (trial, settings)


def test_cells_grouped_into_tables_as_pdfplumber_does():
    rng = random.Random(3)
    for _ in range(2000):
        xs, ys = sorted(rng.sample(range(60), rng.randint(2, 8))), sorted(rng.sample(range(60), rng.randint(2, 8)))
        cells = []
        for _ in range(rng.randint(0, 25)):
            (i, j), (k, m) = sorted(rng.sample(range(len(xs)), 2)), sorted(rng.sample(range(len(ys)), 2))
            cells.append((xs[i], ys[k], xs[j], ys[m]))
        cells = list(dict.fromkeys(cells))  # distinct, as cells_from gives them
        rng.shuffle(cells)
        assert tables_of(list(cells)) == cells_to_tables(list(cells)), cells


def test_cell_text_is_pdfplumbers_extract_text():
    rng = random.Random(1)
    alphabet = ["1", "2", "国", "家", " ", "ﬁ", "a", "\u3000", "-", "．"]
    for _ in range(20000):
        chars = []
        for _ in range(rng.randint(1, 12)):
            x0 = rng.choice([rng.uniform(0, 60), rng.randint(0, 12) * 5.0])
            width = rng.choice([rng.uniform(0, 8), 5.0, 0.0])
            top = rng.choice([rng.uniform(0, 20), rng.randint(0, 6) * 3.0, rng.randint(0, 6) * 2.9])
            chars.append({"text": rng.choice(alphabet), "x0": x0, "x1": x0 + width, "top": top, "bottom": top + 10,
                          "doctop": top, "upright": rng.random() > 0.01, "size": 10, "width": width, "height": 10})
        assert _cell_text(list(chars)) == extract_text(list(chars)), chars
