"""Every file a package reads at run time ships in its image.

The images install each distribution as a wheel (`pip install ./services/<name>`), which carries a non-Python file
only if `[tool.setuptools.package-data]` names it; the development venv installs editable and reads the source tree,
so a missing pattern passes every other test and fails the service at start-up in production. This test holds the
patterns to the files.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = [ROOT / "shared", *sorted(p.parent for p in (ROOT / "services").glob("*/pyproject.toml"))]
RUNTIME_DATA = {".toml", ".html", ".js", ".css", ".png", ".json", ".csv", ".svg", ".woff2"}


def _shipped(distribution: Path) -> set[Path]:
    config = tomllib.loads((distribution / "pyproject.toml").read_text())
    src = distribution / "src"
    patterns = config.get("tool", {}).get("setuptools", {}).get("package-data", {})
    shipped: set[Path] = set()
    for package, globs in patterns.items():
        roots = [p for p in src.iterdir() if p.is_dir()] if package == "*" else [src / package.replace(".", "/")]
        for root in roots:
            for pattern in globs:
                # "*" applies to every package and its subpackages; a named package to itself.
                found = root.rglob(pattern) if package == "*" else root.glob(pattern)
                shipped.update(p for p in found if p.is_file())
    return shipped


def _data_files(distribution: Path) -> set[Path]:
    return {
        p
        for p in (distribution / "src").rglob("*")
        if p.is_file() and p.suffix in RUNTIME_DATA and not any(part.endswith(".egg-info") for part in p.parts)
    }


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=lambda p: p.name)
def test_every_runtime_data_file_is_named_by_package_data(distribution: Path) -> None:
    missing = sorted(str(p.relative_to(ROOT)) for p in _data_files(distribution) - _shipped(distribution))
    assert not missing, f"add these to [tool.setuptools.package-data] in {distribution.name}/pyproject.toml"
