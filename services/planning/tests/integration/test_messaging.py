"""The chassis as planning uses it, against the real RabbitMQ and PostgreSQL: outbox, relay, inbox, parking."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime

import aio_pika
import pytest
from sqlalchemy import text

from planning.domain import events
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.consumer import PARKED_QUEUE_HEADER, PARKED_REASON_HEADER
from pmm_chassis.parking_cli import ParkingLot
from pmm_contracts import encode, routing_key
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1, BknRhkPart, BknSkpReceivedV1, ProfilChanges
from pmm_testkit import wait_for
from pmm_testkit.tap import Tap

pytestmark = pytest.mark.integration


def extension_event(kode: str = "2024-S1") -> events.WindowExtended:
    return events.WindowExtended(
        extension_id=uuid.uuid4(),
        kode=kode,
        step="pelaksanaan",
        until=date(2024, 6, 30),
        wilayah="3273",
        alasan="uji",
        version=2,
    )


async def outbox_rows(app, where: str = "true") -> list[dict]:
    async with app.state.container.chassis.engine.connect() as conn:
        rows = await conn.execute(text(f"SELECT event_id, routing_key, published_at FROM outbox_message WHERE {where}"))
        return [dict(r._mapping) for r in rows]


async def test_event_is_published_after_commit_and_never_after_rollback(app, settings):
    deps = app.state.container.deps
    async with Tap(settings.amqp_url) as tap:
        committed, rolled_back = extension_event(), extension_event()
        async with deps.uow() as uow:
            uow.record(committed)
            await uow.commit()
        async with deps.uow() as uow:
            uow.record(rolled_back)  # leaves without commit: rolled back

        await tap.wait(extension_id=str(committed.extension_id))
        await asyncio.sleep(0.5)
        ids = [m["data"]["extension_id"] for m in tap.messages]
        assert ids.count(str(committed.extension_id)) == 1
        assert str(rolled_back.extension_id) not in ids
        [delivered] = tap.of(extension_id=str(committed.extension_id))
        assert delivered["persistent"]
        assert delivered["routing_key"] == "planning.periode.window_extended.v1"


async def test_with_the_relay_stopped_events_wait_and_go_out_once_when_it_starts(app, settings):
    chassis, deps = app.state.container.chassis, app.state.container.deps
    await chassis.relay.stop()
    try:
        async with Tap(settings.amqp_url) as tap:
            waiting = [extension_event() for _ in range(5)]
            for event in waiting:
                async with deps.uow() as uow:
                    uow.record(event)
                    await uow.commit()
            await asyncio.sleep(1.0)
            assert tap.messages == []
            unpublished = await outbox_rows(app, "published_at IS NULL")
            assert len(unpublished) == 5
            await chassis.relay.start()
            await tap.wait(count=5)
            await asyncio.sleep(0.5)
            extension_ids = sorted(m["data"]["extension_id"] for m in tap.messages)
            assert extension_ids == sorted(str(e.extension_id) for e in waiting)  # each exactly once
            assert await outbox_rows(app, "published_at IS NULL") == []
    finally:
        if chassis.relay._task is None or chassis.relay._task.done():
            await chassis.relay.start()


def bkn_change(nip: str, *, event_id: uuid.UUID, pangkat: str) -> bytes:
    data = BknPegawaiChangedV1(
        nip=nip, changes=ProfilChanges(pangkat_golongan=pangkat), siasn_updated_at=datetime.now(UTC)
    )
    return encode(
        data,
        event_id=event_id,
        occurred_at=datetime.now(UTC),
        aggregate_id=f"bkn_pegawai:{nip}",
        aggregate_version=1,
    )


async def publish_raw(
    amqp_url: str, body: bytes, *, routing: str, message_id: str, queue: str | None = None, headers=None
) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        message = aio_pika.Message(
            body, message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, headers=headers or {}
        )
        if queue:
            await channel.default_exchange.publish(message, routing_key=queue)
        else:
            exchange = await channel.get_exchange(topology.EVENTS.name)
            await exchange.publish(message, routing_key=routing)


async def pegawai_version(app, nip: str) -> tuple[int, str]:
    async with app.state.container.chassis.engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT version, pangkat_golongan FROM pegawai WHERE nip = :nip"), {"nip": nip})
        ).one()
        return row[0], row[1]


async def test_the_same_event_delivered_twice_has_one_effect(app, settings, roster):
    teacher = roster.schools[1].guru[3]
    before, _ = await pegawai_version(app, teacher.nip)
    updates_before = await pegawai_updates(app, teacher.nip)
    event_id = uuid.uuid4()
    body = bkn_change(teacher.nip, event_id=event_id, pangkat="III/c")
    key = routing_key(BknPegawaiChangedV1)
    for _ in range(2):
        await publish_raw(settings.amqp_url, body, routing=key, message_id=str(event_id))

    async def applied():
        async with app.state.container.chassis.engine.connect() as conn:
            return (
                await conn.execute(text("SELECT count(*) FROM inbox_message WHERE event_id = :e"), {"e": event_id})
            ).scalar()

    await wait_for(applied)
    await asyncio.sleep(1.0)  # give the duplicate every chance to apply twice
    after, pangkat = await pegawai_version(app, teacher.nip)
    assert (after, pangkat) == (before + 1, "III/c")
    assert await pegawai_updates(app, teacher.nip) == updates_before + 1  # one pegawai.updated, not two


async def pegawai_updates(app, nip: str) -> int:
    async with app.state.container.chassis.engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT count(*) FROM outbox_message o JOIN pegawai p ON o.aggregate_id = 'pegawai:' || p.id "
                    "WHERE p.nip = :nip AND o.routing_key = 'planning.pegawai.updated.v1'"
                ),
                {"nip": nip},
            )
        ).scalar()


async def test_a_transient_failure_is_retried_with_back_off_and_never_parked(app, settings, roster, monkeypatch):
    from planning.usecases import from_bkn

    real = from_bkn.apply_bkn_pegawai_changes
    calls = []

    async def flaky(command, **kwargs):
        calls.append(asyncio.get_running_loop().time())
        if len(calls) <= 2:
            raise ConnectionRefusedError("database restarting")
        return await real(command, **kwargs)

    monkeypatch.setattr(from_bkn, "apply_bkn_pegawai_changes", flaky)
    teacher = roster.schools[1].guru[1]
    event_id = uuid.uuid4()
    await publish_raw(
        settings.amqp_url,
        bkn_change(teacher.nip, event_id=event_id, pangkat="III/c"),
        routing=routing_key(BknPegawaiChangedV1),
        message_id=str(event_id),
    )
    await wait_for(lambda: _pangkat_is(app, teacher.nip, "III/c"), timeout=20)
    assert len(calls) == 3
    assert calls[1] - calls[0] >= 0.9 and calls[2] - calls[1] >= 4.5  # the 1 s then the 5 s delay tier
    assert not await _has_parked(settings, str(event_id))


async def test_a_persistent_bug_is_retried_a_few_times_then_parked_with_its_reason(app, settings, roster, monkeypatch):
    from planning.usecases import from_bkn

    calls = []

    async def broken(command, **kwargs):
        calls.append(1)
        raise KeyError("jenjang_jabatan")

    monkeypatch.setattr(from_bkn, "apply_bkn_pegawai_changes", broken)
    event_id = uuid.uuid4()
    await publish_raw(
        settings.amqp_url,
        bkn_change(roster.schools[1].guru[0].nip, event_id=event_id, pangkat="III/c"),
        routing=routing_key(BknPegawaiChangedV1),
        message_id=str(event_id),
    )
    found = await wait_for(lambda: _has_parked(settings, str(event_id)), timeout=20)
    assert len(calls) == settings.max_unexpected_attempts
    assert f"failed {settings.max_unexpected_attempts} times: KeyError" in found["reason"]


async def parked(settings) -> list[dict]:
    return await ParkingLot(settings.amqp_url, "planning").list()


async def test_malformed_and_schema_breaking_messages_are_parked_with_their_reason(app, settings, roster):
    key = routing_key(BknPegawaiChangedV1)
    malformed_id, breaking_id = str(uuid.uuid4()), str(uuid.uuid4())
    await publish_raw(settings.amqp_url, b"{this is not json", routing=key, message_id=malformed_id)
    envelope = json.loads(bkn_change(roster.schools[0].guru[0].nip, event_id=uuid.UUID(breaking_id), pangkat="III/c"))
    del envelope["data"]["nip"]
    await publish_raw(settings.amqp_url, json.dumps(envelope).encode(), routing=key, message_id=breaking_id)

    async def both_parked():
        found = {p["message_id"]: p for p in await parked(settings)}
        return found if {malformed_id, breaking_id} <= found.keys() else None

    found = await wait_for(both_parked)
    assert "not JSON" in found[malformed_id]["reason"]
    assert "payload invalid" in found[breaking_id]["reason"] and "nip" in found[breaking_id]["reason"]
    assert found[breaking_id]["queue"] == "planning.inbox"

    # Replay: a message parked earlier (here placed by hand, as if a bug had parked it) goes back and is applied.
    teacher = roster.schools[1].guru[2]
    fixed_id = uuid.uuid4()
    await publish_raw(
        settings.amqp_url,
        bkn_change(teacher.nip, event_id=fixed_id, pangkat="III/d"),
        routing="",
        message_id=str(fixed_id),
        queue=topology.parked_queue_name("planning"),
        headers={PARKED_REASON_HEADER: "a bug, since fixed", PARKED_QUEUE_HEADER: "planning.inbox"},
    )
    await wait_for(lambda: _has_parked(settings, str(fixed_id)))
    replayed = await ParkingLot(settings.amqp_url, "planning").replay([str(fixed_id)])
    assert replayed == 1
    await wait_for(lambda: _pangkat_is(app, teacher.nip, "III/d"))
    assert not await _has_parked(settings, str(fixed_id))

    # Replaying a message that is still broken parks it again, with its reason: nothing is lost either way.
    assert await ParkingLot(settings.amqp_url, "planning").replay([breaking_id]) == 1
    again = await wait_for(lambda: _has_parked(settings, breaking_id))
    assert "payload invalid" in again["reason"]


async def _has_parked(settings, message_id: str):
    return next((p for p in await parked(settings) if p["message_id"] == message_id), None)


async def _pangkat_is(app, nip: str, pangkat: str) -> bool:
    return (await pegawai_version(app, nip))[1] == pangkat


async def test_http_request_and_resulting_publish_share_one_trace(app, client, tokens, trace_file):
    response = await client.post(
        "/api/v1/periode/2024-S1/perpanjangan",
        json={
            "step": "pelaksanaan",
            "until": "2024-06-30",
            "wilayah": "3273",
            "alasan": "banjir di beberapa sekolah",
        },
        headers=tokens.headers("op-3273", "operator", wilayah="3273"),
    )
    assert response.status_code == 201, response.text

    def spans():
        app.state.container.chassis.tracer_provider.force_flush()
        return [json.loads(line) for line in trace_file.read_text().splitlines()] if trace_file.exists() else []

    async def linked():
        all_spans = spans()
        http = [s for s in all_spans if s["kind"].endswith("SERVER") and "perpanjangan" in s["name"]]
        publish = [
            s for s in all_spans if "window_extended" in s["name"] and s["kind"].endswith(("PRODUCER", "CLIENT"))
        ]
        if http and publish:
            shared = {s["trace_id"] for s in http} & {s["trace_id"] for s in publish}
            return shared or None
        return None

    assert await wait_for(linked, timeout=10)


def bkn_skp_edit(nip: str, *, pegawai_id, event_id: uuid.UUID, rhk: list[tuple[str, int]]) -> bytes:
    data = BknSkpReceivedV1(
        nip=nip,
        pegawai_id=pegawai_id,
        periode="2024-S1",
        tahun=2024,
        bulan_mulai=1,
        bulan_selesai=6,
        status_bkn="DRAFT",
        rhk=[
            BknRhkPart(nama=nama, aspek="kuantitas", indikator_kinerja_individu="-", target_kuantitas=t, satuan="x")
            for nama, t in rhk
        ],
        bkn_updated_at=datetime.now(UTC),
    )
    return encode(data, event_id=event_id, occurred_at=datetime.now(UTC), aggregate_id="bkn_skp:x", aggregate_version=1)


async def test_an_skp_edited_in_e_kinerja_is_applied_to_a_draft_and_never_to_a_submitted_plan(
    app, client, tokens, settings, roster, draft_plan
):
    draft_owner, submitted_owner = roster.schools[1].guru[2], roster.schools[1].guru[3]
    draft_id, _ = await draft_plan(draft_owner)
    submitted_id, etag = await draft_plan(submitted_owner)
    assert (
        await client.post(
            f"/api/v1/skp/{submitted_id}/submit",
            headers={**tokens.headers(submitted_owner.nip, "guru"), "If-Match": etag},
        )
    ).status_code == 200
    catalogue = app.state.container.deps.catalog.rhk
    edits = [
        (catalogue["PK-02"].nama.upper(), 3),
        ("Sesuatu yang tidak ada di katalog", 9),
        (catalogue["TT-04"].nama, 1),
    ]
    for person in (draft_owner, submitted_owner):
        event_id = uuid.uuid4()
        await publish_raw(
            settings.amqp_url,
            bkn_skp_edit(person.nip, pegawai_id=None, event_id=event_id, rhk=edits),
            routing=routing_key(BknSkpReceivedV1),
            message_id=str(event_id),
        )

    async def draft_changed():
        plan = (await client.get(f"/api/v1/skp/{draft_id}", headers=tokens.headers(draft_owner.nip, "guru"))).json()
        return plan if plan["pengembangan_kompetensi"][0]["kode"] == "PK-02" else None

    plan = await wait_for(draft_changed)
    assert [(r["kode"], r["target_kuantitas"]) for r in plan["pengembangan_kompetensi"]] == [("PK-02", 3)]
    assert [r["kode"] for r in plan["tugas_tambahan"]] == ["TT-04"]  # the unknown row is left out, not guessed
    await asyncio.sleep(1.0)
    submitted = (
        await client.get(f"/api/v1/skp/{submitted_id}", headers=tokens.headers(submitted_owner.nip, "guru"))
    ).json()
    assert submitted["status"] == "DIAJUKAN"
    assert [r["kode"] for r in submitted["pengembangan_kompetensi"]] == ["PK-01", "PK-03"]  # unchanged: past editing
