"""The four domain services keep the same rooms and the same dependency rule (docs/design.md §9).

Read from the source, not imported: a use case that imports SQLAlchemy, a table class or a contract, a domain module
that imports a framework, a handler module outside the registry function: each is a change to one service that would
make it unlike the other three.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("planning", "observation", "appraisal", "bkn_sync")
ROOMS = ("api", "domain", "usecases", "handlers", "db", "integration.py", "bootstrap.py", "settings.py", "main.py")


def _package(service: str) -> Path:
    return ROOT / "services" / service / "src" / service


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(service: str, room: str) -> list[Path]:
    return sorted((_package(service) / room).rglob("*.py"))


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_rooms(service):
    missing = [room for room in ROOMS if not (_package(service) / room).exists()]
    assert not missing, f"{service} lacks {missing}"
    assert not (_package(service) / "usecases.py").exists(), "the service layer is the usecases/ package"
    assert (ROOT / "services" / service / "tests" / "unit" / "usecases").is_dir()


FORBIDDEN_IN_USECASES = ("sqlalchemy", "sqlmodel", "pmm_contracts", "fastapi", "faststream", "opentelemetry")


@pytest.mark.parametrize("service", SERVICES)
def test_use_cases_see_no_contract_session_or_table(service):
    offending = {
        path.name: sorted(
            name
            for name in _imports(path)
            if name.split(".")[0] in FORBIDDEN_IN_USECASES
            or name.startswith((f"{service}.db.tables", "pmm_roster.projections"))
        )
        for path in _modules(service, "usecases")
    }
    assert not {name: found for name, found in offending.items() if found}


FORBIDDEN_IN_DOMAIN = ("sqlalchemy", "sqlmodel", "fastapi", "faststream", "pmm_chassis", "pmm_contracts", "httpx")


@pytest.mark.parametrize("service", SERVICES)
def test_domain_is_pure(service):
    offending = {
        path.name: sorted(
            name
            for name in _imports(path)
            if name.split(".")[0] in FORBIDDEN_IN_DOMAIN
            or name.split(".")[0] in {*SERVICES} - {service}
            or name.startswith((f"{service}.db", f"{service}.api", f"{service}.usecases", f"{service}.adapters"))
        )
        for path in _modules(service, "domain")
    }
    assert not {name: found for name, found in offending.items() if found}


@pytest.mark.parametrize("service", SERVICES)
def test_handlers_are_registered_by_one_function(service):
    tree = ast.parse((_package(service) / "handlers" / "__init__.py").read_text())
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    constants = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id.isupper()
    ]
    assert "handlers" in functions and not constants


@pytest.mark.parametrize("service", SERVICES)
def test_clients_are_adapters_not_database(service):
    for path in _modules(service, "db"):
        imports = _imports(path)
        assert not {"httpx", "aiobotocore", "boto3", "aioboto3"} & {name.split(".")[0] for name in imports}, path
