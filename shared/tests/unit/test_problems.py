"""RFC 9457 problems: every error path of a FastAPI app answers application/problem+json."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel, ConfigDict

from pmm_chassis.http.problems import (
    KIND_STATUS,
    PROBLEM_JSON,
    PROBLEM_RESPONSES,
    PROBLEM_TYPE_BASE,
    HttpProblem,
    field_path,
    install_problem_handlers,
)
from pmm_kernel.errors import (
    DomainError,
    ErrorKind,
    Forbidden,
    InvalidValue,
    NotFound,
    OutsideWindow,
    PreconditionRequired,
    StaleVersion,
    StateConflict,
)

NIP = "198609262015051001"


class RhkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rhk_id: str
    target: int


class SkpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nip: str
    rhk: list[RhkIn]


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter(responses=PROBLEM_RESPONSES)

    @router.post("/skp")
    async def create_skp(body: SkpIn) -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/skp")
    async def list_skp(
        limit: Annotated[int, Query(le=100)] = 10,
        if_match: Annotated[str | None, Header()] = None,
    ) -> dict[str, int]:
        return {"limit": limit}

    @router.put("/skp/{skp_id}")
    async def update_skp(skp_id: int, if_match: Annotated[str, Header()]) -> dict[str, int]:
        return {"id": skp_id}

    @router.post("/raise/{kind}")
    async def raise_domain(kind: str) -> None:
        raise _errors()[kind]

    @router.get("/http-error")
    async def http_error() -> None:
        raise HTTPException(status_code=400, detail="There was an error parsing the body")

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"database said: Key (nip)=({NIP}) already exists")

    app.include_router(router, prefix="/api/v1")

    @app.get("/plain")  # no PROBLEM_RESPONSES: FastAPI's automatic 422 must still be documented as Problem
    async def plain(q: int) -> dict[str, int]:
        return {"q": q}

    return app


def _errors() -> dict[str, DomainError]:
    window = {"window": {"start": date(2024, 1, 1), "end": date(2024, 1, 31)}, "status": 999}
    return {
        "invalid": InvalidValue("target must be positive", rule="rhk.target_positive", field="rhk[0].target"),
        "conflict": StateConflict("SKP is already approved", rule="skp.state", field="status"),
        "window": OutsideWindow("planning is closed", rule="window.closed", extra=window),
        "not_found": NotFound("no such SKP", rule="skp.not_found"),
        "forbidden": Forbidden("not your pegawai", rule="atasan.only"),
        "stale": StaleVersion("version changed", rule="http.if_match_stale", field="If-Match"),
        "precondition": PreconditionRequired("If-Match required", rule="http.if_match_required"),
    }


@pytest.fixture
async def client() -> httpx.AsyncClient:
    # raise_app_exceptions=False: Starlette re-raises after sending the 500, as a server would see it.
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert NIP not in response.text
    return body


@pytest.mark.parametrize(
    ("kind", "status", "rule", "field"),
    [
        ("invalid", 422, "rhk.target_positive", "rhk[0].target"),
        ("conflict", 409, "skp.state", "status"),
        ("window", 409, "window.closed", None),
        ("not_found", 404, "skp.not_found", None),
        ("forbidden", 403, "atasan.only", None),
        ("stale", 412, "http.if_match_stale", "If-Match"),
        ("precondition", 428, "http.if_match_required", None),
    ],
)
async def test_domain_error_maps_kind_to_status_rule_and_field(client, kind, status, rule, field) -> None:
    body = assert_problem(await client.post(f"/api/v1/raise/{kind}"), status)
    assert body["type"] == PROBLEM_TYPE_BASE + rule
    assert body["errors"] == [{"field": field, "rule": rule, "detail": body["detail"]}]


def test_every_error_kind_has_a_status() -> None:
    assert set(KIND_STATUS) == set(ErrorKind)


async def test_domain_extra_is_merged_but_cannot_overwrite_standard_members(client) -> None:
    body = assert_problem(await client.post("/api/v1/raise/window"), 409)
    assert body["window"] == {"start": "2024-01-01", "end": "2024-01-31"}
    assert body["status"] == 409  # extra tried to set 999


async def test_nested_body_errors_name_each_field_and_pydantic_rule(client) -> None:
    payload = {"nip": NIP, "rhk": [{"rhk_id": "R1", "target": "banyak"}, {"target": 3}], "extra": NIP}
    body = assert_problem(await client.post("/api/v1/skp", json=payload), 422)
    found = {(e["field"], e["rule"]) for e in body["errors"]}
    assert found == {
        ("rhk[0].target", "schema.int_parsing"),
        ("rhk[1].rhk_id", "schema.missing"),
        ("extra", "schema.extra_forbidden"),
    }
    assert body["type"] == PROBLEM_TYPE_BASE + "schema"


async def test_query_path_and_header_errors_keep_their_location(client) -> None:
    body = assert_problem(await client.get("/api/v1/skp", params={"limit": NIP}), 422)
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("query.limit", "schema.less_than_equal")]

    body = assert_problem(await client.put(f"/api/v1/skp/{NIP}x"), 422)
    assert {(e["field"], e["rule"]) for e in body["errors"]} == {
        ("path.skp_id", "schema.int_parsing"),
        ("header.if-match", "schema.missing"),
    }


async def test_malformed_json_is_400_json_malformed(client) -> None:
    response = await client.post(
        "/api/v1/skp",
        content=b'{"nip": "' + NIP.encode() + b'", ',
        headers={"content-type": "application/json"},
    )
    body = assert_problem(response, 400)
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [(None, "json.malformed")]


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "rhk", 0, "target"), "rhk[0].target"),
        (("body", "nip"), "nip"),
        (("body",), None),
        (("body", 0, "nip"), "[0].nip"),
        (("query", "limit"), "query.limit"),
        (("path", "skp_id"), "path.skp_id"),
        (("header", "if-match"), "header.if-match"),
    ],
)
def test_field_path(loc, expected) -> None:
    assert field_path(loc) == expected


async def test_unknown_route_and_wrong_method_are_problems(client) -> None:
    body = assert_problem(await client.get("/nowhere"), 404)
    assert body["errors"][0]["rule"] == "http.404"

    response = await client.delete("/api/v1/skp")
    body = assert_problem(response, 405)
    assert response.headers["allow"]  # the 405 keeps the header HTTPException carried


async def test_http_exception_keeps_its_status_and_detail(client) -> None:
    body = assert_problem(await client.get("/api/v1/http-error"), 400)
    assert body["detail"] == "There was an error parsing the body"


async def test_unhandled_exception_is_a_generic_500_and_logged_with_stack(client, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="pmm_chassis.http.problems"):
        body = assert_problem(await client.get("/api/v1/boom"), 500)
    assert "database" not in body["detail"]  # internals stay in the log
    assert body["errors"][0]["rule"] == "internal"
    record = next(r for r in caplog.records if r.name == "pmm_chassis.http.problems")
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


async def test_http_problem_carries_headers(client) -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/x")
    async def x() -> None:
        raise HttpProblem(503, rule="auth.jwks_unavailable", detail="later", headers={"Retry-After": "5"})

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/x")
    body = assert_problem(response, 503)
    assert response.headers["retry-after"] == "5"
    assert body["type"] == PROBLEM_TYPE_BASE + "auth.jwks_unavailable"
    assert body["errors"][0]["field"] is None


async def test_http_problem_names_the_header_at_fault() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.patch("/x")
    async def x() -> None:
        raise HttpProblem(415, rule="tus.content_type", detail="wrong type", field="Content-Type")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.patch("/x")
    body = assert_problem(response, 415)
    assert body["errors"] == [{"field": "Content-Type", "rule": "tus.content_type", "detail": "wrong type"}]


async def test_openapi_documents_problems_as_problem_json(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    responses = spec["paths"]["/api/v1/skp"]["post"]["responses"]
    for status in ("400", "401", "403", "404", "409", "412", "422", "428"):
        assert set(responses[status]["content"]) == {PROBLEM_JSON}, status
        assert responses[status]["content"][PROBLEM_JSON]["schema"]["$ref"].endswith("/Problem")
    # A route without PROBLEM_RESPONSES: FastAPI's HTTPValidationError is replaced, not left to mislead.
    plain = spec["paths"]["/plain"]["get"]["responses"]["422"]
    assert plain["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "errors" in spec["components"]["schemas"]["Problem"]["properties"]
