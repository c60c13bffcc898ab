"""Planning against the real PostgreSQL and RabbitMQ: a fresh database and vhost per test session."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from planning.main import create_app
from planning.settings import PlanningSettings
from pmm_kernel.clock import WIB
from pmm_testkit import Tokens, isolated_settings, running
from tools.demo_roster import demo_region

SERVICE_DIR = Path(__file__).resolve().parents[2]
OPERATOR = ("op-3273", "operator")  # an operator of Kota Bandung (kode wilayah 3273)


@pytest.fixture(scope="session")
def tokens(tmp_path_factory) -> Tokens:
    return Tokens(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="session")
def clock_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clock") / "now"
    path.write_text(datetime(2024, 1, 10, 9, 0, tzinfo=WIB).isoformat())
    return path


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


@pytest.fixture(scope="session")
async def app(settings):
    app = create_app(settings)
    async with running(app) as client:
        app.state.client = client
        yield app


@pytest.fixture(scope="session")
def client(app):
    return app.state.client


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
def set_clock(clock_file):
    original = clock_file.read_text()

    def move(at: datetime) -> None:
        clock_file.write_text(at.isoformat())
        stat = os.stat(clock_file)
        os.utime(clock_file, (stat.st_atime, stat.st_mtime + 1))  # FileClock re-reads on a new mtime

    yield move
    clock_file.write_text(original)


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
        for step, body in (
            ("data-diri", {"sesuai": True}),
            ("praktik-kinerja", {"indikator": "D.1.3"}),
            ("pengembangan-kompetensi", {"rhk": [{"kode": "PK-01", "target_kuantitas": 4}]}),
            ("perilaku-kerja", None),
        ):
            saved = await client.put(
                f"/api/v1/skp/{created.json()['id']}/{step}", json=body, headers={**headers, "If-Match": etag}
            )
            assert saved.status_code == 200, (step, saved.text)
            etag = saved.headers["ETag"]
        return created.json()["id"], etag

    return draft
