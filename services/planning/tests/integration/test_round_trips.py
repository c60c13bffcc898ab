"""How many database round trips a plan's submission and approval cost: a count, so a regression cannot hide.

Counted on the engine (every statement, plus the BEGIN and COMMIT the driver sends), for a request that carries an
`Idempotency-Key` (the portal's way) by a caller the actor cache already knows.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from pmm_testkit import wait_for
from pmm_testkit.round_trips import round_trips
from tools.demo_roster import pns_nip

pytestmark = pytest.mark.integration

FIRST_I = 9400  # this module's people: pns_nip(i) from here on (other modules use other ranges)
NPSN = "20999401"

# BEGIN, the key's claim (carrying the audit stamp), the locked plan's load, its update, the outbox row (carrying the
# relay's NOTIFY), the stored answer, COMMIT.
MAX_ROUND_TRIPS = 7
# Without a key: the audit stamp, the load, the update, the outbox row, BEGIN and COMMIT.
MAX_ROUND_TRIPS_UNKEYED = 6


async def _import(client, tokens, kind: str, rows: list[dict[str, str]]) -> None:
    headers = tokens.headers("op-hitung-3273", "operator", wilayah="3273")
    response = await client.post(f"/api/v1/roster/{kind}", json=rows, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == [], response.json()


@pytest.fixture(scope="module")
async def people(client, tokens) -> tuple[SimpleNamespace, SimpleNamespace, SimpleNamespace]:
    """A school of this module's own, with its kepala sekolah and two teachers (guru, ks, another guru)."""
    guru, ks = SimpleNamespace(nip=pns_nip(FIRST_I)), SimpleNamespace(nip=pns_nip(FIRST_I + 1))
    other = SimpleNamespace(nip=pns_nip(FIRST_I + 2))
    sekolah = {"npsn": NPSN, "nama": "SD Hitung", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"}
    await _import(client, tokens, "sekolah", [sekolah])
    base = {"status": "PNS", "npsn": NPSN}
    await _import(
        client,
        tokens,
        "pegawai",
        [
            {
                **base,
                "nip": guru.nip,
                "nama": "Hitung Guru",
                "pangkat_golongan": "III/b",
                "jenjang_jabatan": "Ahli Pertama",
                "jenis_gtk": "Guru Mapel",
            },
            {
                **base,
                "nip": other.nip,
                "nama": "Hitung Guru Dua",
                "pangkat_golongan": "III/b",
                "jenjang_jabatan": "Ahli Pertama",
                "jenis_gtk": "Guru Mapel",
            },
            {
                **base,
                "nip": ks.nip,
                "nama": "Hitung Kepala",
                "pangkat_golongan": "IV/a",
                "jenjang_jabatan": "Ahli Madya",
                "jenis_gtk": "Kepala Sekolah",
            },
        ],
    )
    relasi = [
        {"nip_pegawai": teacher.nip, "nip_atasan": ks.nip, "peran_atasan": "kepala_sekolah", "mulai": "2023-07-01"}
        for teacher in (guru, other)
    ]
    await _import(client, tokens, "relasi", relasi)
    return guru, ks, other


async def test_submit_and_approve_round_trips(app, client, tokens, people, draft_plan, trace_file):
    guru, ks, _ = people
    skp_id, etag = await draft_plan(guru)
    guru_headers = tokens.headers(guru.nip, "guru")
    ks_headers = tokens.headers(ks.nip, "guru", "kepala_sekolah")
    await client.get("/api/v1/antrian-persetujuan", headers=ks_headers)  # the atasan is known to the actor cache
    engine = app.state.container.chassis.engine

    with round_trips(engine) as sent:
        submitted = await client.post(
            f"/api/v1/skp/{skp_id}/submit",
            headers={**guru_headers, "If-Match": etag, "Idempotency-Key": str(uuid.uuid4())},
        )
    assert submitted.status_code == 200, submitted.text
    submit = sent[None]
    with round_trips(engine) as sent:
        approved = await client.post(
            f"/api/v1/skp/{skp_id}/approve",
            headers={**ks_headers, "If-Match": submitted.headers["ETag"], "Idempotency-Key": str(uuid.uuid4())},
        )
    assert approved.status_code == 200, approved.text
    # BEGIN, the key's claim (stamping the transaction for the audit trail), the plan locked in its context, its
    # update, its outbox row (waking the relay in the same statement), the stored answer, COMMIT.
    approve = sent[None]
    assert len(submit) <= MAX_ROUND_TRIPS, submit
    assert len(approve) <= MAX_ROUND_TRIPS, approve
    assert not [s for s in submit + approve if s.startswith(("SAVEPOINT", "RELEASE", "SELECT pg_notify"))]

    async with engine.connect() as conn:
        audited = (
            await conn.execute(
                text(
                    "SELECT actor, to_state, trace_id FROM audit_record"
                    " WHERE target_table = 'skp' AND target_id = :id AND to_state IN ('DIAJUKAN', 'DISETUJUI')"
                    " ORDER BY id"
                ),
                {"id": skp_id},
            )
        ).all()
        pegawai = dict(
            (
                await conn.execute(
                    text("SELECT nip, id FROM pegawai WHERE nip IN (:g, :k)"), {"g": guru.nip, "k": ks.nip}
                )
            ).all()
        )
    # The stamp folded into the claim still names who acted, and the request's trace.
    assert [(a.actor, a.to_state) for a in audited] == [
        (f"pegawai:{pegawai[guru.nip]}", "DIAJUKAN"),
        (f"pegawai:{pegawai[ks.nip]}", "DISETUJUI"),
    ]
    assert all(a.trace_id for a in audited)

    # Still one trace: the request's server span (named by its route), its outbox row and the relay's publish.
    def spans() -> list[dict]:
        app.state.container.chassis.tracer_provider.force_flush()
        return [json.loads(line) for line in trace_file.read_text().splitlines()] if trace_file.exists() else []

    async def one_trace() -> bool:
        found = spans()
        (trace_id,) = {a.trace_id for a in audited if a.to_state == "DISETUJUI"}
        names = {(s["kind"], s["name"]) for s in found if s["trace_id"] == trace_id}
        return {
            ("SERVER", "POST /api/v1/skp/{skp_id}/approve"),
            ("CLIENT", "outbox row(s): INSERT INTO outbox_message"),
            ("PRODUCER", "pmm.events.planning.skp.approved.v1 publish"),
        } <= names

    assert await wait_for(one_trace, timeout=10)


async def test_without_a_key_a_plan_change_is_its_own_transaction(app, client, tokens, people, draft_plan):
    _, ks, guru = people
    skp_id, etag = await draft_plan(guru)
    guru_headers = tokens.headers(guru.nip, "guru")
    ks_headers = tokens.headers(ks.nip, "guru", "kepala_sekolah")
    await client.get("/api/v1/antrian-persetujuan", headers=ks_headers)
    engine = app.state.container.chassis.engine

    with round_trips(engine) as sent:
        submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**guru_headers, "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    submit = sent[None]
    with round_trips(engine) as sent:
        approved = await client.post(
            f"/api/v1/skp/{skp_id}/approve", headers={**ks_headers, "If-Match": submitted.headers["ETag"]}
        )
    assert approved.status_code == 200, approved.text
    # BEGIN, the audit stamp, the plan locked in its context, its update, its outbox row with the NOTIFY, COMMIT.
    approve = sent[None]
    assert len(submit) <= MAX_ROUND_TRIPS_UNKEYED, submit
    assert len(approve) <= MAX_ROUND_TRIPS_UNKEYED, approve


async def test_reading_a_plan_is_no_transaction_and_locks_nothing(app, client, tokens, people, draft_plan):
    """The own-plan page (on every Beranda): the latest part, then the plan in its context; no BEGIN, and no row
    lock, so a read never waits for, or holds up, the atasan's decision on the same plan."""
    _, ks, _ = people
    guru = SimpleNamespace(nip=pns_nip(FIRST_I + 3))  # a plan of its own: the other tests' are submitted
    row = {"status": "PNS", "npsn": NPSN, "nip": guru.nip, "nama": "Hitung Guru Tiga", "pangkat_golongan": "III/b"}
    await _import(client, tokens, "pegawai", [{**row, "jenjang_jabatan": "Ahli Pertama", "jenis_gtk": "Guru Mapel"}])
    relasi = {"nip_pegawai": guru.nip, "nip_atasan": ks.nip, "peran_atasan": "kepala_sekolah", "mulai": "2023-07-01"}
    await _import(client, tokens, "relasi", [relasi])
    skp_id, _ = await draft_plan(guru)
    headers = tokens.headers(guru.nip, "guru")
    await client.get("/api/v1/skp/saya", params={"periode": "2024-S1"}, headers=headers)  # the actor cache knows them
    engine = app.state.container.chassis.engine
    # Counted on the request's own task: the relay and the reminders share the engine.
    with round_trips(engine, by=lambda connection: asyncio.current_task()) as sent:
        mine = await client.get("/api/v1/skp/saya", params={"periode": "2024-S1"}, headers=headers)
    assert mine.status_code == 200 and mine.json()["id"] == skp_id, mine.text
    read = sent[asyncio.current_task()]
    assert len(read) == 2 and not [s for s in read if "FOR UPDATE" in s or s in ("BEGIN", "ROLLBACK")], read
