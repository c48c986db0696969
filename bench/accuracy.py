"""How many figures the extractor gets right on the fixture reports: it measures, it changes nothing.

    python -m bench.accuracy [FILE ...]

FILE is a fixture's ``*.expected.json`` (or the fixture file beside it); by default every
``fixtures/reports/*.expected.json``. Each file is extracted with ``extractors.extract`` and its
figures compared with the expected ``stats``, key by key:

- right: the value found equals the expected one (an expected null is right when the extractor
  gives null or leaves the key out: nothing is printed there);
- wrong: a value found that differs from the expected one, a value where null was expected included;
- missing: the key absent, or null, where a value was expected.

``consistent`` says whether ``report.consistent`` equals the expected ``consistent``. An extraction
error (or crash) counts every expected value as missing. Prints one line per file, then the totals; exits 0.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from extractors import ExtractionError, extract

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
SUFFIX = ".expected.json"


def expected_path_of(path: str | Path) -> Path:
    """The expected.json of a fixture given either itself or the fixture file."""
    path = Path(path)
    return path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


def compare(expected: dict, found: dict) -> dict[str, list[str]]:
    """Figure keys sorted into right, wrong and missing (see the module docstring)."""
    verdicts = {"right": [], "wrong": [], "missing": []}
    for key, value in expected.items():
        got = found.get(key)
        if got is None:
            verdicts["right" if value is None else "missing"].append(key)
        elif value is None or got != value:
            verdicts["wrong"].append(key)
        else:
            verdicts["right"].append(key)
    return verdicts


def score(expected_path: str | Path) -> dict:
    """Extract one fixture and score its figures and its consistency flag against its expected.json."""
    expected_path = expected_path_of(expected_path)
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    target = expected_path.with_name(expected["file"])
    found, consistent, error = {}, None, None
    try:
        report = extract(target).report
    except ExtractionError as exc:
        report, error = None, str(exc)
    except Exception as exc:  # an extractor bug is measured too, not raised
        report, error = None, f"{type(exc).__name__}: {exc}"
    if report is not None:
        found, consistent = report.stats_dict(), report.consistent
    verdicts = compare(expected["stats"], found)
    return {
        "file": expected["file"], "producer": expected["producer"], "figures": len(expected["stats"]),
        **{name: len(keys) for name, keys in verdicts.items()},
        "consistent": consistent, "expected_consistent": expected["consistent"],
        "consistent_ok": consistent == expected["consistent"],
        "wrong_keys": verdicts["wrong"], "missing_keys": verdicts["missing"], "error": error,
    }


def table(scores: list[dict]) -> str:
    """The scores as a fixed-width table with a totals line."""
    width = max([len(s["file"]) for s in scores] + [len("total")])
    lines = [f"{'file':<{width}}  {'figures':>7}  {'right':>5}  {'wrong':>5}  {'missing':>7}  {'right%':>6}  consistent"]
    for s in scores + [totals(scores)]:
        share = f"{100 * s['right'] / s['figures']:.0f}%" if s["figures"] else "–"
        flag = s["consistent_ok"] if isinstance(s["consistent_ok"], str) else (
            f"{'ok' if s['consistent_ok'] else 'NO'} (found {s['consistent']}, expected {s['expected_consistent']})")
        note = f"  error: {s['error']}" if s.get("error") else ""
        lines.append(f"{s['file']:<{width}}  {s['figures']:>7}  {s['right']:>5}  {s['wrong']:>5}  {s['missing']:>7}  "
                     f"{share:>6}  {flag}{note}")
    return "\n".join(lines)


def totals(scores: list[dict]) -> dict:
    ok = sum(s["consistent_ok"] for s in scores)
    return {"file": "total", **{k: sum(s[k] for s in scores) for k in ("figures", "right", "wrong", "missing")},
            "consistent_ok": f"{ok}/{len(scores)} files ok"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", metavar="FILE", help="expected.json files (default: every fixture)")
    parser.add_argument("--keys", action="store_true", help="also list the wrong and missing keys of each file")
    args = parser.parse_args(argv)
    paths = args.files or sorted(REPORTS.glob(f"*{SUFFIX}"))
    scores = [score(path) for path in paths]
    print(table(scores))
    if args.keys:
        for s in scores:
            if s["wrong_keys"] or s["missing_keys"]:
                print(f"\n{s['file']}\n  wrong: {' '.join(s['wrong_keys'])}\n  missing: {' '.join(s['missing_keys'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
