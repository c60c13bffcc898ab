"""bkn_sync's handlers: what its inbox is bound to is exactly what it handles, and each handler turns its contract
event into the command its use case takes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush, PushStatus
from bkn_sync.handlers import handlers
from bkn_sync.handlers.on_penilaian import on_penilaian_finalized
from bkn_sync.handlers.on_roster import on_periode_opened
from bkn_sync.handlers.on_skp import on_skp_approved, on_skp_ended
from pmm_chassis.messaging.consumer import Consumer
from pmm_contracts import Event, routing_key
from pmm_contracts.events import appraisal, planning
from pmm_contracts.subscriptions import binding_keys
from pmm_roster.projections import ROSTER_HANDLERS

from .fakes import PERIODE, fake_deps, stored_push, world


def registry():
    w = world()
    return handlers(fake_deps(w.uow))


def test_handlers_match_the_subscriptions():
    consumer = Consumer(service="bkn_sync", uow_factory=lambda: None, handlers=registry(), max_unexpected_attempts=1)
    consumer.check_subscriptions()  # raises on any difference
    assert "appraisal.penilaian.finalized.v1" in binding_keys("bkn_sync")


def test_the_roster_events_heal_failed_pushes():
    """pegawai, atasan and periode events are bkn_sync's own wrappers (projection + healing), not the bare ones."""
    healing = {routing_key(m) for m, h in registry().items() if ROSTER_HANDLERS.get(m) not in (None, h)}
    assert healing == {
        "planning.pegawai.registered.v1",
        "planning.pegawai.updated.v1",
        "planning.atasan.assigned.v1",
        "planning.atasan.updated.v1",
        "planning.periode.opened.v1",
    }


def event(data, version: int):
    envelope = SimpleNamespace(aggregate_version=version, event_id=uuid.uuid4())
    return Event(envelope=envelope, data=data)  # type: ignore[arg-type]


async def test_an_approved_plan_arrives_as_the_use_case_s_command():
    w = world()
    data = planning.SkpApprovedV1(
        skp_id=uuid.uuid4(), pegawai_id=w.guru.pegawai_id, periode=PERIODE, atasan_id=w.ks.pegawai_id,
        approved_at=datetime.now(UTC),
        indikator=planning.IndikatorPart(kode="D.1.3", nama="Pembelajaran", perilaku_dianjurkan=[],
                                         perilaku_dihindari=[]),
        rhk=[planning.RhkPart(kode="PK-01", nama="Pelatihan", kategori="pengembangan_kompetensi", rhk_atasan=None,
                              aspek="kuantitas", indikator_kinerja_individu="Modul", target_kuantitas=4,
                              satuan="modul", poin=None)],
        perilaku=[],
    )  # fmt: skip
    await on_skp_approved([event(data, 3)], w.uow)
    [push] = w.uow.pushes.rows.values()
    assert (push.jenis, push.source_version, push.payload["atasan_id"]) == (JenisPush.SKP, 3, str(w.ks.pegawai_id))
    assert push.payload["rhk"] == [
        {
            "nama": "Pelatihan",
            "rhk_atasan": None,
            "aspek": "kuantitas",
            "indikator_kinerja_individu": "Modul",
            "target_kuantitas": 4,
            "satuan": "modul",
        }
    ]


async def test_a_finalised_penilaian_arrives_as_the_use_case_s_command():
    w = world()
    data = appraisal.PenilaianFinalizedV1(
        penilaian_id=uuid.uuid4(), pegawai_id=w.guru.pegawai_id, periode=PERIODE, jenis="tahunan", nip=w.guru.nip,
        bulan_mulai=1, bulan_selesai=6, tahun_mulai=2024, tahun_selesai=2024, hasil_kerja="sesuai",
        hasil_kerja_kode=2, perilaku_kerja="di_atas", perilaku_kerja_kode=1, predikat="Baik", predikat_kode=2,
        jenjang="Ahli Pertama", koefisien=Decimal("12.5"), angka_kredit=None, angka_kredit_kumulatif=None,
        penilai=appraisal.Penilai(pegawai_id=w.ks.pegawai_id, nip=w.ks.nip, nama="Kepala", golongan="IV/a",
                                  jabatan="Guru Ahli Madya", unor="SD Negeri 1", status_penilai="ASN"),
        finalized_at=datetime.now(UTC),
    )  # fmt: skip
    await on_penilaian_finalized(event(data, 2), w.uow)
    [push] = w.uow.pushes.rows.values()
    assert (push.jenis, push.source_version) == (JenisPush.SKP22, 2)
    assert push.payload["penilai"] == {
        "nip": w.ks.nip,
        "nama": "Kepala",
        "golongan": "IV/a",
        "jabatan": "Guru Ahli Madya",
        "unor": "SD Negeri 1",
        "status_penilai": "ASN",
    }


async def test_an_opened_period_heals_before_the_projection_commits_both(monkeypatch):
    w = world()
    failed = stored_push(w.uow, w.guru, status=PushStatus.FAILED, failure_kode="PERIODE_BELUM_DIKENAL")
    seen = []

    async def projection(events, uow):
        seen.append(uow.pushes.rows[failed.id].status)
        await uow.commit()

    monkeypatch.setattr("pmm_roster.projections.on_periode_opened", projection)
    async with w.uow:  # the consumer's unit of work
        await on_periode_opened([event(SimpleNamespace(kode=PERIODE), 1)], w.uow)
    assert seen == [PushStatus.PENDING] and w.uow.commits == 1


async def test_a_transfers_end_of_a_part_arrives_as_the_use_case_s_command():
    w = world()
    skp_id = uuid.uuid4()
    stored_push(w.uow, w.guru, bagian="2/", source_version=3, payload={"skp_id": str(skp_id), "rhk": []})
    data = planning.SkpEndedV1(
        skp_id=skp_id, pegawai_id=w.guru.pegawai_id, periode=PERIODE, atasan_id=None, bagian=2, npsn="20200002",
        mulai=date(2024, 2, 1), selesai=date(2024, 4, 30), ended_at=datetime.now(UTC), status="DISETUJUI",
        alasan="mutasi",
    )  # fmt: skip
    await on_skp_ended(event(data, 4), w.uow)
    [push] = w.uow.pushes.rows.values()
    assert (push.bagian, push.months, push.source_version) == ("2/", BknPeriode(2024, 2, 2024, 4), 4)
    assert (push.payload["npsn"], push.payload["selesai"]) == ("20200002", "2024-04-30")
    assert w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 2)].approved
