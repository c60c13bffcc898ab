"""Appraisal against the real PostgreSQL and RabbitMQ: a fresh database and vhost per test session.

Planning and observation are not running here: `appraisal_world` publishes their events, built with the contract
models, onto the vhost as their relays would; each test gets a school of its own from `World`.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import pytest

from appraisal.main import create_app
from appraisal.settings import AppraisalSettings
from pmm_testkit import Tokens, isolated_settings, running, wait_for

# The helpers module beside this file (a unique name: the test directories here are not packages).
sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import PENILAIAN_2024_S1, Bus, Tap, World, periods, scalar  # noqa: E402

SERVICE_DIR = Path(__file__).resolve().parents[2]
OPERATOR = ("op-3273", "operator")  # an operator of Kota Bandung (kode wilayah 3273)


@pytest.fixture(scope="session")
def tokens(tmp_path_factory) -> Tokens:
    return Tokens(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="session")
def clock_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clock") / "now"
    path.write_text(PENILAIAN_2024_S1.isoformat())
    return path


@pytest.fixture(scope="session")
async def settings(tokens, clock_file):
    async with isolated_settings(
        AppraisalSettings,
        SERVICE_DIR / "alembic.ini",
        jwt_jwks_url=tokens.jwks_url,
        clock_file=clock_file,
    ) as settings:
        yield settings


@pytest.fixture(scope="session")
async def app(settings):
    app = create_app(settings)
    async with running(app) as client:
        app.state.client = client
        async with Bus(settings.amqp_url) as bus:
            for periode in periods():
                await bus.publish(periode, aggregate_id=f"periode:{periode.kode}")
        await wait_for(lambda: _periods_known(app), timeout=15)
        yield app


async def _periods_known(app) -> bool:
    return await scalar(app, "SELECT count(*) FROM roster_periode") >= len(periods())


@pytest.fixture(scope="session")
def client(app):
    return app.state.client


@pytest.fixture(scope="session")
def world(app, settings) -> World:
    return World(bus_url=settings.amqp_url, app=app)


@pytest.fixture
async def tap(settings):
    async with Tap(settings.amqp_url) as tap:
        yield tap


@pytest.fixture
def operator(tokens):
    return tokens.headers(*OPERATOR, wilayah="3273")


@pytest.fixture
def set_clock(clock_file):
    original = clock_file.read_text()

    def move(at: datetime) -> None:
        clock_file.write_text(at.isoformat())
        stat = os.stat(clock_file)
        os.utime(clock_file, (stat.st_atime, stat.st_mtime + 1))  # FileClock re-reads on a new mtime

    yield move
    clock_file.write_text(original)
    stat = os.stat(clock_file)
    os.utime(clock_file, (stat.st_atime, stat.st_mtime + 1))
