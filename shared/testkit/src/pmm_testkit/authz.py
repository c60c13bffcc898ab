"""Security tables generated from a service's OpenAPI document: the authorisation matrix, mass assignment, page caps.

Each service's suite keeps its own table of who gets what; this module reads the document the service serves, so a
route added without a row in the table fails that suite (`assert_covered`), every write body is probed with the
read-only fields a client must never set (`mass_assignment_cases`), and every paged list must cap its `limit`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head")
WRITE_METHODS = frozenset({"PUT", "POST", "PATCH", "DELETE"})
API_PREFIX = "/api/v1/"

# Fields the server owns: a client that sends one is refused, never obeyed (mass assignment; docs/design.md §6).
READ_ONLY_FIELDS = ("state", "status", "id", "nip", "pegawai_id", "version", "created_at", "updated_at")

Route = tuple[str, str]  # (METHOD, OpenAPI path template)


class Persona(StrEnum):
    """Who tries a record of a teacher (or, for a KS's own record, of a principal): one name across services."""

    OWNER = "owner"
    PEER = "peer"  # another teacher of the owner's school
    ATASAN = "atasan"  # the owner's KS (for a KS's own record: their pengawas)
    OTHER_KS = "other_ks"  # the principal of another school
    PENGAWAS = "pengawas"  # the pengawas of the owner's school (the atasan of its KS)
    WRONG_PENGAWAS = "wrong_pengawas"  # a pengawas of other schools
    OPERATOR = "operator"  # an operator of the owner's region
    OTHER_OPERATOR = "other_operator"  # an operator of another region


# Every matrix of a route on one person's record has at least these callers: the owner, and those who must be refused.
REQUIRED_PERSONAS = frozenset(
    {Persona.OWNER, Persona.PEER, Persona.OTHER_KS, Persona.PENGAWAS, Persona.WRONG_PENGAWAS, Persona.OTHER_OPERATOR}
)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: Mapping[str, Mapping[str, Any]]
    body: Mapping[str, Any] | None  # the resolved application/json request schema, if the operation takes one
    responses: frozenset[str]

    @property
    def route(self) -> Route:
        return (self.method, self.path)

    @property
    def takes_id(self) -> bool:
        return bool(self.path_params)


@dataclass(frozen=True)
class MassAssignment:
    route: Route
    field: str  # the read-only field sent
    body: Any  # the JSON body carrying it
    expected_field: str  # how the 422 names it ("id", "[0].id")


@dataclass
class Coverage:
    """What `assert_covered` found; printed by the suites as their figures."""

    operations: int = 0
    with_id: int = 0
    elsewhere: dict[Route, str] = field(default_factory=dict)


def _resolve(document: Mapping[str, Any], schema: Any) -> Any:
    while isinstance(schema, Mapping) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def operations(document: Mapping[str, Any], prefix: str = API_PREFIX) -> dict[Route, Operation]:
    """Every operation of the document under `prefix`, by (METHOD, path)."""
    found: dict[Route, Operation] = {}
    for path, item in document.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            params = op.get("parameters", [])
            content = op.get("requestBody", {}).get("content", {})
            body = (
                _resolve(document, content["application/json"].get("schema")) if "application/json" in content else None
            )
            found[(method.upper(), path)] = Operation(
                method=method.upper(),
                path=path,
                path_params=tuple(re.findall(r"{(\w+)}", path)),
                query_params={p["name"]: _resolve(document, p.get("schema", {})) for p in params if p["in"] == "query"},
                body=body,
                responses=frozenset(op.get("responses", {})),
            )
    return found


def assert_covered(
    document: Mapping[str, Any],
    table: Iterable[Route],
    *,
    elsewhere: Mapping[Route, str] | None = None,
    prefix: str = API_PREFIX,
) -> Coverage:
    """Every operation is in `table` or in `elsewhere` (with where it is tested); neither names a stale route.

    Path templates are compared as the document spells them, so a renamed parameter is a new route too.
    """
    ops = operations(document, prefix)
    table = set(table)
    elsewhere = dict(elsewhere or {})
    missing = sorted(set(ops) - table - set(elsewhere))
    stale = sorted((table | set(elsewhere)) - set(ops))
    both = sorted(table & set(elsewhere))
    assert not missing, f"operations missing from the authorisation table: {missing}"
    assert not stale, f"the table names operations the API no longer has: {stale}"
    assert not both, f"operations both in the table and said to be tested elsewhere: {both}"
    return Coverage(operations=len(ops), with_id=sum(op.takes_id for op in ops.values()), elsewhere=elsewhere)


def assert_personas(personas: Iterable[str], *, not_applicable: Mapping[str, str] | None = None) -> None:
    """A record matrix tries every required persona, or says why one does not apply to this service."""
    absent = {p.value for p in REQUIRED_PERSONAS} - {str(p) for p in personas} - set(not_applicable or {})
    assert not absent, f"the matrix lacks the personas {sorted(absent)}"


# --- mass assignment -------------------------------------------------------------------------------------------


def _object_schema(document: Mapping[str, Any], schema: Any) -> tuple[Mapping[str, Any] | None, bool]:
    """The object schema a body is made of, and whether the body is an array of it."""
    schema = _resolve(document, schema)
    if isinstance(schema, Mapping) and schema.get("type") == "array":
        return _resolve(document, schema.get("items", {})), True
    return (schema if isinstance(schema, Mapping) else None), False


def mass_assignment_cases(
    document: Mapping[str, Any], *, declared: Mapping[Route, Iterable[str]] | None = None, prefix: str = API_PREFIX
) -> tuple[list[MassAssignment], list[Route]]:
    """For each write operation with a JSON body, one case per read-only field the body schema does not declare.

    A field the schema *does* declare must be listed in `declared` for that route (a roster row defines a NIP; a
    plan's step does not): otherwise the case generator fails, so a read-only field cannot quietly become writable.
    Also returns the write operations without a JSON body (nothing can be assigned through them).
    """
    declared = {route: set(fields) for route, fields in (declared or {}).items()}
    cases: list[MassAssignment] = []
    bodiless: list[Route] = []
    for route, op in sorted(operations(document, prefix).items()):
        if op.method not in WRITE_METHODS:
            continue
        if op.body is None:
            bodiless.append(route)
            continue
        schema, is_array = _object_schema(document, op.body)
        properties = set((schema or {}).get("properties", {}))
        unexpected = (properties & set(READ_ONLY_FIELDS)) - declared.get(route, set())
        assert not unexpected, f"{route} declares read-only fields {sorted(unexpected)} in its write body"
        for name in READ_ONLY_FIELDS:
            if name in properties:
                continue
            value: Any = {"id": str(uuid.uuid4()), "version": 99, "nip": "198609262015051001"}.get(name, "FINAL")
            body: Any = [{name: value}] if is_array else {name: value}
            cases.append(MassAssignment(route, name, body, f"[0].{name}" if is_array else name))
    return cases, bodiless


def fill_path(path: str, values: Mapping[str, str] | None = None) -> str:
    """A concrete URL: the given path parameter values, a fresh UUID for any other."""
    values = values or {}
    return re.sub(r"{(\w+)}", lambda m: str(values.get(m.group(1), uuid.uuid4())), path)


def assert_refused_field(response: httpx.Response, field_name: str) -> None:
    """422 problem+json whose errors name `field_name` as a field the body may not have."""
    assert response.status_code == 422, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    named = [(e["field"], e["rule"]) for e in response.json()["errors"]]
    assert (field_name, "schema.extra_forbidden") in named, named


# --- page caps -------------------------------------------------------------------------------------------------


def paged_operations(document: Mapping[str, Any], prefix: str = API_PREFIX) -> dict[Route, int | None]:
    """GET operations with a `limit` query parameter, and the maximum their schema allows (None: uncapped)."""
    return {
        route: op.query_params["limit"].get("maximum")
        for route, op in operations(document, prefix).items()
        if op.method == "GET" and "limit" in op.query_params
    }


async def probe_mass_assignment(
    client: httpx.AsyncClient,
    headers: Mapping[str, str],
    *,
    declared: Mapping[Route, Iterable[str]] | None = None,
    path_values: Mapping[str, str] | None = None,
) -> tuple[list[MassAssignment], list[Route]]:
    """Send every mass-assignment case to the running app; each must be a 422 naming the field it carried.

    The headers carry a valid token and a stale If-Match, so a route refuses the body before anything else.
    """
    document = (await client.get("/openapi.json")).json()
    cases, bodiless = mass_assignment_cases(document, declared=declared)
    for case in cases:
        method, path = case.route
        response = await client.request(method, fill_path(path, path_values), json=case.body, headers=dict(headers))
        try:
            assert_refused_field(response, case.expected_field)
        except AssertionError as exc:
            raise AssertionError(f"{method} {path} with {case.field!r}: {exc}") from None
    return cases, bodiless


async def probe_page_caps(
    client: httpx.AsyncClient,
    headers: Mapping[str, str],
    *,
    path_values: Mapping[str, str] | None = None,
    query: Mapping[Route, Mapping[str, str]] | None = None,
) -> dict[Route, int]:
    """Every paged list caps `limit` in its schema, and a limit over it (or 10,000) is a 422 naming `query.limit`."""
    document = (await client.get("/openapi.json")).json()
    caps = paged_operations(document)
    uncapped = sorted(route for route, maximum in caps.items() if maximum is None)
    assert not uncapped, f"paged lists without a maximum limit: {uncapped}"
    for route, maximum in caps.items():
        method, path = route
        for limit in (maximum + 1, 10_000):
            params = {**(query or {}).get(route, {}), "limit": str(limit)}
            response = await client.request(method, fill_path(path, path_values), params=params, headers=dict(headers))
            assert response.status_code == 422, (route, limit, response.text)
            assert [e["field"] for e in response.json()["errors"]] == ["query.limit"], (route, response.text)
    return {route: maximum for route, maximum in caps.items() if maximum is not None}
