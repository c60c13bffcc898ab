"""A period split by a transfer (docs/domain.md §6): one penilaian per part, each fed by its own plan's events,
appraised by the atasan of its last day for the months it covers, and the period's combined result."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from appraisal.domain import events
from appraisal.domain.penilaian import RhkRencana, Status
from appraisal.domain.predikat import Predikat, Rating
from appraisal.usecases.from_observation import (
    ApplyLangkah,
    ApplyPelaksanaanCompleted,
    apply_langkah,
    apply_pelaksanaan_completed,
)
from appraisal.usecases.from_planning import (
    ApplySkpApproved,
    ApplySkpEnded,
    ApplySkpSubmitted,
    Bagian,
    apply_skp_approved,
    apply_skp_ended,
    apply_skp_submitted,
)
from appraisal.usecases.penilaian import FinalizePenilaian, RatePenilaian, finalize, rate
from appraisal.usecases.views import (
    GetPenilaian,
    GetPeriodeBagian,
    ListPenilaian,
    get_penilaian,
    get_periode_bagian,
    list_penilaian,
)
from pmm_kernel.clock import FixedClock
from pmm_kernel.errors import Forbidden, StateConflict
from pmm_kernel.versions import ExpectedVersion
from services.appraisal.tests.unit.fakes import FakeAppraisalUnitOfWork, as_operator, as_pegawai, deps_for, school

IN_WINDOW = datetime(2025, 12, 1, 3, 0, tzinfo=UTC)  # 2025-T's penilaian window: 15 November - 31 December
OLD, NEW = "20217301", "20217302"
LAST_DAY = date(2025, 4, 14)  # the transfer takes effect on 15 April
AT = datetime(2025, 1, 20, 3, 0, tzinfo=UTC)


class Mutasi:
    """A guru of the old school transferred to the new one on 15 April 2025, each school with its KS."""

    def __init__(self, new_region: str = "3273") -> None:
        self.uow = FakeAppraisalUnitOfWork(FixedClock(IN_WINDOW))
        old = school(self.uow, OLD)
        new = school(self.uow, NEW, kode_wilayah=new_region)
        self.guru, self.ks_lama, self.ks_baru = old.guru, old.ks, new.ks
        # The roster after the transfer: the guru is at the new school, the old relation ended on the last day.
        self.guru.npsn = NEW
        self.uow.data.relasi.clear()
        self.uow.data.relate(self.guru, self.ks_lama, mulai=date(2023, 1, 1), selesai=LAST_DAY)
        self.uow.data.relate(self.guru, self.ks_baru, mulai=date(2025, 4, 15))
        self.deps = deps_for(self.uow)
        self.skp = {1: uuid.uuid4(), 2: uuid.uuid4()}

    def part(self, bagian: int) -> Bagian:
        if bagian == 1:
            return Bagian(skp_id=self.skp[1], bagian=1, npsn=OLD, mulai=date(2025, 1, 1), selesai=None)
        return Bagian(skp_id=self.skp[2], bagian=2, npsn=NEW, mulai=date(2025, 4, 15), selesai=None)

    async def approve(self, bagian: int, version: int = 3) -> str:
        cmd = ApplySkpApproved(
            pegawai_id=self.guru.pegawai_id,
            periode="2025-T",
            skp_version=version,
            skp_id=self.skp[bagian],
            indikator_kode="D.1.3",
            indikator_nama="Kualitas pembelajaran: metode",
            rhk=(RhkRencana("PK-01", "Pelatihan mandiri", "pengembangan_kompetensi", "jumlah topik", 4, "topik"),),
            perilaku=(("akuntabel", "Akuntabel"),),
            approved_at=AT,
            bagian=self.part(bagian),
        )
        [outcome] = await apply_skp_approved([cmd], uow=self.uow, deps=self.deps)
        return outcome

    async def end(self, bagian: int = 1, status: str = "DISETUJUI", version: int = 4) -> str:
        cmd = ApplySkpEnded(
            pegawai_id=self.guru.pegawai_id,
            periode="2025-T",
            skp_version=version,
            bagian=Bagian(skp_id=self.skp[bagian], bagian=bagian, npsn=OLD, mulai=date(2025, 1, 1), selesai=LAST_DAY),
            selesai=LAST_DAY,
            status=status,
        )
        return await apply_skp_ended(cmd, uow=self.uow, deps=self.deps)

    async def complete(self, bagian: int) -> str:
        cmd = ApplyPelaksanaanCompleted(
            pegawai_id=self.guru.pegawai_id,
            periode="2025-T",
            pelaksanaan_version=9,
            pelaksanaan_id=uuid.uuid4(),
            completed_at=AT,
            bukti_count=1,
            rubrik=None,
            skp_id=self.skp[bagian],
        )
        return await apply_pelaksanaan_completed(cmd, uow=self.uow, deps=self.deps)

    def stored(self, bagian: int):
        found = self.uow.penilaian.stored(self.guru.pegawai_id, "2025-T", bagian)
        assert found is not None
        return found

    async def rate(self, bagian: int, ks, hasil: Rating = Rating.SESUAI, perilaku: Rating = Rating.SESUAI):
        cmd = RatePenilaian(self.stored(bagian).id, ExpectedVersion("*"), hasil, perilaku, (), None)
        return await rate(cmd, uow=self.uow, deps=self.deps, actor=as_pegawai(ks, "kepala_sekolah"))

    async def finalize(self, bagian: int, ks):
        cmd = FinalizePenilaian(self.stored(bagian).id, ExpectedVersion("*"))
        return await finalize(cmd, uow=self.uow, deps=self.deps, actor=as_pegawai(ks, "kepala_sekolah"))


async def test_each_part_has_its_own_penilaian_and_an_approved_part_2_leaves_part_1_alone() -> None:
    m = Mutasi()
    assert await m.approve(1) == "applied"
    assert await m.end(1) == "ready"  # the cycle cut short by the transfer is not waited for
    first = m.stored(1)
    assert (first.status, first.npsn, first.selesai, first.berakhir, first.skp_id) == (
        Status.SIAP,
        OLD,
        LAST_DAY,
        True,
        m.skp[1],
    )
    submitted = ApplySkpSubmitted(m.guru.pegawai_id, "2025-T", 1, m.part(2))
    assert await apply_skp_submitted([submitted], uow=m.uow) == "monitored"
    assert m.uow.skp_monitor.rows[(m.guru.pegawai_id, "2025-T")] == ("DIAJUKAN", 1)  # the latest part is shown
    assert await m.approve(2, version=2) == "applied"
    assert m.stored(1) == first
    second = m.stored(2)
    assert (second.status, second.npsn, second.mulai, second.missing()) == (
        Status.MENUNGGU,
        NEW,
        date(2025, 4, 15),
        ["siklus"],
    )
    # Observation names the plan, and the plan names the part.
    assert await m.complete(2) == "ready"
    assert m.stored(2).status is Status.SIAP and m.stored(1) == first


async def test_a_part_that_ended_before_its_approval_is_not_appraised() -> None:
    m = Mutasi()
    await m.end(1, status="DIAJUKAN")
    assert m.stored(1).missing() == ["bagian"]
    with pytest.raises(StateConflict) as refused:
        await m.rate(1, m.ks_lama)
    assert (refused.value.rule, refused.value.field) == ("penilaian.belum_siap", "bagian")


async def test_each_part_is_rated_by_its_own_atasan_and_the_other_is_refused() -> None:
    m = Mutasi()
    await m.approve(1)
    await m.end(1)
    await m.approve(2, version=2)
    await m.complete(2)
    for bagian, wrong in ((1, m.ks_baru), (2, m.ks_lama)):
        with pytest.raises(Forbidden) as refused:
            await m.rate(bagian, wrong)
        assert (refused.value.rule, refused.value.field) == ("penilaian.atasan_bagian", "bagian")
    # The new KS does not see the old part either; the old KS still reads it.
    with pytest.raises(Forbidden):
        await get_penilaian(
            GetPenilaian(m.stored(1).id), uow=m.uow, deps=m.deps, actor=as_pegawai(m.ks_baru, "kepala_sekolah")
        )
    shown = await m.rate(1, m.ks_lama)
    # Part 1 covers January to April: 4/12 x 100 % x 12.5 = 4.17, at the old school.
    assert shown.rentang is not None and (shown.rentang.bulan, shown.rentang.bulan_mulai) == (4, 1)
    assert shown.angka_kredit is not None and shown.angka_kredit.nilai == Decimal("4.17")
    assert shown.sekolah is not None and shown.sekolah.npsn == OLD
    shown = await m.rate(2, m.ks_baru, Rating.DI_ATAS, Rating.DI_ATAS)
    assert shown.angka_kredit is not None and (shown.angka_kredit.bulan, shown.angka_kredit.nilai) == (
        8,
        Decimal("12.50"),  # 8/12 x 150 % x 12.5
    )


async def test_both_parts_finalised_reach_bkn_with_their_months_and_combine() -> None:
    m = Mutasi()
    await m.approve(1)
    await m.end(1)
    await m.approve(2, version=2)
    await m.complete(2)
    await m.rate(1, m.ks_lama)
    await m.rate(2, m.ks_baru, Rating.DI_ATAS, Rating.DI_ATAS)
    await m.finalize(1, m.ks_lama)
    await m.finalize(2, m.ks_baru)
    first, second = m.uow.published_of(events.PenilaianFinalized)
    assert (first.bagian, first.bulan_mulai, first.bulan_selesai, first.angka_kredit) == (1, 1, 4, Decimal("4.17"))
    assert (second.bagian, second.bulan_mulai, second.bulan_selesai, second.angka_kredit) == (
        2,
        5,
        12,
        Decimal("12.50"),
    )
    assert first.penilai.nip == m.ks_lama.nip and second.penilai.nip == m.ks_baru.nip
    assert m.stored(1).final.identitas.npsn == OLD  # type: ignore[union-attr]
    assert second.angka_kredit_kumulatif == Decimal("16.67")
    view = await get_periode_bagian(
        GetPeriodeBagian(m.guru.pegawai_id, "2025-T"), uow=m.uow, deps=m.deps, actor=as_pegawai(m.guru)
    )
    assert [(b.hasil.bagian, b.hasil.npsn, b.hasil.bulan) for b in view.bagian] == [(1, OLD, 4), (2, NEW, 8)]
    assert (view.hasil.angka_kredit, view.hasil.predikat, view.hasil.lengkap) == (
        Decimal("16.67"),
        Predikat.SANGAT_BAIK,
        True,
    )
    # The distribution of each school counts the part at that school.
    assert await m.uow.penilaian.predikat_counts(OLD, "2025-T") == {"baik": 1}
    assert await m.uow.penilaian.predikat_counts(NEW, "2025-T") == {"sangat_baik": 1}
    # The operator of the region sees the combined result; someone else does not.
    assert (
        await get_periode_bagian(
            GetPeriodeBagian(m.guru.pegawai_id, "2025-T"), uow=m.uow, deps=m.deps, actor=as_operator()
        )
    ).hasil.bulan == 12


async def test_each_part_is_listed_by_its_own_atasan_and_its_schools_operator() -> None:
    m = Mutasi(new_region="3204")  # the new school is in another kabupaten
    await m.approve(1)
    await m.end(1)
    await m.approve(2, version=2)
    query = ListPenilaian(periode="2025-T", status=None, after=None, limit=10)

    async def parts(actor) -> list[int]:
        return [p.bagian for p, _ in await list_penilaian(query, uow=m.uow, deps=m.deps, actor=actor)]

    assert await parts(as_pegawai(m.ks_lama, "kepala_sekolah")) == [1]
    assert await parts(as_pegawai(m.ks_baru, "kepala_sekolah")) == [2]
    assert await parts(as_operator("3273")) == [1]
    assert await parts(as_operator("3204")) == [2]
    assert sorted(await parts(as_pegawai(m.guru))) == [1, 2]


async def test_monitoring_shows_the_latest_part() -> None:
    m = Mutasi()
    await m.approve(1)
    for langkah, version in (("persiapan", 2), ("observasi", 3)):
        await apply_langkah([ApplyLangkah(m.guru.pegawai_id, "2025-T", langkah, version, m.skp[1])], uow=m.uow)
    await m.end(1)
    await m.approve(2, version=2)
    # Part 2's cycle counts its versions from 1 again, and still moves the monitoring; part 1's late news does not.
    await apply_langkah([ApplyLangkah(m.guru.pegawai_id, "2025-T", "persiapan", 1, m.skp[2])], uow=m.uow)
    await apply_langkah([ApplyLangkah(m.guru.pegawai_id, "2025-T", "diskusi", 4, m.skp[1])], uow=m.uow)
    key = (m.guru.pegawai_id, "2025-T")
    assert (m.uow.monitoring_nama.langkah[key], m.uow.monitoring_nama.langkah_bagian[key]) == (("persiapan", 1), 2)
    row = m.uow.monitoring_nama.row(m.guru, "2025-T")
    assert (row.perencanaan, row.penilaian) == ("disetujui", "belum")  # part 2 waits; part 1 was ratable
