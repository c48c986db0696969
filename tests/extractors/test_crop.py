"""render_crop: the region of a PDF page around a figure's box, as a PNG, and a one-line
ExtractionError for a page or box the file does not have."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from extractors import extract
from extractors.crop import render_crop
from extractors.errors import ExtractionError
from tests.support import REPORTS

PDF = REPORTS / "dhsjj-2022.pdf"


@pytest.fixture(scope="module")
def figure():
    """A figure of the fixture PDF with a box and a printed, non-zero value."""
    report = extract(PDF).report
    return next(s for s in report.stats if s.bbox and s.page and s.value not in (None, 0))


def image(png: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG"
    return picture.convert("RGB")


def dark_pixels(picture: Image.Image) -> int:
    """Pixels much darker than the paper (ink; the red outline is not dark in all channels)."""
    data = picture.tobytes()
    return sum(1 for i in range(0, len(data), 3) if max(data[i:i + 3]) < 100)


def test_a_crop_of_a_known_cell_shows_its_text(figure):
    x0, top, x1, bottom = figure.bbox
    picture = image(render_crop(PDF, figure.page, figure.bbox, margin=12, scale=2.0))
    assert abs(picture.width - (x1 - x0 + 24) * 2) <= 2 and abs(picture.height - (bottom - top + 24) * 2) <= 2
    # Inside the cell (inside its ruling lines and the red outline) the figure's digits are drawn.
    cell = picture.crop((24 + 6, 24 + 6, picture.width - 24 - 6, picture.height - 24 - 6))
    assert dark_pixels(cell) > 10
    outlined = picture.getpixel((24, picture.height // 2))
    assert outlined[0] > 150 and outlined[1] < 80  # the box is framed in red


def test_a_crop_of_blank_paper_has_no_dark_pixels():
    picture = image(render_crop(PDF, 1, (2, 2, 20, 20), margin=0, outline=False))
    assert picture.size == (36, 36) and dark_pixels(picture) == 0


def test_the_region_is_clamped_to_the_page():
    picture = image(render_crop(PDF, 2, (0, 0, 20, 20), margin=12, scale=2.0))
    assert picture.size == (64, 64)  # the margin exists below and right only


@pytest.mark.parametrize("page, box", [
    (0, (10, 10, 50, 50)),
    (-1, (10, 10, 50, 50)),
    (6, (10, 10, 50, 50)),  # the PDF has 5 pages
    (10**9, (10, 10, 50, 50)),
    ("2", (10, 10, 50, 50)),
    (True, (10, 10, 50, 50)),
    (2, (50, 10, 10, 50)),
    (2, (10, 10, 10, 50)),
    (2, (float("nan"), 10, 50, 50)),
    (2, (10, 10, float("inf"), 50)),
    (2, (10, 10, 50)),
    (2, "10,10,50,50"),
    (2, (5000, 5000, 5100, 5100)),  # off the page
    (2, (-20000, 0, 20000, 50)),  # wider than the page
])
def test_a_page_or_box_the_pdf_does_not_have_is_one_line_error(page, box):
    with pytest.raises(ExtractionError) as error:
        render_crop(PDF, page, box)
    assert "\n" not in str(error.value)


def test_files_that_are_not_pdfs_are_one_line_errors(tmp_path):
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 10)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(PDF.read_bytes()[:2000])
    for path in (garbage, truncated, tmp_path / "missing.pdf", REPORTS / "dhsjj-2022.docx"):
        with pytest.raises(ExtractionError) as error:
            render_crop(path, 1, (10, 10, 50, 50))
        assert "\n" not in str(error.value), path
