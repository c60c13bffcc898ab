"""A transfer during a period splits the pegawai's plan (docs/domain.md §4), with a fake unit of work: the roster
import ends the part at the old school and publishes it, the ended part is frozen and stays with the old atasan, the
pegawai plans the next part at the new school."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from planning.domain import events
from planning.domain.roster import PegawaiRow
from planning.domain.skp import SkpStatus
from planning.usecases import roster as roster_uc
from planning.usecases import skp as uc
from planning.usecases import views
from pmm_kernel.errors import NotFound, OutsideWindow, StateConflict
from pmm_kernel.nip import AsnStatus
from services.planning.tests.unit.fakes import World, guru, kepala, operator
from services.planning.tests.unit.usecases.test_planning_skp import ANY, draft, submitted

LAMA, BARU = "20200001", "20200002"
TMT = date(2024, 1, 10)  # inside 2024-S1, before the fake clock's 15 January


@pytest.fixture
def world() -> World:
    return World()


def row(world: World, name: str, *, npsn: str, tmt: date | None) -> PegawaiRow:
    """The pegawai's roster row as the operator imports it again, at `npsn` from `tmt`."""
    pegawai = world.people[name]
    return PegawaiRow(
        line=2,
        nip=pegawai.nip,
        status=AsnStatus(pegawai.status),
        nama=pegawai.nama,
        pangkat_golongan=pegawai.pangkat_golongan,
        jenjang_jabatan=pegawai.jenjang_jabatan,
        jenis_gtk=pegawai.jenis_gtk,
        npsn=npsn,
        identitas=None,
        tmt_penempatan=tmt,
    )


async def transfer(world: World, name: str = "guru", *, npsn: str = BARU, tmt: date | None = TMT):
    """The operator imports the transfer, and the new school's KS appraises the pegawai from its date."""
    command = roster_uc.ImportRoster(
        kind="pegawai", rows=(row(world, name, npsn=npsn, tmt=tmt),), errors=(), received=1
    )
    report = await roster_uc.import_roster(command, uow=world.uow, deps=world.deps, actor=operator("3273"))
    world.people[name] = world.uow.roster.pegawai_by_id[world.people[name].id]
    if tmt is not None:
        world.relate(name, "ks2" if npsn == BARU else "ks", "kepala_sekolah", mulai=tmt)
    return report


def at(world: World, when: datetime) -> None:
    world.uow.clock.at = when


async def test_a_dated_transfer_ends_the_part_at_the_old_school_and_publishes_it(world: World) -> None:
    skp_id = await submitted(world)
    world.uow.published.clear()
    report = await transfer(world)
    assert (report.updated, report.skp_berakhir) == (1, 1)
    stored = world.stored(skp_id)
    assert (stored.status, stored.selesai, stored.npsn, stored.bagian) == (
        SkpStatus.DIAJUKAN,
        date(2024, 1, 9),
        LAMA,
        1,
    )
    (ended,) = world.uow.published_of(events.SkpEnded)
    assert (ended.status, ended.alasan) == ("DIAJUKAN", "mutasi")
    assert (ended.skp.skp_id, ended.skp.bagian, ended.skp.npsn, ended.skp.mulai, ended.skp.selesai) == (
        skp_id,
        1,
        LAMA,
        None,
        date(2024, 1, 9),
    )
    teacher = world.people["guru"]
    assert (teacher.npsn, teacher.tmt_penempatan) == (BARU, TMT)
    assert world.uow.roster.penempatan[-1] == (teacher.id, BARU, TMT)
    assert world.uow.committed


@pytest.mark.parametrize(
    ("tmt", "npsn"),
    [
        (date(2024, 1, 1), BARU),  # on the period's first day: the whole period is at the new school
        (None, BARU),  # no date: the plan follows the pegawai as before
        (TMT, LAMA),  # the same school: no transfer
    ],
)
async def test_what_splits_nothing(world: World, tmt: date | None, npsn: str) -> None:
    skp_id = await submitted(world)
    report = await transfer(world, npsn=npsn, tmt=tmt)
    assert report.skp_berakhir == 0
    assert world.stored(skp_id).selesai is None
    assert world.uow.published_of(events.SkpEnded) == []


async def test_a_transfer_before_any_plan_leaves_the_plan_made_later_at_the_new_school(world: World) -> None:
    report = await transfer(world)
    assert report.skp_berakhir == 0
    context = await uc.create_skp(
        uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"])
    )
    assert (context.skp.bagian, context.skp.npsn, context.skp.mulai) == (1, BARU, None)


async def test_an_ended_part_is_frozen_for_everyone(world: World) -> None:
    skp_id = await submitted(world)
    await transfer(world)
    teacher, ks = guru(world.people["guru"]), kepala(world.people["ks"])
    kwargs = {"uow": world.uow, "deps": world.deps}
    attempts = [
        lambda: uc.save_perilaku_kerja(uc.SavePerilakuKerja(skp_id, ANY), **kwargs, actor=teacher),
        lambda: uc.submit_skp(uc.SubmitSkp(skp_id, ANY), **kwargs, actor=teacher),
        lambda: uc.approve_skp(uc.ApproveSkp(skp_id, ANY), **kwargs, actor=ks),
        lambda: uc.return_skp(uc.ReturnSkp(skp_id, ANY, catatan="Perbaiki target"), **kwargs, actor=ks),
    ]
    for attempt in attempts:
        with pytest.raises(StateConflict) as refused:
            await attempt()
        assert refused.value.rule == "skp.berakhir"
    assert world.stored(skp_id).version == 8  # submitted at 7, ended at 8, nothing since


