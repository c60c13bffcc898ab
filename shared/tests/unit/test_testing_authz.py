"""The generated security tables catch what they are for: an uncovered route, a writable read-only field, a body
model that accepts unknown fields, an uncapped page size."""

from __future__ import annotations

import uuid
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict

from pmm_chassis.http.problems import install_problem_handlers
from pmm_testkit.authz import (
    Persona,
    assert_covered,
    assert_personas,
    mass_assignment_cases,
    paged_operations,
    probe_mass_assignment,
    probe_page_caps,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    catatan: str


class Loose(BaseModel):  # the bug the probe exists for: unknown fields silently dropped
    catatan: str


class WithStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str


def make_app(*, loose: bool = False, uncapped: bool = False) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/api/v1/skp/{skp_id}")
    async def read(skp_id: uuid.UUID) -> dict:
        return {}

    if loose:

        @app.post("/api/v1/skp/{skp_id}/return")
        async def give_back_loose(skp_id: uuid.UUID, body: Loose) -> dict:
            return {}
    else:

        @app.post("/api/v1/skp/{skp_id}/return")
        async def give_back(skp_id: uuid.UUID, body: Strict) -> dict:
            return {}

    @app.post("/api/v1/skp/{skp_id}/submit")
    async def submit(skp_id: uuid.UUID) -> dict:
        return {}

    if uncapped:

        @app.get("/api/v1/antrian")
        async def queue_uncapped(limit: Annotated[int, Query(ge=1)] = 20) -> dict:
            return {}
    else:

        @app.get("/api/v1/antrian")
        async def queue(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict:
            return {}

    return app


async def probe(app: FastAPI, run):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await run(client)


ALL_ROUTES = {
    ("GET", "/api/v1/skp/{skp_id}"),
    ("POST", "/api/v1/skp/{skp_id}/return"),
    ("POST", "/api/v1/skp/{skp_id}/submit"),
    ("GET", "/api/v1/antrian"),
}


def test_a_route_missing_from_the_table_fails() -> None:
    document = make_app().openapi()
    coverage = assert_covered(document, ALL_ROUTES)
    assert (coverage.operations, coverage.with_id) == (4, 3)
    with pytest.raises(AssertionError, match="missing from the authorisation table"):
        assert_covered(document, ALL_ROUTES - {("POST", "/api/v1/skp/{skp_id}/submit")})
    with pytest.raises(AssertionError, match="no longer has"):
        assert_covered(document, ALL_ROUTES | {("DELETE", "/api/v1/skp/{skp_id}")})
    elsewhere = {("GET", "/api/v1/antrian"): "test_queue"}
    assert_covered(document, ALL_ROUTES - set(elsewhere), elsewhere=elsewhere)


def test_a_matrix_without_a_required_persona_fails() -> None:
    assert_personas(list(Persona))
    with pytest.raises(AssertionError, match="wrong_pengawas"):
        assert_personas([p for p in Persona if p is not Persona.WRONG_PENGAWAS])
    assert_personas([p for p in Persona if p is not Persona.WRONG_PENGAWAS], not_applicable={"wrong_pengawas": "x"})


def test_a_write_body_declaring_a_read_only_field_fails_unless_declared() -> None:
    app = FastAPI()

    @app.put("/api/v1/thing/{thing_id}")
    async def put(thing_id: str, body: WithStatus) -> dict:
        return {}

    document = app.openapi()
    with pytest.raises(AssertionError, match="declares read-only fields"):
        mass_assignment_cases(document)
    cases, _ = mass_assignment_cases(document, declared={("PUT", "/api/v1/thing/{thing_id}"): ["status"]})
    assert "status" not in {c.field for c in cases} and "id" in {c.field for c in cases}


async def test_the_probe_passes_a_strict_body_and_catches_a_loose_one() -> None:
    cases, bodiless = await probe(make_app(), lambda c: probe_mass_assignment(c, {}))
    assert {c.field for c in cases} == {
        "state",
        "status",
        "id",
        "nip",
        "pegawai_id",
        "version",
        "created_at",
        "updated_at",
    }
    assert bodiless == [("POST", "/api/v1/skp/{skp_id}/submit")]
    with pytest.raises(AssertionError, match="return with 'state'"):
        await probe(make_app(loose=True), lambda c: probe_mass_assignment(c, {}))


async def test_page_caps_are_probed_and_an_uncapped_list_fails() -> None:
    assert paged_operations(make_app().openapi()) == {("GET", "/api/v1/antrian"): 100}
    assert await probe(make_app(), lambda c: probe_page_caps(c, {})) == {("GET", "/api/v1/antrian"): 100}
    with pytest.raises(AssertionError, match="without a maximum"):
        await probe(make_app(uncapped=True), lambda c: probe_page_caps(c, {}))
