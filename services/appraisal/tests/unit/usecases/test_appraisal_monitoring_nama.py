"""The monitoring by name: who sees whose names (a KS their school, a pengawas the schools of the KS they appraise,
an operator their region, anyone else 403, a school outside theirs 404), the filters and pages, the deadlines with
the extension in force; and the events that feed it, each applied once and never overwritten by an older one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from appraisal.usecases import views
from appraisal.usecases.from_bkn_sync import ApplyPush, apply_push
from appraisal.usecases.from_observation import ApplyLangkah, apply_langkah
from appraisal.usecases.from_planning import (
    ApplyKoreksi,
    ApplySkpReturned,
    ApplySkpSubmitted,
    apply_koreksi,
    apply_skp_returned,
    apply_skp_submitted,
)
from appraisal.usecases.views import ListMonitoringPegawai
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound
from services.appraisal.tests.unit.fakes import (
    NPSN,
    FakeAppraisalUnitOfWork,
    Sekolah,
    as_operator,
    as_pegawai,
    deps_for,
    school,
)

OTHER = "20350101"  # a school in Jawa Timur
AT = datetime(2024, 5, 20, 3, 0, tzinfo=UTC)


def world() -> tuple[FakeAppraisalUnitOfWork, Sekolah, Sekolah]:
    """Two schools, Kota Bandung and Jawa Timur; one pengawas appraises the Bandung KS only."""
    uow = FakeAppraisalUnitOfWork()
    bandung = school(uow)
    timur = school(uow, OTHER, kode_wilayah="3501")
    pengawas = uow.data.add_pegawai("Pengawas", jenis_gtk="Pengawas Sekolah")
    uow.data.relate(bandung.ks, pengawas, "pengawas")
    return uow, bandung, timur


def pengawas_of(uow: FakeAppraisalUnitOfWork):
    return next(p for p in uow.data.pegawai.values() if p.jenis_gtk == "Pengawas Sekolah")


async def listed(uow: FakeAppraisalUnitOfWork, actor, **query) -> views.MonitoringPegawaiView:
    q = ListMonitoringPegawai(periode=query.pop("periode", "2024-S1"), **query)
    return await views.list_monitoring_pegawai(q, uow=uow, deps=deps_for(uow), actor=actor)


async def test_each_caller_sees_the_names_of_their_own_schools() -> None:
    uow, bandung, timur = world()
    names = lambda view: {r.nama for r in view.items}  # noqa: E731
    # A KS: their school; the pengawas, who is in the roster only as the KS's atasan, is never a row.
    assert names(await listed(uow, as_pegawai(bandung.ks, "guru", "kepala_sekolah"))) == {"Kepala", "Guru"}
    assert {r.npsn for r in (await listed(uow, as_pegawai(timur.ks, "kepala_sekolah"))).items} == {OTHER}
    # The pengawas: the schools of the KS they appraise today.
    view = await listed(uow, as_pegawai(pengawas_of(uow), "guru", "pengawas"))
    assert {r.npsn for r in view.items} == {NPSN}
    # An operator: their region; a national operator: everyone.
    assert {r.npsn for r in (await listed(uow, as_operator("35"))).items} == {OTHER}
    assert {r.npsn for r in (await listed(uow, as_operator(""))).items} == {NPSN, OTHER}


@pytest.mark.parametrize("who", ["guru", "operator_without_region"])
async def test_anyone_else_is_refused(who: str) -> None:
    uow, bandung, _ = world()
    actor = as_pegawai(bandung.guru) if who == "guru" else as_operator(None)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        await listed(uow, actor)


@pytest.mark.parametrize(
    ("who", "query", "rule"),
    [
        ("ks", {"npsn": OTHER}, "sekolah.not_found"),  # another school
        ("pengawas", {"npsn": OTHER}, "sekolah.not_found"),  # a school whose KS they do not appraise
        ("operator_32", {"npsn": OTHER}, "sekolah.not_found"),  # a school outside the region
        ("operator_32", {"npsn": "99999999"}, "sekolah.not_found"),
        ("operator_32", {"kode_wilayah": "3501"}, "wilayah.not_found"),
        ("ks", {"periode": "2030-S1"}, "periode.unknown"),
    ],
)
async def test_a_school_or_region_outside_the_callers_is_not_found(who: str, query: dict, rule: str) -> None:
    uow, bandung, _ = world()
    actor = {
        "ks": as_pegawai(bandung.ks, "kepala_sekolah"),
        "pengawas": as_pegawai(pengawas_of(uow), "pengawas"),
        "operator_32": as_operator("32"),
    }[who]
    with pytest.raises(NotFound) as caught:
        await listed(uow, actor, **query)
    assert caught.value.rule == rule


async def test_a_ks_not_in_the_roster_is_told_so() -> None:
    uow, bandung, _ = world()
    del uow.data.pegawai[bandung.ks.pegawai_id]
    with pytest.raises(NotFound) as caught:
        await listed(uow, as_pegawai(bandung.ks, "kepala_sekolah"))
    assert caught.value.rule == "pegawai.not_in_roster"


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ({"fase": "penilaian", "status": "disetujui"}, "monitoring.status"),
        ({"status": "final"}, "monitoring.status_without_fase"),
        ({"kode_wilayah": "3x"}, "monitoring.kode_wilayah"),
    ],
)
async def test_bad_filters_name_their_field(query: dict, rule: str) -> None:
    uow, _, _ = world()
    with pytest.raises(InvalidValue) as caught:
        await listed(uow, as_operator("32"), **query)
    assert caught.value.rule == rule


async def test_events_set_each_phase_once_and_never_backwards() -> None:
    uow, bandung, _ = world()
    guru = bandung.guru.pegawai_id
    await apply_skp_submitted([ApplySkpSubmitted(guru, "2024-S1", 3)], uow=uow)
    await apply_skp_returned(ApplySkpReturned(guru, "2024-S1", 4), uow=uow)
    await apply_skp_submitted([ApplySkpSubmitted(guru, "2024-S1", 3)], uow=uow)  # redelivered late
    await apply_langkah([ApplyLangkah(guru, "2024-S1", "observasi", 5)], uow=uow)
    await apply_langkah([ApplyLangkah(guru, "2024-S1", "persiapan", 4)], uow=uow)  # out of order
    failed = ApplyPush(uuid.uuid4(), guru, "2024-S1", "skp", "", False, "UNOR_TIDAK_SESUAI", "operator_sekolah",
                       "perbaiki unor di Dapodik", 2, AT)  # fmt: skip
    await apply_push(failed, uow=uow)
    koreksi = uuid.uuid4()
    await apply_koreksi(ApplyKoreksi(koreksi, guru, True, 1), uow=uow)
    (row,) = [r for r in (await listed(uow, as_operator("32"))).items if r.pegawai_id == guru]
    assert (row.perencanaan, row.pelaksanaan, row.penilaian, row.bkn) == ("dikembalikan", "observasi", "belum", "gagal")
    assert (row.bkn_kode, row.bkn_perbaikan_oleh, row.bkn_tindakan) == (
        "UNOR_TIDAK_SESUAI",
        "operator_sekolah",
        "perbaiki unor di Dapodik",
    )
    assert row.koreksi_terbuka == 1
    # The push retried by itself and went through; the correction was closed; the reported event comes again.
    await apply_push(ApplyPush(failed.push_id, guru, "2024-S1", "skp", "", True, None, None, None, 3, AT), uow=uow)
    await apply_koreksi(ApplyKoreksi(koreksi, guru, False, 2), uow=uow)
    await apply_koreksi(ApplyKoreksi(koreksi, guru, True, 1), uow=uow)
    (row,) = [r for r in (await listed(uow, as_operator("32"))).items if r.pegawai_id == guru]
    assert (row.bkn, row.bkn_kode, row.koreksi_terbuka) == ("terkirim", None, 0)


async def test_an_unknown_step_is_refused() -> None:
    uow, bandung, _ = world()
    with pytest.raises(InvalidValue):
        await apply_langkah([ApplyLangkah(bandung.guru.pegawai_id, "2024-S1", "ujian", 1)], uow=uow)


async def test_filters_pages_and_the_deadlines_of_the_region() -> None:
    uow, bandung, _ = world()
    for i in range(4):
        uow.data.add_pegawai(f"Guru {i}")
    await apply_skp_submitted([ApplySkpSubmitted(bandung.guru.pegawai_id, "2024-S1", 1)], uow=uow)
    uow.data.extend("2024-S1", "pelaksanaan", date(2024, 6, 20), wilayah="3273")
    operator = as_operator("32")
    submitted = await listed(uow, operator, fase="perencanaan", status="diajukan")
    assert [r.nama for r in submitted.items] == ["Guru"]
    assert {r.nama for r in (await listed(uow, operator, fase="perencanaan", status="belum")).items} == {
        "Kepala", "Guru 0", "Guru 1", "Guru 2", "Guru 3"
    }  # fmt: skip
    seen, after = [], None
    while True:
        page = await listed(uow, operator, after=after, limit=2)
        seen += [r.nama for r in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert sorted(seen) == ["Guru", "Guru 0", "Guru 1", "Guru 2", "Guru 3", "Kepala"]
    assert len(seen) == len(set(seen))
    # The region asked for decides which extension is in force; each row carries its school's own.
    view = await listed(uow, operator, kode_wilayah="3273", limit=1)
    batas = {b.step: b for b in view.batas_waktu}
    assert (view.kode_wilayah, batas["pelaksanaan"].berlaku_sampai, batas["pelaksanaan"].diperpanjang) == (
        "3273",
        date(2024, 6, 20),
        True,
    )
    assert view.batas_sekolah["3273"]["pelaksanaan"] == date(2024, 6, 20)
    province = await listed(uow, operator)
    assert {b.step: b.berlaku_sampai for b in province.batas_waktu}["pelaksanaan"] == date(2024, 5, 30)
