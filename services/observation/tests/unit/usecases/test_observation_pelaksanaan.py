"""The five steps as use cases: who may take each, in which order, in which window, and what a step leaves."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from observation.domain.bukti import Bukti, Kategori
from observation.domain.events import ObservasiRecorded, PelaksanaanCompleted, StepCompleted
from observation.domain.pelaksanaan import RubrikInput, Tahap, Upaya
from observation.usecases import pelaksanaan as steps
from observation.usecases import views
from observation.usecases.cycle import Cycle
from pmm_kernel.errors import (
    Forbidden,
    InvalidValue,
    NotFound,
    OutsideWindow,
    PreconditionRequired,
    StaleVersion,
    StateConflict,
)
from pmm_kernel.versions import ExpectedVersion
from pmm_kernel.windows import Extension
from services.observation.tests.unit.fakes import INDIKATOR, KODE_WILAYAH, World, actor, periode

ANY = ExpectedVersion.any()
RUBRIK = tuple(
    RubrikInput(perilaku=p, nilai="efektif") for p in (*INDIKATOR.perilaku_dianjurkan, *INDIKATOR.perilaku_dihindari)
)


def commands(pid: uuid.UUID, expected: ExpectedVersion = ANY) -> dict[str, tuple[Any, Callable[..., Any]]]:
    """A valid command of each step (for 5 February 2024), with its use case."""
    return {
        "susun_persiapan": (
            steps.SusunPersiapan(
                pid, expected, (INDIKATOR.perilaku_dianjurkan[0],), "Menyiapkan LKPD", date(2024, 2, 12)
            ),
            steps.susun_persiapan,
        ),
        "setujui_jadwal": (steps.SetujuiJadwal(pid, expected), steps.setujui_jadwal),
        "usulkan_jadwal_lain": (
            steps.UsulkanJadwalLain(pid, expected, date(2024, 2, 14), "rapat guru"),
            steps.usulkan_jadwal_lain,
        ),
        "terima_jadwal": (steps.TerimaJadwal(pid, expected), steps.terima_jadwal),
        "catat_observasi": (steps.CatatObservasi(pid, expected, "langsung", RUBRIK, None), steps.catat_observasi),
        "catat_diskusi_atasan": (
            steps.CatatDiskusiAtasan(pid, expected, "Pertahankan", "Umpan balik", "Latihan", date(2024, 3, 1)),
            steps.catat_diskusi_atasan,
        ),
        "catat_diskusi_guru": (steps.CatatDiskusiGuru(pid, expected, "Saya sepakat"), steps.catat_diskusi_guru),
        "catat_upaya": (
            steps.CatatUpaya(pid, expected, (Upaya("Ikut pelatihan", "platform", date(2024, 2, 3)),)),
            steps.catat_upaya,
        ),
        "catat_refleksi": (
            steps.CatatRefleksi(pid, expected, "Tujuan tercapai sebagian besar, umpan balik membaik"),
            steps.catat_refleksi,
        ),
    }


async def run(world: World, who, name: str, pid: uuid.UUID, expected: ExpectedVersion = ANY) -> Cycle:
    command, use_case = commands(pid, expected)[name]
    return await use_case(command, uow=world.uow, deps=world.deps, actor=who)


# Who takes each step (docs/domain.md §5): the pegawai prepares, accepts, discusses, records efforts and reflects;
# the current atasan agrees, proposes another date, observes and discusses.
PARTY = {
    "susun_persiapan": "guru",
    "setujui_jadwal": "ks",
    "usulkan_jadwal_lain": "ks",
    "terima_jadwal": "guru",
    "catat_observasi": "ks",
    "catat_diskusi_atasan": "ks",
    "catat_diskusi_guru": "guru",
    "catat_upaya": "guru",
    "catat_refleksi": "guru",
}
OTHER = {"guru": "ks", "ks": "guru"}


@pytest.mark.parametrize(("name", "party"), PARTY.items())
async def test_the_other_party_is_forbidden_and_the_version_is_not_even_looked_at(name: str, party: str):
    world = World()
    cycle = world.cycle(world.guru_id)
    wrong = getattr(world, OTHER[party])
    with pytest.raises(Forbidden) as refused:
        await run(world, wrong, name, cycle.id, ExpectedVersion(None))
    assert refused.value.rule == f"pelaksanaan.{name}_forbidden"
    assert not world.uow.committed and world.stored(cycle.id).version == cycle.version


@pytest.mark.parametrize("name", PARTY)
@pytest.mark.parametrize(
    "who",
    [
        lambda w: actor(w.person("Kepala Sekolah"), "guru", "kepala_sekolah"),  # another school's KS
        lambda w: actor(None, "operator", wilayah="3201"),  # an operator of another region
        lambda w: w.pengawas,  # the KS's atasan is not the guru's
    ],
)
async def test_someone_elses_cycle_does_not_exist(name: str, who):
    world = World()
    cycle = world.cycle(world.guru_id)
    with pytest.raises(NotFound) as refused:
        await run(world, who(world), name, cycle.id, ExpectedVersion(None))
    assert refused.value.rule == "pelaksanaan.not_found"


async def test_an_operator_of_the_region_sees_the_cycle_but_takes_no_step():
    world = World()
    cycle = world.cycle(world.guru_id)
    with pytest.raises(Forbidden) as refused:
        await run(world, actor(None, "operator", wilayah="32"), "susun_persiapan", cycle.id)
    assert refused.value.extra == {"relation": "operator"}


async def test_a_new_atasan_takes_over_at_once_and_the_old_one_loses_the_cycle():
    world = World()
    cycle = world.cycle(world.guru_id, tahap=Tahap.OBSERVASI)
    new_ks = world.person("Kepala Sekolah")
    world.roster.atasan_of[world.guru_id] = new_ks
    with pytest.raises(NotFound):
        await run(world, world.ks, "catat_observasi", cycle.id)
    done = await run(world, actor(new_ks, "guru", "kepala_sekolah"), "catat_observasi", cycle.id)
    assert done.pelaksanaan.observasi is not None and done.pelaksanaan.observasi.atasan_id == new_ks


async def test_a_missing_or_stale_if_match_is_refused_once_the_caller_may_act():
    world = World()
    cycle = world.cycle(world.guru_id)
    with pytest.raises(PreconditionRequired):
        await run(world, world.guru, "susun_persiapan", cycle.id, ExpectedVersion(None))
    with pytest.raises(StaleVersion) as stale:
        await run(world, world.guru, "susun_persiapan", cycle.id, ExpectedVersion(f'"v{cycle.version + 1}"'))
    assert stale.value.extra == {"current_etag": f'"v{cycle.version}"'}
    done = await run(world, world.guru, "susun_persiapan", cycle.id, ExpectedVersion(f'"v{cycle.version}"'))
    assert done.pelaksanaan.tahap is Tahap.JADWAL_DIUSULKAN
    assert world.stored(cycle.id).version == cycle.version + 1 and world.uow.committed


@pytest.mark.parametrize(
    ("today", "extensions", "open_"),
    [
        (date(2024, 1, 31), (), False),  # before the window
        (date(2024, 2, 1), (), True),
        (date(2024, 5, 30), (), True),
        (date(2024, 5, 31), (), False),  # after its close
        (date(2024, 6, 5), (Extension("pelaksanaan", date(2024, 6, 10), KODE_WILAYAH[:2], "banjir"),), True),
        (date(2024, 6, 5), (Extension("pelaksanaan", date(2024, 6, 10), "35", "banjir"),), False),  # another region
        (date(2024, 6, 5), (Extension("penilaian", date(2024, 6, 10), None, "lain"),), False),  # another window
    ],
)
async def test_every_step_waits_for_the_pelaksanaan_window_of_the_pegawais_region(today, extensions, open_):
    world = World()
    world.roster.periodes["2024-S1"] = periode(extensions=extensions)
    world.today_is(today)
    cycle = world.cycle(world.guru_id, tahap=Tahap.REFLEKSI)
    if open_:
        await run(world, world.guru, "catat_refleksi", cycle.id)
        assert world.stored(cycle.id).tahap is Tahap.SELESAI
    else:
        with pytest.raises(OutsideWindow) as refused:
            await run(world, world.guru, "catat_refleksi", cycle.id)
        assert refused.value.rule == "window.pelaksanaan"
        assert world.stored(cycle.id).tahap is Tahap.REFLEKSI


async def test_a_step_out_of_turn_is_a_conflict_and_changes_nothing():
    world = World()
    cycle = world.cycle(world.guru_id)
    with pytest.raises(StateConflict) as refused:
        await run(world, world.ks, "setujui_jadwal", cycle.id)
    assert refused.value.rule == "pelaksanaan.setujui_jadwal_not_allowed_in_persiapan"
    assert world.stored(cycle.id) == cycle and world.uow.published == [] and not world.uow.committed


async def test_the_whole_cycle_completes_and_says_so_step_by_step():
    world = World()
    pid = world.cycle(world.guru_id).id
    for who, name in [
        (world.guru, "susun_persiapan"),
        (world.ks, "usulkan_jadwal_lain"),
        (world.guru, "terima_jadwal"),
        (world.ks, "catat_observasi"),
        (world.guru, "catat_diskusi_guru"),
        (world.ks, "catat_diskusi_atasan"),
        (world.guru, "catat_upaya"),
        (world.guru, "catat_refleksi"),
    ]:
        if name == "catat_observasi":
            world.today_is(date(2024, 2, 14))  # the agreed day
        await run(world, who, name, pid)
    stored = world.stored(pid)
    assert stored.tahap is Tahap.SELESAI and stored.persiapan is not None
    assert stored.persiapan.jadwal_disepakati == date(2024, 2, 14)  # the atasan's date, accepted
    published = world.uow.published
    assert [e.step for e in world.uow.published_of(StepCompleted)] == [
        "persiapan",
        "observasi",
        "diskusi",
        "upaya",
        "refleksi",
    ]
    (observed,) = world.uow.published_of(ObservasiRecorded)
    assert observed.atasan_id == world.ks_id and observed.rubrik.count("efektif") == len(RUBRIK)
    (completed,) = world.uow.published_of(PelaksanaanCompleted)
    assert published[-1] == completed and completed.atasan_id == world.ks_id and completed.bukti_count == 0
    assert completed.ref.version == stored.version  # each event its own version; the last is the cycle's


@pytest.mark.parametrize(
    ("jadwal", "accepted"),
    [
        (date(2024, 2, 4), False),  # yesterday
        (date(2024, 2, 5), True),  # today
        (date(2024, 5, 30), True),  # the window's close
        (date(2024, 5, 31), False),
    ],
)
async def test_a_proposed_date_lies_between_today_and_the_windows_close(jadwal: date, accepted: bool):
    world = World()
    cycle = world.cycle(world.guru_id)
    command = steps.SusunPersiapan(cycle.id, ANY, (INDIKATOR.perilaku_dianjurkan[0],), "Menyiapkan LKPD", jadwal)
    if accepted:
        await steps.susun_persiapan(command, uow=world.uow, deps=world.deps, actor=world.guru)
        assert world.stored(cycle.id).persiapan.jadwal_usulan == jadwal
    else:
        with pytest.raises(InvalidValue) as refused:
            await steps.susun_persiapan(command, uow=world.uow, deps=world.deps, actor=world.guru)
        assert (refused.value.rule, refused.value.extra) == (
            "persiapan.jadwal_outside_window",
            {"from": "2024-02-05", "until": "2024-05-30"},
        )


async def test_an_effort_is_dated_inside_the_window_and_not_in_the_future():
    world = World()
    cycle = world.cycle(world.guru_id, tahap=Tahap.UPAYA)
    for tanggal, rule in [(date(2024, 1, 31), "upaya.tanggal_outside"), (date(2024, 2, 6), "upaya.tanggal_outside")]:
        command = steps.CatatUpaya(cycle.id, ANY, (Upaya("Ikut pelatihan", "platform", tanggal),))
        with pytest.raises(InvalidValue) as refused:
            await steps.catat_upaya(command, uow=world.uow, deps=world.deps, actor=world.guru)
        assert (refused.value.rule, refused.value.field) == (rule, "upaya[0].tanggal")
    await run(world, world.guru, "catat_upaya", cycle.id)
    assert world.stored(cycle.id).tahap is Tahap.REFLEKSI


def _bukti(world: World, pid: uuid.UUID, kategori: str, *, outside: bool = False) -> None:
    kind = Kategori(kategori, kategori, dated=False, dokumen_ks=False)
    bukti = Bukti.confirmed(
        id=uuid.uuid4(),
        pelaksanaan_id=pid,
        skp_id=uuid.uuid4(),
        pegawai_id=world.ks_id,
        periode="2024-S1",
        kind=kind,
        catatan=None,
        atasan_id=world.pengawas_id,
        at=world.uow.clock.now(),
    )
    bukti.outside_period = outside
    world.uow.bukti.rows[bukti.id] = bukti


async def test_a_kepala_sekolahs_refleksi_waits_for_the_four_documents_that_count():
    world = World()
    pid = world.cycle(world.ks_id, tahap=Tahap.REFLEKSI).id
    for kategori in ("kosp", "rkt", "laporan_satuan_pendidikan"):
        _bukti(world, pid, kategori)
    _bukti(world, pid, "rangkuman_kehadiran_guru", outside=True)  # kept, but it does not count
    with pytest.raises(StateConflict) as refused:
        await run(world, world.ks, "catat_refleksi", pid)
    assert (refused.value.rule, refused.value.extra) == (
        "refleksi.dokumen_ks_missing",
        {"missing": ["rangkuman_kehadiran_guru"]},
    )
    _bukti(world, pid, "rangkuman_kehadiran_guru")
    await run(world, world.ks, "catat_refleksi", pid)
    (completed,) = world.uow.published_of(PelaksanaanCompleted)
    assert completed.bukti_count == 4  # the out-of-period one is not counted


async def agreed_for_14_february(world: World) -> uuid.UUID:
    pid = world.cycle(world.guru_id).id
    steps_to_agree = [(world.guru, "susun_persiapan"), (world.ks, "usulkan_jadwal_lain"), (world.guru, "terima_jadwal")]
    for who, name in steps_to_agree:
        await run(world, who, name, pid)
    return pid


async def test_observing_before_the_agreed_date_is_refused_and_names_it():
    world = World()
    pid = await agreed_for_14_february(world)
    before = world.stored(pid).version
    world.today_is(date(2024, 2, 13))
    with pytest.raises(StateConflict) as refused:
        await run(world, world.ks, "catat_observasi", pid)
    assert (refused.value.rule, refused.value.field) == ("observasi.sebelum_jadwal", "alasan_pindah")
    assert refused.value.extra == {"jadwal_disepakati": "2024-02-14"}
    assert world.stored(pid).version == before and world.stored(pid).observasi is None
    assert not world.uow.published_of(ObservasiRecorded)


async def test_observing_early_with_the_atasans_reason_keeps_the_reason():
    world = World()
    pid = await agreed_for_14_february(world)
    world.today_is(date(2024, 2, 13))
    command = steps.CatatObservasi(pid, ANY, "langsung", RUBRIK, None, alasan_pindah=" Guru dinas luar tanggal 14 ")
    done = await steps.catat_observasi(command, uow=world.uow, deps=world.deps, actor=world.ks)
    stored = world.stored(pid)
    assert done.pelaksanaan.tahap is Tahap.DISKUSI and stored.observasi is not None
    assert stored.observasi.alasan_pindah == "Guru dinas luar tanggal 14"
    assert world.uow.published_of(ObservasiRecorded)


async def test_a_reason_too_short_is_refused_naming_the_field():
    world = World()
    pid = await agreed_for_14_february(world)
    world.today_is(date(2024, 2, 13))
    command = steps.CatatObservasi(pid, ANY, "langsung", RUBRIK, None, alasan_pindah="izin")
    with pytest.raises(InvalidValue) as refused:
        await steps.catat_observasi(command, uow=world.uow, deps=world.deps, actor=world.ks)
    assert (refused.value.rule, refused.value.field) == ("observasi.alasan_pindah_too_short", "alasan_pindah")


# --- a part of the period a transfer ended --------------------------------------------------------------------

LAST_DAY = date(2024, 3, 15)  # the old school's part ends; the pegawai moves to a new KS on 16 March


def transferred(world: World, *, tahap: Tahap) -> tuple[Cycle | Any, uuid.UUID]:
    """The guru's part 1 at the old school ended on LAST_DAY; today's atasan is a new KS, the old one held the
    relation until then."""
    cycle = world.cycle(world.guru_id, tahap=tahap, selesai=LAST_DAY)
    new_ks = world.person("Kepala Sekolah")
    world.roster.atasan_before[world.guru_id] = (LAST_DAY + timedelta(days=1), world.ks_id)
    world.roster.atasan_of[world.guru_id] = new_ks
    return cycle, new_ks


@pytest.mark.parametrize("name", PARTY)
async def test_an_ended_part_takes_no_new_step_after_its_last_day(name: str):
    world = World()
    tahap = {
        "setujui_jadwal": Tahap.JADWAL_DIUSULKAN,
        "usulkan_jadwal_lain": Tahap.JADWAL_DIUSULKAN,
        "terima_jadwal": Tahap.JADWAL_DIUSULKAN_ATASAN,
        "catat_observasi": Tahap.OBSERVASI,
        "catat_diskusi_atasan": Tahap.DISKUSI,
        "catat_diskusi_guru": Tahap.DISKUSI,
        "catat_upaya": Tahap.UPAYA,
        "catat_refleksi": Tahap.REFLEKSI,
    }.get(name, Tahap.PERSIAPAN)
    cycle, _ = transferred(world, tahap=tahap)
    world.today_is(LAST_DAY + timedelta(days=1))
    who = world.ks if PARTY[name] == "ks" else world.guru  # the old KS: the part's atasan on its last day
    with pytest.raises(StateConflict) as refused:
        await run(world, who, name, cycle.id)
    assert refused.value.rule == "pelaksanaan.berakhir"
    assert refused.value.extra == {"bagian": 1, "selesai": "2024-03-15"}
    assert not world.uow.committed and world.stored(cycle.id).version == cycle.version


async def test_on_its_last_day_the_old_atasan_still_records_and_afterwards_still_reads():
    world = World()
    cycle, new_ks = transferred(world, tahap=Tahap.OBSERVASI)
    world.today_is(LAST_DAY)
    world.roster.atasan_before[world.guru_id] = (LAST_DAY + timedelta(days=1), world.ks_id)
    done = await run(world, world.ks, "catat_observasi", cycle.id)
    assert done.pelaksanaan.observasi is not None and done.pelaksanaan.observasi.atasan_id == world.ks_id

    world.today_is(date(2024, 4, 2))
    read = await views.get_pelaksanaan(views.GetPelaksanaan(cycle.id), uow=world.uow, deps=world.deps, actor=world.ks)
    assert (read.atasan_id, read.relation.value, read.ended) == (world.ks_id, "atasan", True)
    assert read.pelaksanaan.observasi is not None  # what was recorded stays
    with pytest.raises(NotFound):  # the new school's KS appraises part 2, not this one
        await views.get_pelaksanaan(
            views.GetPelaksanaan(cycle.id), uow=world.uow, deps=world.deps, actor=actor(new_ks, "kepala_sekolah")
        )


async def test_a_schedule_in_a_part_lies_no_later_than_its_last_day():
    world = World()
    cycle = world.cycle(world.guru_id, selesai=date(2024, 2, 10))
    command = steps.SusunPersiapan(
        cycle.id, ANY, (INDIKATOR.perilaku_dianjurkan[0],), "Menyiapkan LKPD", date(2024, 2, 12)
    )
    with pytest.raises(InvalidValue) as refused:
        await steps.susun_persiapan(command, uow=world.uow, deps=world.deps, actor=world.guru)
    assert refused.value.rule == "persiapan.jadwal_outside_window"
    assert refused.value.extra == {"from": "2024-02-05", "until": "2024-02-10"}


async def test_my_pelaksanaan_is_the_latest_part_unless_another_is_named():
    world = World()
    first = world.cycle(world.guru_id, selesai=date(2024, 3, 15))
    second = world.cycle(world.guru_id, bagian=2)
    latest = await views.my_pelaksanaan(
        views.MyPelaksanaan("2024-S1"), uow=world.uow, deps=world.deps, actor=world.guru
    )
    assert latest.pelaksanaan.id == second.id
    named = await views.my_pelaksanaan(
        views.MyPelaksanaan("2024-S1", bagian=1), uow=world.uow, deps=world.deps, actor=world.guru
    )
    assert named.pelaksanaan.id == first.id
