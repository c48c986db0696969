"""Scanned pages → text and table cells, by Tesseract (simplified Chinese), cached per document.

A page image (a PDF page rendered by pypdfium2, or an image from a DOCX) is prepared the way
Tesseract reads tables best: grey, straightened (the skew measured from the rows of ink: the
angle at which the row profile is sharpest), specks out, and the table's ruling lines taken
out (long straight dark runs), which Tesseract would otherwise read as 丨 and l. Then:

1. the cells between the rules are read one by one: each cell's ink pasted on a sheet, one
   under the other, the sheet read in one call (on the page Tesseract misses lone figures);
2. every cell that may hold a figure is read again, digits only (English model): a figure
   the two passes read alike is as sure as the surer, read differently not sure at all; ink
   the words leave unread (1 for 11) is doubt too;
3. the rest of the page, cells blanked, is read as one block (the text).

Cells become the ruled reading's grids (tables.join_tables), with reading "ocr" and each
cell's confidence (0-1), which the figures keep: below OCR_MIN_CONFIDENCE a figure is null.
A page without rules goes through the positioned-word reader (words.word_tables) with its
words, in points from the top left, as a text layer's characters.

Results are cached: one JSON file per document under the cache directory, named by the
file's sha256 and ``engine()`` (Tesseract's version, the model file's hash and
OCR_CODE_VERSION), so a re-extraction never runs Tesseract again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from .errors import ExtractionError
from .labels import compact, request_group, request_items, row_words
from .model import OCR_MIN_CONFIDENCE, Table
from .normalize import normalize_cell
from .tables import Cell, RawTable, join_tables
from .words import Page, lines_of, text_by_position, word_tables

DPI = 300  # pages are rendered (or scaled) to this resolution for Tesseract
LANGUAGE = "chi_sim"
OCR_CODE_VERSION = "1"  # change it with anything that changes what a page OCRs to
MAX_PAGES = 100  # pages OCRed per document (about 4 s a page a core); a longer scan is refused
MAX_PIXELS = 60_000_000  # an image larger than this (about A0 at 300 dpi) is refused
PAGE_TIMEOUT = 120  # seconds Tesseract may take over one page
DARK = 160  # grey level below which a pixel is ink
LINE_LENGTH = 0.4  # inches: a straight dark run longer than this is a ruling line, not a stroke
MAX_SKEW = 3.0  # degrees tried either way
HAN = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"^[+\-]?\d+(?:\.\d+)?$")
BLANK = re.compile(r"^[-—–/]+$")
SPECK_DENSITY = 0.2  # ink with less ink than this around it (over 7 x 7 pixels) is a speck
MIN_CELL = 20  # pixels: rules closer than this bound no cell
RULE_MARGIN = 4  # pixels inside a cell's rules left out (a rule's fringe)


@dataclass
class OcrPage:
    """One page as OCR read it: size in points, words (char dicts with ``confidence``) and
    the table cells found between ruling lines (box, text, least confidence of its words)."""

    number: int
    width: float
    height: float
    words: list[dict]
    cells: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        return text_by_position(self.words)


@lru_cache(maxsize=1)
def engine() -> str:
    """Tesseract's version, the model file's and this module's: what a cached result depends on."""
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        raise ExtractionError("OCR unavailable: tesseract is not installed") from None
    version = out.split()[1] if out.split() else "unknown"
    model = _model_path()
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:12] if model else "none"
    return f"tesseract-{version}+{LANGUAGE}-{digest}+ocr-{OCR_CODE_VERSION}"


def _model_path() -> Path | None:
    prefix = os.environ.get("TESSDATA_PREFIX")
    candidates = [Path(prefix)] if prefix else []
    candidates += sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"))
    for folder in candidates:
        if (folder / f"{LANGUAGE}.traineddata").exists():
            return folder / f"{LANGUAGE}.traineddata"
    return None


def ocr_pdf(path: Path, cache: Path | None = None, threads: int | None = None) -> list[OcrPage]:
    """Every page of an image-only PDF, OCRed (or from the cache)."""
    import pypdfium2 as pdfium

    return _cached(path, cache, lambda: _ocr_images(_pdf_pages(path, pdfium), threads))


