"""Appraisal against the real PostgreSQL and RabbitMQ: a fresh database and vhost per test session.

Planning and observation are not running here: `appraisal_world` publishes their events, built with the contract
models, onto the vhost as their relays would; each test gets a school of its own from `World`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from appraisal.main import create_app
from appraisal.settings import AppraisalSettings
from pmm_testkit import isolated_settings, wait_for
from pmm_testkit.fixtures import app_fixtures, clock_fixtures, tap_fixture, tokens_fixture

# The helpers module beside this file (a unique name: the test directories here are not packages).
sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import PENILAIAN_2024_S1, Bus, World, periods  # noqa: E402

from pmm_testkit.world import scalar  # noqa: E402

SERVICE_DIR = Path(__file__).resolve().parents[2]
OPERATOR = ("op-3273", "operator")  # an operator of Kota Bandung (kode wilayah 3273)
clock_file, set_clock = clock_fixtures(PENILAIAN_2024_S1)
tokens = tokens_fixture()


@pytest.fixture(scope="session")
async def settings(tokens, clock_file):
    async with isolated_settings(
        AppraisalSettings,
        SERVICE_DIR / "alembic.ini",
        jwt_jwks_url=tokens.jwks_url,
        clock_file=clock_file,
    ) as settings:
        yield settings


async def _periods_published(app, settings) -> None:
    """The periods planning would have announced, known to the service before any test runs."""
    async with Bus(settings.amqp_url) as bus:
        for periode in periods():
            await bus.publish(periode, aggregate_id=f"periode:{periode.kode}")
    await wait_for(lambda: _periods_known(app), timeout=15)


app, client = app_fixtures(create_app, ready=_periods_published)


async def _periods_known(app) -> bool:
    return await scalar(app, "SELECT count(*) FROM roster_periode") >= len(periods())


@pytest.fixture(scope="session")
def world(app, settings) -> World:
    return World(bus_url=settings.amqp_url, app=app)


tap = tap_fixture("appraisal.#")


@pytest.fixture
def operator(tokens):
    return tokens.headers(*OPERATOR, wilayah="3273")
