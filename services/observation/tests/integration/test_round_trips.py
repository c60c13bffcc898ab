"""How many database round trips a step of the cycle costs: a count, so a regression cannot hide.

Counted on the engine (every statement, plus the BEGIN, COMMIT and ROLLBACK the driver sends) on the request's own
task: the relay, the consumers and the reminders share the engine. Every request starts with the caller's roster id
(the pegawai by NIP, a read and so no transaction; remembered for a minute after); then the cycle is loaded with its
pegawai, their atasan, the period with its extensions and its bukti in one statement.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from observation_world import INDIKATOR, approve, opened

from pmm_testkit.round_trips import round_trips

pytestmark = pytest.mark.integration

# The caller's id (1); BEGIN, the audit stamp, the cycle locked in its context, its update, COMMIT.
MAX_ROUND_TRIPS_STEP = 6
# The caller's id (1); BEGIN, the key's claim (carrying the audit stamp), the cycle locked in its context, its update,
# its outbox row (carrying the relay's NOTIFY), the stored answer, COMMIT: the step's one use case writes straight into
# the key's transaction, without a SAVEPOINT.
MAX_ROUND_TRIPS_KEYED = 8
# The caller's id (1); the cycle in its context (a read is no transaction: `UnitOfWork.reading`).
MAX_ROUND_TRIPS_READ = 2


def _request_task(connection) -> asyncio.Task | None:
    return asyncio.current_task()


def _cycle_loads(sent: list[str]) -> list[str]:
    return [s for s in sent if s.startswith("SELECT") and "FROM pelaksanaan" in s]


async def test_a_step_loads_its_cycle_in_one_round_trip(app, client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await approve(world, guru, atasan=ks)
    cycle = await opened(client, tokens, guru)
    engine = app.state.container.chassis.engine

    with round_trips(engine, by=_request_task) as sent:
        proposed = await client.put(
            f"/api/v1/pelaksanaan/{cycle['id']}/persiapan",
            json={
                "target_perilaku": INDIKATOR.perilaku_dianjurkan[:2],
                "upaya": "Menyiapkan LKPD",
                "jadwal": "2024-02-05",
            },
            headers={**guru.headers(tokens), "If-Match": cycle["etag"]},
        )
    assert proposed.status_code == 200, proposed.text
    step = sent[asyncio.current_task()]
    with round_trips(engine, by=_request_task) as sent:
        agreed = await client.post(
            f"/api/v1/pelaksanaan/{cycle['id']}/persiapan/setujui",
            headers={**ks.headers(tokens), "If-Match": proposed.headers["ETag"], "Idempotency-Key": str(uuid.uuid4())},
        )
    assert agreed.status_code == 200, agreed.text
    keyed = sent[asyncio.current_task()]
    with round_trips(engine, by=_request_task) as sent:
        read = await client.get(f"/api/v1/pelaksanaan/{cycle['id']}", headers=ks.headers(tokens))
    assert read.status_code == 200, read.text
    reading = sent[asyncio.current_task()]

    assert len(step) <= MAX_ROUND_TRIPS_STEP, step
    assert len(keyed) <= MAX_ROUND_TRIPS_KEYED, keyed
    assert not [s for s in keyed if "SAVEPOINT" in s], keyed
    assert len(reading) <= MAX_ROUND_TRIPS_READ, reading
    # One statement loads the cycle; a change locks the cycle's row only, a read locks nothing.
    for sent_by_change in (step, keyed):
        (load,) = _cycle_loads(sent_by_change)
        assert load.endswith("FOR UPDATE OF pelaksanaan"), load
    (load,) = _cycle_loads(reading)
    assert "FOR UPDATE" not in load, load
