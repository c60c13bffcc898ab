"""Observation against the real PostgreSQL and RabbitMQ: a fresh database and vhost per test session.

Planning is not running here: `observation_world` publishes planning's events, built with the contract models,
onto the vhost as planning's relay would; each test gets people of its own from `World`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from observation.main import create_app
from observation.settings import ObservationSettings
from pmm_testkit import isolated_settings, wait_for
from pmm_testkit.fixtures import app_fixtures, clock_fixtures, tap_fixture, tokens_fixture

# The helpers module beside this file (a unique name: the test directories here are not packages).
sys.path.insert(0, str(Path(__file__).parent))
from observation_world import TODAY_2024, Bus, World, periode_2024_s1, periode_2025_t  # noqa: E402

from pmm_testkit.world import scalar  # noqa: E402

SERVICE_DIR = Path(__file__).resolve().parents[2]
clock_file, set_clock = clock_fixtures(TODAY_2024)
tokens = tokens_fixture()


@pytest.fixture(scope="session")
def storage_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bukti")


@pytest.fixture(scope="session")
async def settings(tokens, clock_file, storage_dir):
    async with isolated_settings(
        ObservationSettings,
        SERVICE_DIR / "alembic.ini",
        jwt_jwks_url=tokens.jwks_url,
        clock_file=clock_file,
        storage_dir=storage_dir,
        upload_max_bytes=64 * 1024,  # small, so the too-large case needs no large file
    ) as settings:
        yield settings


async def _periods_published(app, settings) -> None:
    """The periods planning would have announced, known to the service before any test runs."""
    async with Bus(settings.amqp_url) as bus:
        for periode in (periode_2024_s1(), periode_2025_t()):
            await bus.publish(periode, aggregate_id=f"periode:{periode.kode}")
    await wait_for(lambda: _periods_known(app), timeout=15)


app, client = app_fixtures(create_app, ready=_periods_published)


@pytest.fixture(scope="session")
def world(app, settings) -> World:
    return World(bus_url=settings.amqp_url, app=app)


tap = tap_fixture("observation.#")


async def _periods_known(app) -> bool:
    return await scalar(app, "SELECT count(*) FROM roster_periode") >= 2
