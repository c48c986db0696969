"""The house rules, read from the code: data flows one way and nothing reaches back upstream.

portal → crawler → archive → extractors → loader → website, with ``nianbao`` (the API,
CLI and demo) on top. A package may import only the packages before it in
``MAY_IMPORT``; no module imports itself round a circle; only the crawler's config
layer reads a portals file; no product code finds files by climbing out of its
own package into the checkout.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support import ROOT

MAY_IMPORT = {
    "archive": set(),
    "crawler": {"archive"},
    "extractors": {"archive"},
    "loader": {"archive", "crawler", "extractors"},
    "website": {"archive", "extractors", "loader"},
    "nianbao": {"archive", "crawler", "extractors", "loader", "website"},
}
PACKAGES = set(MAY_IMPORT)
DATA_FOLDERS = ("nianbao/demo/sample/",)  # package data, not code


def product_files() -> list[Path]:
    return sorted(
        path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
        if not str(path.relative_to(ROOT)).startswith(DATA_FOLDERS)
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a product module in ``path``, function-level ones included."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                candidate = f"{origin}.{alias.name}"
                found.append((node.lineno, candidate if is_module(candidate) else origin))
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


@pytest.fixture(scope="module")
def graph() -> dict[str, list[tuple[int, str]]]:
    return {module_name(path): imports_of(path) for path in product_files()}


def test_the_rules_see_every_package(graph):
    assert {name.split(".")[0] for name in graph} == PACKAGES
    assert ("loader.loader", "crawler.journal") in {(m, i) for m, imports in graph.items() for _, i in imports}


def test_no_module_imports_from_a_later_stage(graph):
    broken = [
        f"{module}:{line} imports {target}"
        for module, imports in graph.items()
        for line, target in imports
        if target.split(".")[0] != module.split(".")[0] and target.split(".")[0] not in MAY_IMPORT[module.split(".")[0]]
    ]
    assert not broken, "\n".join(broken)


def test_no_import_cycles(graph):
    edges = {module: sorted({target for _, target in imports if target in graph and target != module})
             for module, imports in graph.items()}
    cycles, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in edges[module]:
            if state.get(target) == "open":
                cycles.append(" -> ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


def test_only_the_crawler_config_reads_portals_files():
    # The CLI names the default CONFIG, and passes it on to crawler.config.
    allowed = {"crawler/config.py", "nianbao/cli.py"}
    offenders = []
    for path in product_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(first.value) for holder in ast.walk(tree)
                      if isinstance(holder, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and holder.body and isinstance(first := holder.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"portals\.ya?ml", node.value):
                where = str(path.relative_to(ROOT))
                if where not in allowed and id(node) not in docstrings:
                    offenders.append(f"{where}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "load_portals":
                if not str(path.relative_to(ROOT)).startswith(("crawler/", "nianbao/datadir.py")):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} calls load_portals")
    assert not offenders, offenders


def test_product_code_never_climbs_out_of_its_package():
    """Files are found through the package (importlib.resources, __file__ within it), never the checkout."""
    climbing = re.compile(r"__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent)+|\.parents\[(\d+)\])")
    offenders = []
    for path in product_files():
        depth = len(path.relative_to(ROOT).parts) - 1  # how many .parent hops stay inside the package
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in climbing.finditer(line):
                hops = int(match.group(2)) + 1 if match.group(2) else match.group(1).count(".parent")
                if hops > depth:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
            if re.search(r"""["'](?:\.\./|fixtures/|/work/)""", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