async def test_an_ended_approved_part_cannot_be_reset(world: World) -> None:
    skp_id = await submitted(world)
    await uc.approve_skp(uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=kepala(world.people["ks"]))
    await transfer(world)
    (ended,) = world.uow.published_of(events.SkpEnded)
    assert ended.status == "DISETUJUI"
    with pytest.raises(StateConflict) as refused:
        await uc.reset_skp(
            uc.ResetSkp(skp_id, ANY, alasan="Salah setuju"), uow=world.uow, deps=world.deps, actor=operator()
        )
    assert refused.value.rule == "skp.berakhir"


async def test_the_old_atasan_keeps_the_ended_part_and_the_new_one_sees_only_the_new_part(world: World) -> None:
    skp_id = await submitted(world)
    await transfer(world)
    old_ks, new_ks = kepala(world.people["ks"]), kepala(world.people["ks2"])
    kwargs = {"uow": world.uow, "deps": world.deps}
    read = await views.get_skp(views.GetSkp(skp_id), **kwargs, actor=old_ks)
    assert (read.atasan_id, read.sekolah.npsn) == (world.people["ks"].id, LAMA)
    with pytest.raises(NotFound):
        await views.get_skp(views.GetSkp(skp_id), **kwargs, actor=new_ks)

    def queue(actor) -> views.ApprovalQueue:  # noqa: ANN001
        return views.approval_queue(views.ApprovalQueue(None, "2024-S1", None, 20), **kwargs, actor=actor)

    assert [s.id for s, _, _ in await queue(old_ks)] == [skp_id]
    assert await queue(new_ks) == []

    new_part = await uc.create_skp(uc.CreateSkp("2024-S1"), **kwargs, actor=guru(world.people["guru"]))
    assert [s.id for s, _, sekolah in await queue(new_ks)] == [new_part.skp.id]
    assert [s.id for s, _, _ in await queue(old_ks)] == [skp_id]


async def test_the_next_part_is_planned_at_the_new_school_and_decided_there(world: World) -> None:
    first = await submitted(world)
    await transfer(world)
    teacher = guru(world.people["guru"])
    kwargs = {"uow": world.uow, "deps": world.deps}
    second_id = await draft(world)  # creates the next part, then saves its steps
    second = world.stored(second_id)
    assert (second.bagian, second.npsn, second.mulai, second.selesai) == (2, BARU, TMT, None)
    with pytest.raises(StateConflict) as again:
        await uc.create_skp(uc.CreateSkp("2024-S1"), **kwargs, actor=teacher)
    assert (again.value.rule, again.value.extra["skp_id"]) == ("skp.exists", str(second_id))

    world.uow.published.clear()
    await uc.submit_skp(uc.SubmitSkp(second_id, ANY), **kwargs, actor=teacher)
    assert world.stored(second_id).atasan_id == world.people["ks2"].id
    await uc.approve_skp(uc.ApproveSkp(second_id, ANY), **kwargs, actor=kepala(world.people["ks2"]))
    refs = [e.skp for e in world.uow.published if isinstance(e, events.SkpSubmitted | events.SkpApproved)]
    assert [(r.bagian, r.npsn, r.mulai, r.selesai) for r in refs] == [(2, BARU, TMT, None)] * 2

    parts = await views.my_parts(views.MyParts("2024-S1"), **kwargs, actor=teacher)
    assert [(p.skp.id, p.skp.bagian, p.sekolah.npsn, p.mulai, p.selesai, p.skp.ended) for p in parts] == [
        (first, 1, LAMA, date(2024, 1, 1), date(2024, 1, 9), True),
        (second_id, 2, BARU, TMT, date(2024, 6, 30), False),
    ]
    mine = await views.my_skp(views.MySkp("2024-S1"), **kwargs, actor=teacher)
    assert mine.skp.id == second_id  # the teacher's page opens on the latest part


async def test_a_transfer_back_ends_the_second_part_and_starts_a_third(world: World) -> None:
    await submitted(world)
    await transfer(world)
    second_id = await submitted(world)
    at(world, datetime(2024, 2, 20, 2, 0, tzinfo=UTC))
    report = await transfer(world, npsn=LAMA, tmt=date(2024, 2, 15))
    assert report.skp_berakhir == 1
    assert world.stored(second_id).selesai == date(2024, 2, 14)
    third = await uc.create_skp(
        uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"])
    )
    assert (third.skp.bagian, third.skp.npsn, third.skp.mulai) == (3, LAMA, date(2024, 2, 15))


@pytest.mark.parametrize(
    ("today", "allowed"),
    [
        (datetime(2024, 4, 15, 2, 0, tzinfo=UTC), True),  # the planning window closed on 31 March
        (datetime(2024, 5, 10, 2, 0, tzinfo=UTC), True),  # the 30th day after the new placement
        (datetime(2024, 5, 11, 2, 0, tzinfo=UTC), False),
    ],
)
async def test_the_part_a_transfer_starts_is_planned_in_the_days_after_it(
    world: World, today: datetime, allowed: bool
) -> None:
    await submitted(world)
    at(world, datetime(2024, 4, 12, 2, 0, tzinfo=UTC))
    await transfer(world, tmt=date(2024, 4, 10))
    at(world, today)
    create = uc.create_skp(uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    if allowed:
        assert (await create).skp.mulai == date(2024, 4, 10)
    else:
        with pytest.raises(OutsideWindow) as refused:
            await create
        assert refused.value.extra["closes"] == "2024-05-10"


async def test_a_plan_of_another_period_is_left_alone(world: World) -> None:
    other = world.plan("guru")
    world.uow.skp.plans[other.id] = replace(other, periode="2024-S2", npsn=LAMA)
    report = await transfer(world)
    assert report.skp_berakhir == 0 and world.stored(other.id).selesai is None
