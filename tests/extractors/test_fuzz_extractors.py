"""A bounded fuzz run of both extractors over mutated fixture files.

Every mutated file must either extract or raise ExtractionError with one line:
any other exception is a crash. Each file runs in a child process with a time
and memory limit (as the loader runs them), so a hang or a blow-up is a
failure here too, not a stuck test run.
"""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import ExtractionError, extract
from extractors.isolated import run_isolated

from tests.support import REPORTS

SEEDS = {
    "pdf": (REPORTS / "tiantan-2023.pdf").read_bytes(),
    "docx": (REPORTS / "dhsjj-2022.docx").read_bytes(),
    "ofd": (REPORTS / "dhsjj-2022-ofd.ofd").read_bytes(),
}
# The XML part a "-xml" kind damages inside its still valid ZIP.
XML_MEMBERS = {"docx": "word/document.xml", "ofd": "Doc_0/Pages/Page_2/Content.xml"}


def classify(path) -> str:
    """'ok', or 'error: …' for a clean refusal; anything else propagates as a crash."""
    try:
        extract(path)
        return "ok"
    except ExtractionError as error:
        message = str(error)
        assert message and "\n" not in message
        return "error: " + message


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if len(data) < 2:
            break  # a deletion took it all: nothing left to mutate
        choice = rng.random()
        position = rng.randrange(len(data))
        if choice < 0.5:
            data[position] = rng.randrange(256)
        elif choice < 0.7:
            del data[position : position + rng.randint(1, 2000)]
        elif choice < 0.85:
            data[position:position] = data[rng.randrange(len(data)) :][: rng.randint(1, 500)]
        else:
            data = data[: max(1, position)]
    return bytes(data)


def mutate_xml_member(data: bytes, member: str, rng: random.Random) -> bytes:
    """Damage one XML part inside a DOCX or OFD while keeping the ZIP itself valid."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == member:
                content = mutate_bytes(content, rng)
            target.writestr(info, content)
    return out.getvalue()


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["pdf", "docx", "docx-xml", "ofd", "ofd-xml"]), seed=st.integers(0, 2**32 - 1))
def test_mutated_files_extract_or_fail_cleanly(tmp_path_factory, kind, seed):
    rng = random.Random(seed)
    fmt = kind.removesuffix("-xml")
    if kind.endswith("-xml"):
        data = mutate_xml_member(SEEDS[fmt], XML_MEMBERS[fmt], rng)
    else:
        data = mutate_bytes(SEEDS[kind], rng)
    path = tmp_path_factory.mktemp("fuzz") / f"mutant.{fmt}"
    path.write_bytes(data)
    (result,) = run_isolated(classify, [path], workers=1, timeout=60, memory_mb=2048)
    assert result.error is None, f"crash on {kind} seed {seed}: {result.error}"


@pytest.mark.parametrize("kind", ["pdf", "docx", "ofd"])
def test_every_truncation_point_is_handled(tmp_path, kind):
    data = SEEDS[kind]
    cuts = sorted({int(len(data) * fraction) for fraction in (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)})
    paths = []
    for cut in cuts:
        path = tmp_path / f"cut-{cut}.{kind}"
        path.write_bytes(data[:cut])
        paths.append(path)
    results = list(run_isolated(classify, paths, workers=2, timeout=60, memory_mb=2048))
    assert len(results) == len(cuts)
    for result in results:
        assert result.error is None, f"crash on {result.item.name}: {result.error}"
        assert result.value.startswith("error: "), f"{result.item.name} should be refused as truncated"
