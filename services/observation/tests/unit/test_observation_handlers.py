"""Observation's handlers: what its inbox is bound to is what it handles, and each turns planning's plan events into
commands with the part of the period they name."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

from observation.handlers import handlers
from observation.handlers.on_skp_approved import on_skp_approved
from observation.handlers.on_skp_ended import on_skp_ended
from pmm_chassis.messaging.consumer import Consumer
from pmm_contracts import Event
from pmm_contracts.events import planning
from pmm_contracts.subscriptions import binding_keys
from services.observation.tests.unit.fakes import INDIKATOR, FakeObservationUnitOfWork

PEGAWAI, SKP = uuid.uuid4(), uuid.uuid4()


def event(data, version: int):
    envelope = SimpleNamespace(aggregate_version=version, event_id=uuid.uuid4())
    return Event(envelope=envelope, data=data)  # type: ignore[arg-type]


async def test_an_approval_and_the_end_of_a_part_arrive_as_the_use_cases_commands():
    uow = FakeObservationUnitOfWork()
    approved = planning.SkpApprovedV1(
        skp_id=SKP, pegawai_id=PEGAWAI, periode="2024-S1", atasan_id=None, approved_at=datetime.now(UTC),
        indikator=planning.IndikatorPart(kode=INDIKATOR.kode, nama=INDIKATOR.nama,
                                         perilaku_dianjurkan=list(INDIKATOR.perilaku_dianjurkan),
                                         perilaku_dihindari=list(INDIKATOR.perilaku_dihindari)),
        rhk=[], perilaku=[], bagian=2, npsn="20200002", mulai=date(2024, 3, 16),
    )  # fmt: skip
    await on_skp_approved([event(approved, 3)], uow)
    (cycle,) = uow.pelaksanaan.rows.values()
    assert (cycle.bagian, cycle.npsn, cycle.mulai, cycle.selesai) == (2, "20200002", date(2024, 3, 16), None)

    ended = planning.SkpEndedV1(
        skp_id=SKP, pegawai_id=PEGAWAI, periode="2024-S1", atasan_id=None, bagian=2, npsn="20200002",
        mulai=date(2024, 3, 16), selesai=date(2024, 5, 10), ended_at=datetime.now(UTC), status="DISETUJUI",
        alasan="mutasi",
    )  # fmt: skip
    await on_skp_ended(event(ended, 4), uow)
    (cycle,) = uow.pelaksanaan.rows.values()
    assert cycle.selesai == date(2024, 5, 10)


def test_handlers_match_the_subscriptions():
    deps = SimpleNamespace()
    consumer = Consumer(
        service="observation", uow_factory=lambda: None, handlers=handlers(deps), max_unexpected_attempts=1
    )  # type: ignore[arg-type]
    consumer.check_subscriptions()  # raises on any difference
    assert "planning.skp.ended.v1" in binding_keys("observation")