def ocr_images(path: Path, images: list[bytes], cache: Path | None = None, threads: int | None = None) -> list[OcrPage]:
    """Images (encoded bytes, in document order) as pages, OCRed (or from the cache of ``path``)."""
    return _cached(path, cache, lambda: _ocr_images((_image_page(data) for data in images), threads))


def _cached(path: Path, cache: Path | None, run) -> list[OcrPage]:
    target = None
    if cache is not None:
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        name = hashlib.sha256(engine().encode()).hexdigest()[:16]
        target = cache / sha256[:2] / f"{sha256}-{name}.json"
        try:
            stored = json.loads(target.read_text(encoding="utf-8"))
            return [OcrPage(**page) for page in stored["pages"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    pages = run()
    if target is not None:
        _store(target, {"engine": engine(), "pages": [page.__dict__ for page in pages]})
    return pages


def _store(target: Path, data: dict) -> None:
    """Write a cache entry atomically (temp file, rename); a cache that cannot be written is no error."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False, encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(f.name, target)
    except OSError:
        pass


def _pdf_pages(path: Path, pdfium):
    """(image, width and height in points) of each page, rendered at DPI."""
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"unreadable PDF: {exc}") from None
    try:
        if len(document) > MAX_PAGES:
            raise ExtractionError(f"scan refused: {len(document)} pages to OCR (the limit is {MAX_PAGES})")
        for i in range(len(document)):
            page = document[i]
            width, height = page.get_size()
            if width * height * (DPI / 72) ** 2 > MAX_PIXELS:
                raise ExtractionError(f"scan refused: page {i + 1} is too large to OCR")
            image = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
            page.close()
            yield image, width, height
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"unreadable PDF page: {exc}") from None
    finally:
        document.close()


def _image_page(data: bytes):
    """(image, width and height in points) of an embedded image, taken as printed at its dpi (else 300)."""
    import io

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ExtractionError("scan refused: an image is too large to OCR")
            dpi = image.info.get("dpi", (DPI, DPI))[0] or DPI
            dpi = dpi if 70 <= dpi <= 1200 else DPI
            grey = image.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ExtractionError(f"unreadable image: {exc}".splitlines()[0]) from None
    width, height = grey.width * 72 / dpi, grey.height * 72 / dpi
    scale = DPI / dpi
    if abs(scale - 1) > 0.05:
        grey = grey.resize((round(grey.width * scale), round(grey.height * scale)), Image.Resampling.BICUBIC)
    return grey, width, height


def _ocr_images(pages, threads: int | None) -> list[OcrPage]:
    threads = max(1, threads or len(os.sched_getaffinity(0)))
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as workdir, ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(_ocr_page, number, image, width, height, Path(workdir))
                   for number, (image, width, height) in enumerate(pages, start=1)]
        return [future.result() for future in futures]


def _ocr_page(number: int, image: Image.Image, width: float, height: float, workdir: Path) -> OcrPage:
    image = despeckle(straighten(image).filter(ImageFilter.MedianFilter(3)))
    image, horizontal, vertical = without_rules(image)
    scale = width / image.width  # points per pixel
    # Table cells first, one by one, then the rest of the page with them blanked.
    boxes = cells(horizontal, vertical)
    in_cells, pieces, owners = cell_words(image, boxes, workdir / f"cells-{number}.png")
    rest = image.copy()
    for box in boxes:
        rest.paste(255, box)
    file = workdir / f"page-{number}.png"
    rest.save(file, dpi=(DPI, DPI))
    # A lone mark read unsurely is a speck or a rule's end, not punctuation.
    found = [(x, y, x + w, y + h, text, confidence, None)
             for x, y, w, h, text, confidence in tesseract_words(file, ["--psm", "6"])
             if confidence >= 0.5 or re.search(r"\w", text)]
    file.unlink()
    words = []
    texts: dict[int, list[dict]] = {}
    for x0, y0, x1, y1, text, confidence, cell in in_cells + found:
        word = {"text": text, "x0": x0 * scale, "x1": x1 * scale, "top": y0 * scale,
                "bottom": y1 * scale, "confidence": round(confidence, 3)}
        words.append(word)
        if cell is not None:
            texts.setdefault(cell, []).append(word)
    inked = {owner for owner in owners}
    read = {k: (_cell_text(texts.get(k, [])), min((w["confidence"] for w in texts.get(k, [])), default=None))
            for k in range(len(boxes))}
    # Every cell that may hold a figure is read again, digits only: a figure the two passes
    # read alike is as sure as the surer; read differently, it is not sure at all; read by
    # one pass only, as sure as that pass says. Ink the words leave unread (1 for 11) is doubt.
    figures = [i for i, k in enumerate(owners) if not HAN.search(read[k][0]) and not BLANK.match(read[k][0])]
    again = _digits_pass(image, [pieces[i] for i in figures], workdir / f"digits-{number}.png") if figures else {}
    for j, i in enumerate(figures):
        k = owners[i]
        first, first_confidence = read[k]
        text, confidence = again.get(j, (None, 0.0))
        if text is None:
            pass
        elif text == first:
            read[k] = (text, max(confidence, first_confidence or 0))
        elif NUMBER.match(first):
            read[k] = (first, 0.0)
        else:
            read[k] = (text, confidence)
        if NUMBER.match(read[k][0]):
            cover = [w for w in texts.get(k, [])]
            left, right = pieces[i][0] * scale, pieces[i][2] * scale
            if cover and (max(w["x1"] for w in cover) - min(w["x0"] for w in cover)) < 0.75 * (right - left):
                read[k] = (read[k][0], 0.0)
    table_cells = []
    for k, (x0, y0, x1, y1) in enumerate(boxes):
        text, confidence = read[k]
        if k in inked and not (NUMBER.match(text) or BLANK.match(text) or HAN.search(text)):
            text, confidence = "*", 0.0  # ink that reads as no figure and no words: unreadable, not a guess
        table_cells.append({"x0": x0 * scale, "top": y0 * scale, "x1": x1 * scale, "bottom": y1 * scale,
                            "text": text, "confidence": confidence})
    return OcrPage(number, width, height, words, table_cells)


def _cell_text(words: list[dict]) -> str:
    """A cell's words in reading order, lines apart by a line break."""
    return "\n".join("".join(t.text for t in line.tokens) for line in lines_of(words))


def cells(horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, pixels) of table cells: each band between two horizontal rules
    cut where vertical rules cross its middle; a piece with no rule over it joins the piece
    above (a cell merged over rows)."""
    boxes: list[list[int]] = []
    ys = _centres(np.flatnonzero(horizontal.any(axis=1)))
    for top, bottom in zip(ys, ys[1:]):
        if bottom - top < MIN_CELL:
            continue
        xs = _centres(np.flatnonzero(vertical[(top + bottom) // 2]))
        for left, right in zip(xs, xs[1:]):
            if right - left < MIN_CELL:
                continue
            ruled = horizontal[max(0, top - 3):top + 4, left:right].any(axis=0).mean() > 0.5
            above = next((box for box in boxes if box[3] == top and abs(box[0] - left) <= 5 and abs(box[2] - right) <= 5), None)
            if not ruled and above is not None:
                above[3] = bottom
            else:
                boxes.append([left, top, right, bottom])
    return [tuple(box) for box in boxes]


def _centres(positions: np.ndarray) -> list[int]:
    """Runs of consecutive pixel positions (a rule's thickness) as their centres."""
    if not len(positions):
        return []
    breaks = np.flatnonzero(np.diff(positions) > 1)
    starts = np.concatenate([[positions[0]], positions[breaks + 1]])
    ends = np.concatenate([positions[breaks], [positions[-1]]])
    return [int((a + b) // 2) for a, b in zip(starts, ends)]


def cell_words(image: Image.Image, boxes, file: Path) -> tuple[list[tuple], list[tuple]]:
    """The words of table cells, read cell by cell: each cell's ink pasted on a sheet, one
    cell under the other, the sheet read in one Tesseract call (Tesseract misses lone
    figures in a grid on the page). Returns the words (x0, y0, x1, y1, text, confidence,
    index of its cell in ``boxes``) in page pixels, the boxes of the ink read and the index
    of the cell each is in."""
    pixels = np.asarray(image)
    pieces, owners = [], []  # boxes of each cell's ink, and the cell each is in
    for cell, (left, top, right, bottom) in enumerate(boxes):
        inner = pixels[top + RULE_MARGIN:bottom - RULE_MARGIN, left + RULE_MARGIN:right - RULE_MARGIN]
        ink = inner < DARK
        # Rows and columns with a few ink pixels: strokes, not a stray speck.
        rows, columns = np.flatnonzero(ink.sum(axis=1) >= 3), np.flatnonzero(ink.sum(axis=0) >= 3)
        if len(rows) < 4 or len(columns) < 2:  # empty, or specks
            continue
        pieces.append((left + RULE_MARGIN + int(columns.min()), top + RULE_MARGIN + int(rows.min()),
                       left + RULE_MARGIN + int(columns.max()) + 1, top + RULE_MARGIN + int(rows.max()) + 1))
        owners.append(cell)
    if not pieces:
        return [], [], []
    words = [(*word[:6], owners[k]) for word, k in _read_sheet(image, pieces, file, ["--psm", "6"])]
    return words, pieces, owners


def _read_sheet(image: Image.Image, pieces: list[tuple], file: Path, options: list[str], language: str = LANGUAGE):
    """Each piece of ``image`` pasted on a sheet, one under the other, read in one call:
    ((x0, y0, x1, y1, text, confidence) in page pixels, index of its piece) for each word."""
    pad = 60
    sheet = Image.new("L", (max(x1 - x0 for x0, _, x1, _ in pieces) + 2 * pad,
                            sum(y1 - y0 + pad for _, y0, _, y1 in pieces) + pad), 255)
    placed, cursor = [], pad  # (sheet top, sheet bottom) of each piece
    for x0, y0, x1, y1 in pieces:
        sheet.paste(image.crop((x0, y0, x1, y1)), (pad, cursor))
        placed.append((cursor, cursor + y1 - y0))
        cursor += y1 - y0 + pad
    sheet.save(file, dpi=(DPI, DPI))
    out = []
    for x, y, w, h, text, confidence in tesseract_words(file, options, language):
        centre = y + h / 2
        k = next((k for k, (a, b) in enumerate(placed) if a - pad / 2 <= centre < b + pad / 2), None)
        if k is not None:
            x0, y0 = pieces[k][0] + x - pad, pieces[k][1] + y - placed[k][0]
            out.append(((x0, y0, x0 + w, y0 + h, text, confidence), k))
    file.unlink()
    return out


def _digits_pass(image: Image.Image, pieces: list[tuple], file: Path) -> dict[int, tuple[str, float]]:
    """Pieces read again as figures alone (digits only): piece index → (text, confidence)."""
    found: dict[int, list] = {}
    for word, k in _read_sheet(image, pieces, file, ["--psm", "6", "-c", "tessedit_char_whitelist=0123456789.-"], "eng"):
        found.setdefault(k, []).append(word)
    out = {}
    for k, words in found.items():
        words.sort(key=lambda w: w[0])
        text = "".join(w[4] for w in words)
        if NUMBER.match(text):
            out[k] = (text, min(w[5] for w in words))
    return out


def tesseract_words(file: Path, options: list[str], language: str = LANGUAGE) -> list[tuple]:
    """(x, y, w, h, text, confidence 0-1) of each word Tesseract reads in an image file."""
    command = ["tesseract", str(file), "stdout", "-l", language, "--dpi", str(DPI), *options, "tsv"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PAGE_TIMEOUT,
                              env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    except subprocess.TimeoutExpired:
        raise ExtractionError(f"OCR timed out after {PAGE_TIMEOUT} s on one page") from None
    except OSError:
        raise ExtractionError("OCR unavailable: tesseract is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(f"OCR failed: {message[-1] if message else 'tesseract exited with ' + str(done.returncode)}")
    words = []
    for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 12 or fields[0] != "5" or not fields[11].strip():
            continue
        x, y, w, h = (int(v) for v in fields[6:10])
        words.append((x, y, w, h, fields[11].strip(), max(0.0, float(fields[10])) / 100))
    return words


def straighten(image: Image.Image) -> Image.Image:
    """The page turned by its measured skew (when it is more than a tenth of a degree)."""
    angle = skew(image)
    if abs(angle) < 0.1:
        return image
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)


def skew(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes the rows of text level: the one at
    which the ink's row profile is sharpest, on a reduced copy, coarse then fine."""
    small = image.reduce(4).point(lambda v: 255 if v < DARK else 0)

    def sharpness(angle: float) -> float:
        rows = np.asarray(small.rotate(angle, resample=Image.Resampling.BILINEAR), dtype=np.float64).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.05), key=sharpness))


def despeckle(image: Image.Image) -> Image.Image:
    """Specks (ink with little ink around it) whitened: a scanner's dust, not a stroke."""
    ink = image.point(lambda v: 255 if v < DARK else 0)
    density = np.asarray(ink.filter(ImageFilter.BoxBlur(3)))  # mean ink over 7 x 7 pixels
    pixels = np.asarray(image).copy()
    pixels[(np.asarray(ink) > 0) & (density < SPECK_DENSITY * 255)] = 255
    return Image.fromarray(pixels)


def without_rules(image: Image.Image) -> tuple[Image.Image, np.ndarray, np.ndarray]:
    """The image with long straight dark runs (ruling lines) whitened; the horizontal and
    the vertical rules' pixels."""
    pixels = np.asarray(image).copy()
    ink = pixels < DARK
    length = int(LINE_LENGTH * DPI)
    horizontal, vertical = _runs(ink, length, axis=1), _runs(ink, length, axis=0)
    # A row lower than a rule is long (a one-row table, a row alone on a page) has side rules
    # that are short: ink running the whole way from a horizontal rule to the next one.
    ys = _centres(np.flatnonzero(horizontal.any(axis=1)))
    for top, bottom in zip(ys, ys[1:]):
        if MIN_CELL <= bottom - top < length:
            ends = horizontal[max(0, top - 3):top + 4].any(axis=0) & horizontal[max(0, bottom - 3):bottom + 4].any(axis=0)
            sides = ends & (ink[top:bottom + 1].mean(axis=0) >= 0.9)
            vertical[top:bottom + 1, sides] |= ink[top:bottom + 1, sides]
    rules = horizontal | vertical
    # The grey fringe of a rule goes with it.
    grown = rules.copy()
    grown[1:, :] |= rules[:-1, :]
    grown[:-1, :] |= rules[1:, :]
    grown[:, 1:] |= rules[:, :-1]
    grown[:, :-1] |= rules[:, 1:]
    pixels[grown] = 255
    return Image.fromarray(pixels), horizontal, vertical


def _runs(ink: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels inside a run of at least ``length`` ink pixels along ``axis``."""
    values = np.moveaxis(ink, axis, -1).astype(np.int32)
    padded = np.concatenate([np.zeros(values.shape[:-1] + (1,), np.int32), np.cumsum(values, axis=-1)], axis=-1)
    full = (padded[..., length:] - padded[..., :-length]) == length  # window starting at i is all ink
    starts = np.concatenate([np.zeros(full.shape[:-1] + (1,), np.int32), np.cumsum(full, axis=-1, dtype=np.int32)], axis=-1)
    n = values.shape[-1]
    covered = np.zeros(values.shape, bool)
    # pixel j is covered when a full window starts in [j - length + 1, j]
    hi = np.minimum(np.arange(n), full.shape[-1] - 1) + 1
    lo = np.maximum(np.arange(n) - length + 1, 0)
    valid = lo < hi
    covered[..., valid] = (starts[..., hi[valid]] - starts[..., lo[valid]]) > 0
    return np.moveaxis(covered, -1, axis)


def ocr_tables(pages: list[OcrPage]) -> list[Table]:
    """The tables of OCRed pages: cells between ruling lines laid on grids as the ruled
    reading's (a table running on to the next page joined), each cell keeping its confidence;
    pages without ruled cells read from their words by position. Reading "ocr"."""
    raw: list[RawTable] = []
    confidence: dict[tuple, float | None] = {}
    unruled: list[Page] = []
    for page in pages:
        if not page.cells:
            unruled.append(Page(page.number, page.words, page.width, page.height))
            continue
        found = _page_tables(page)
        for cell in page.cells:
            confidence[_key((cell["x0"], cell["top"], cell["x1"], cell["bottom"]), page.number)] = cell["confidence"]
        raw.extend(found)
    tables = join_tables(raw)
    for table in tables:
        table.reading = "ocr"
        table.confidences = [
            [confidence.get(_key(box, table.page_of(r))) if box else None for box in row]
            for r, row in enumerate(table.boxes)
        ]
        _unreadable_figures(table)
    runs: list[list[Page]] = []
    for page in unruled:
        if runs and runs[-1][-1].number == page.number - 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    for run in runs:
        for table in word_tables(run, reading="ocr"):
            table.index = len(tables)
            tables.append(table)
    return tables


def _unreadable_figures(table: Table) -> None:
    """In a row of figures, a cell right of the first figure that OCR read unsurely as text,
    or as a character or two (本 or 目 for 0), is an unreadable figure: "*" (no value), so the
    row keeps its other figures."""
    for r, row in enumerate(table.rows):
        first = next((i for i, cell in enumerate(row) if cell and NUMBER.match(cell)), None)
        if first is None or sum(1 for cell in row if cell and NUMBER.match(cell)) < 2:
            continue
        for i in range(first + 1, len(row)):
            cell, sure = row[i], table.confidence_of(r, i)
            if cell and not NUMBER.match(cell) and not BLANK.match(cell) and (
                    len(cell) <= 2 or sure is None or sure < OCR_MIN_CONFIDENCE):
                row[i] = "*"
                table.confidences[r][i] = 0.0


def _key(box, page) -> tuple:
    return (page, *(round(v, 1) for v in box))


def _page_tables(page: OcrPage) -> list[RawTable]:
    """A page's cells grouped into tables (cells that touch, top to bottom) and rows (by top)."""
    groups: list[list[dict]] = []
    for cell in sorted(page.cells, key=lambda c: (c["top"], c["x0"])):
        current = groups[-1] if groups else None
        if current and any(abs(cell["top"] - c["bottom"]) <= 4 or abs(cell["top"] - c["top"]) <= 2 for c in current):
            current.append(cell)
        else:
            groups.append([cell])
    loose = [w for w in page.words if not any(_inside(w, c) for c in page.cells)]
    out = []
    for group in groups:
        rows: list[list[Cell]] = []
        for cell in group:
            item = Cell(cell["x0"], cell["top"], cell["x1"], cell["bottom"], repair_label(normalize_cell(cell["text"]) or ""))
            if rows and abs(rows[-1][0].top - item.top) <= 2:
                rows[-1].append(item)
            else:
                rows.append([item])
        if len(rows) < 2 and len(rows[0]) < 2:  # a lone box frames a title: no table
            continue
        bbox = (min(c["x0"] for c in group), min(c["top"] for c in group),
                max(c["x1"] for c in group), max(c["bottom"] for c in group))
        out.append(RawTable(page.number, bbox, rows))
    if out:  # first/last thing on the page (the top and bottom 7% aside): candidates for a page join
        out[0].first_on_page = not any(0.07 * page.height < _middle(w) < out[0].bbox[1] for w in loose)
        out[-1].last_on_page = not any(out[-1].bbox[3] < _middle(w) < 0.93 * page.height for w in loose)
    return out


def repair_label(text: str) -> str:
    """A label OCR misread by one character in a row's naming word (执法案苦, 国家秘化) given
    that word back, only when the label names no row as read and exactly one word of four or
    more characters is that near; anything else stays as read (and its row unread)."""
    if not HAN.search(text) or request_items(text) or request_group(text):
        return text
    c = compact(text)
    near = {(word, c[i:i + len(word)]) for word in row_words() if len(word) >= 4
            for i in range(len(c) - len(word) + 1)
            if sum(a != b for a, b in zip(word, c[i:i + len(word)])) == 1}
    if len({word for word, _ in near}) != 1 or len(near) != 1:
        return text
    word, misread = near.pop()
    repaired = c.replace(misread, word, 1)
    return repaired if len(request_items(repaired)) == 1 or request_group(repaired) else text


def _middle(word: dict) -> float:
    return (word["top"] + word["bottom"]) / 2


def _inside(word: dict, cell: dict) -> bool:
    x, y = (word["x0"] + word["x1"]) / 2, _middle(word)
    return cell["x0"] <= x <= cell["x1"] and cell["top"] <= y <= cell["bottom"]
