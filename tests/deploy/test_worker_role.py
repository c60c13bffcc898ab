"""The api / worker split of deploy/k8s, in one process: the same image, the roles chosen by settings.

`<svc>-api` pods serve HTTP with consumers and relay off; `<svc>-worker` pods consume and relay with the API off
but keep /healthz, /readyz and /metrics for their probes and Prometheus. An outbox row an api pod commits is
published by a worker's relay. Real PostgreSQL and RabbitMQ (planning's database and a vhost of its own).
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from prometheus_client import REGISTRY

from planning.main import create_app
from planning.settings import PlanningSettings
from pmm_chassis.db.engine import asyncpg_dsn
from pmm_testkit import Tokens, isolated_settings, running, wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _published(routing_key: str) -> float:
    return (
        REGISTRY.get_sample_value("pmm_events_published_total", {"service": "planning", "routing_key": routing_key})
        or 0
    )


async def _unpublished(settings: PlanningSettings) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        return await conn.fetchval("SELECT count(*) FROM outbox_message WHERE published_at IS NULL")
    finally:
        await conn.close()


async def test_an_api_pod_commits_what_a_worker_pod_publishes_and_the_worker_serves_probes_only(tmp_path):
    tokens = Tokens(tmp_path / "issuer")
    async with isolated_settings(
        PlanningSettings,
        ROOT / "services" / "planning" / "alembic.ini",
        suite="roles",
        jwt_jwks_url=tokens.jwks_url,
        run_consumers=False,
        run_relay=False,
    ) as api_settings:
        worker_settings = api_settings.model_copy(update={"run_http": False, "run_consumers": True, "run_relay": True})
        opened = "planning.periode.opened.v1"
        before = _published(opened)
        api = create_app(api_settings)
        async with running(api) as client:
            # Opening the current periods at start-up writes outbox rows; no relay runs in this pod.
            assert await _unpublished(api_settings) > 0
            assert not api.state.container.chassis.consumer.consuming
            answer = await client.get("/api/v1/periode", headers=tokens.headers("op-3273", "operator", wilayah="3273"))
            assert answer.status_code == 200, answer.text

            worker = create_app(worker_settings)
            async with running(worker) as probe:
                await wait_for(lambda: _nothing_left(api_settings), timeout=20)
                assert _published(opened) > before
                assert worker.state.container.chassis.consumer.consuming  # planning.inbox is consumed here
                assert (await probe.get("/healthz")).status_code == 204
                assert (await probe.get("/readyz")).status_code == 200
                assert "pmm_events_published_total" in (await probe.get("/metrics")).text
                # No API on a worker: the route the api pod answered above is not there.
                refused = await probe.get("/api/v1/periode", headers=tokens.headers("op", "operator", wilayah="3273"))
                assert refused.status_code == 404


async def _nothing_left(settings: PlanningSettings) -> bool:
    return await _unpublished(settings) == 0
