"""Planning against the real PostgreSQL and RabbitMQ: a fresh database and vhost per test session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from planning.main import create_app
from planning.settings import PlanningSettings
from pmm_kernel.clock import WIB
from pmm_testkit import isolated_settings
from pmm_testkit.fixtures import app_fixtures, clock_fixtures, tokens_fixture
from tools.demo import skp_steps
from tools.demo_roster import demo_region

SERVICE_DIR = Path(__file__).resolve().parents[2]
OPERATOR = ("op-3273", "operator")  # an operator of Kota Bandung (kode wilayah 3273)
clock_file, set_clock = clock_fixtures(datetime(2024, 1, 10, 9, 0, tzinfo=WIB))
tokens = tokens_fixture()


@pytest.fixture(scope="session")
def trace_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("traces") / "planning.jsonl"


@pytest.fixture(scope="session")
async def settings(tokens, clock_file, trace_file):
    async with isolated_settings(
        PlanningSettings,
        SERVICE_DIR / "alembic.ini",
        jwt_jwks_url=tokens.jwks_url,
        clock_file=clock_file,
        otel_exporter="file",
        otel_file=trace_file,
    ) as settings:
        yield settings


app, client = app_fixtures(create_app)


@pytest.fixture(scope="session")
def region():
    return demo_region(schools=2, teachers_per_school=4)


@pytest.fixture(scope="session")
async def roster(client, tokens, region):
    """The demo region imported through the operator's CSV endpoints."""
    headers = {**tokens.headers(*OPERATOR, wilayah="3273"), "Content-Type": "text/csv"}
    for kind, text in (
        ("sekolah", region.sekolah_csv()),
        ("pegawai", region.pegawai_csv()),
        ("relasi", region.relasi_csv()),
    ):
        response = await client.post(f"/api/v1/roster/{kind}/csv", content=text, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == [], response.json()
    return region


@pytest.fixture
def operator_csv(tokens):
    """Headers of the region's operator posting a CSV file."""
    return {**tokens.headers(*OPERATOR, wilayah="3273"), "Content-Type": "text/csv"}


@pytest.fixture
def draft_plan(client, tokens):
    """Creates a plan for a teacher and saves every step it needs to be submitted; returns (skp_id, etag)."""

    async def draft(guru, periode: str = "2024-S1") -> tuple[str, str]:
        headers = tokens.headers(guru.nip, "guru")
        created = await client.post("/api/v1/skp", json={"periode": periode}, headers=headers)
        assert created.status_code == 201, created.text
        etag = created.headers["ETag"]
        for step, body in skp_steps("D.1.3"):
            saved = await client.put(
                f"/api/v1/skp/{created.json()['id']}/{step}", json=body, headers={**headers, "If-Match": etag}
            )
            assert saved.status_code == 200, (step, saved.text)
            etag = saved.headers["ETag"]
        return created.json()["id"], etag

    return draft


@pytest.fixture
def no_server_errors(client):
    """Whatever a caller sends, the answer is never a 5xx (the suites that probe bad input and access use it)."""
    failures: list[str] = []

    async def record(response) -> None:
        if response.status_code >= 500:
            failures.append(f"{response.request.method} {response.request.url.path} -> {response.status_code}")

    hooks = client.event_hooks
    client.event_hooks = {"request": hooks["request"], "response": [*hooks["response"], record]}
    yield
    client.event_hooks = hooks
    assert failures == []
