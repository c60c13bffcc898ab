"""Approving many plans at once with a fake unit of work: each plan judged as a single approval is (state, window,
relation, version), refused ones unchanged and unpublished, approved ones saved and published one by one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from planning.domain import events
from planning.domain.skp import SkpStatus
from planning.domain.skp_parts import RhkInput
from planning.usecases import persetujuan as uc
from planning.usecases import skp
from pmm_kernel.access import Actor
from pmm_kernel.errors import DomainError, Forbidden, InvalidValue, NotFound, OutsideWindow, StaleVersion, StateConflict
from pmm_kernel.versions import ExpectedVersion
from services.planning.tests.unit.fakes import World, guru, kepala, operator, pengawas

ANY = ExpectedVersion.any()
AFTER_PLANNING = datetime(2024, 4, 15, 2, 0, tzinfo=UTC)  # past the 2024-S1 planning window's late entry


@pytest.fixture
def world() -> World:
    world = World()
    for name in ("guru3", "guru4", "guru5"):
        world.person(name, "20200001", "Guru Mapel", atasan="ks")
    # A teacher in Jakarta Pusat whose atasan is the same kepala sekolah: the window is the pegawai's region's.
    world.person("guru_jauh", "31710009", "Guru Kelas", atasan="ks")
    return world


def v(version: int) -> ExpectedVersion:
    return ExpectedVersion(f'"v{version}"')


async def submitted(world: World, name: str, periode: str = "2024-S1") -> uuid.UUID:
    """`name`'s complete plan, submitted to their atasan (at version 6)."""
    actor = guru(world.people[name])
    kwargs = {"uow": world.uow, "deps": world.deps, "actor": actor}
    skp_id = (await skp.create_skp(skp.CreateSkp(periode), **kwargs)).skp.id
    await skp.save_data_diri(skp.SaveDataDiri(skp_id, ANY, sesuai=True, catatan=None), **kwargs)
    await skp.save_praktik_kinerja(skp.SavePraktikKinerja(skp_id, ANY, indikator="D.1.3"), **kwargs)
    rhk = (RhkInput("PK-01", 4), RhkInput("PK-03", 1))
    await skp.save_pengembangan_kompetensi(skp.SavePengembanganKompetensi(skp_id, ANY, rhk=rhk), **kwargs)
    await skp.save_perilaku_kerja(skp.SavePerilakuKerja(skp_id, ANY), **kwargs)
    await skp.submit_skp(skp.SubmitSkp(skp_id, ANY), **kwargs)
    assert world.stored(skp_id).version == 6
    return skp_id


def snapshot(world: World, skp_id: uuid.UUID) -> tuple[SkpStatus, int]:
    stored = world.stored(skp_id)
    return stored.status, stored.version


async def test_approvable_plans_are_approved_and_each_refused_one_keeps_its_rule(world: World) -> None:
    ks = kepala(world.people["ks"])
    good = [await submitted(world, name) for name in ("guru", "guru2")]
    stale = await submitted(world, "guru3")
    already = await submitted(world, "guru4")
    await skp.approve_skp(skp.ApproveSkp(already, ANY), uow=world.uow, deps=world.deps, actor=ks)
    elsewhere = await submitted(world, "guru_sdn2")  # ks2's teacher: not in this kepala sekolah's queue
    unknown = uuid.uuid4()
    world.uow.published.clear()
    before = {skp_id: snapshot(world, skp_id) for skp_id in (stale, already, elsewhere)}

    sent = (
        (good[0], v(6)),
        (stale, v(5)),
        (already, v(7)),  # approved on another device, at the version the atasan saw there
        (elsewhere, v(6)),
        (unknown, v(1)),
        (good[1], v(6)),
    )
    outcomes = await uc.approve_many(uc.ApproveMany(sent), deps=world.deps, actor=ks)

    assert [o.skp_id for o in outcomes] == [skp_id for skp_id, _ in sent]  # the order sent
    refused = {o.skp_id: o.refused for o in outcomes if o.refused is not None}
    assert {skp_id: (type(e), e.rule) for skp_id, e in refused.items()} == {
        stale: (StaleVersion, "http.if_match_stale"),
        already: (StateConflict, "skp.approve_not_allowed_in_disetujui"),
        elsewhere: (NotFound, "plan.not_found"),
        unknown: (NotFound, "plan.not_found"),
    }
    approved = [o for o in outcomes if o.approved is not None]
    assert [o.skp_id for o in approved] == good
    for outcome in approved:
        assert outcome.approved is not None and outcome.approved.skp.version == 7
        assert snapshot(world, outcome.skp_id) == (SkpStatus.DISETUJUI, 7)
        assert world.stored(outcome.skp_id).atasan_id == world.people["ks"].id
    assert {skp_id: snapshot(world, skp_id) for skp_id in before} == before
    published = world.uow.published_of(events.SkpApproved)
    assert sorted(e.skp.skp_id for e in published) == sorted(good)  # one event per approved plan, none for the others
    assert [type(e) for e in world.uow.published] == [events.SkpApproved, events.SkpApproved]


async def test_a_plan_outside_its_windows_region_is_refused_and_the_others_approved(world: World) -> None:
    ks = kepala(world.people["ks"])
    bandung = await submitted(world, "guru")
    jakarta = await submitted(world, "guru_jauh")
    world.uow.clock.at = AFTER_PLANNING  # the window has closed, but Kota Bandung's is extended
    world.uow.periode.add_extension(
        kode="2024-S1",
        step="perencanaan_guru",
        until=date(2024, 4, 30),
        wilayah="3273",
        alasan="banjir",
        operator="op-3273",
    )
    world.uow.published.clear()

    outcomes = await uc.approve_many(uc.ApproveMany(((jakarta, v(6)), (bandung, v(6)))), deps=world.deps, actor=ks)

    (refused, approved) = outcomes
    assert isinstance(refused.refused, OutsideWindow) and refused.refused.rule == "window.perencanaan_guru"
    assert approved.approved is not None and approved.skp_id == bandung
    assert snapshot(world, jakarta) == (SkpStatus.DIAJUKAN, 6)
    assert [e.skp.skp_id for e in world.uow.published_of(events.SkpApproved)] == [bandung]


async def test_where_the_policy_has_approval_days_a_bulk_approval_keeps_to_them(world: World) -> None:
    """2026: plans are decided 22-31 January (docs/domain.md §3), in bulk as one by one; a region's extension of the
    approval days lets its plans through after them."""
    world.open_year(2026)
    world.uow.clock.at = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)
    bandung = await submitted(world, "guru", "2026-T")
    jakarta = await submitted(world, "guru_jauh", "2026-T")
    ks = kepala(world.people["ks"])
    items = uc.ApproveMany(((bandung, v(6)), (jakarta, v(6))))

    early = await uc.approve_many(items, deps=world.deps, actor=ks)
    assert [o.refused.rule if o.refused else None for o in early] == ["window.persetujuan"] * 2

    world.uow.clock.at = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    world.uow.periode.add_extension(
        kode="2026-T", step="persetujuan", until=date(2026, 2, 6), wilayah="3273", alasan="banjir", operator="op-3273"
    )
    late = await uc.approve_many(items, deps=world.deps, actor=ks)
    assert late[0].approved is not None
    assert isinstance(late[1].refused, OutsideWindow) and late[1].refused.rule == "window.persetujuan"
    assert snapshot(world, jakarta) == (SkpStatus.DIAJUKAN, 6)


async def test_a_pengawas_approves_the_kepala_sekolah_plans_of_their_schools(world: World) -> None:
    ks_plan = await submitted_ks(world)
    teacher_plan = await submitted(world, "guru")
    actor = pengawas(world.people["pengawas"])

    outcomes = await uc.approve_many(
        uc.ApproveMany(((ks_plan, v(6)), (teacher_plan, v(6)))), deps=world.deps, actor=actor
    )

    assert outcomes[0].approved is not None and snapshot(world, ks_plan) == (SkpStatus.DISETUJUI, 7)
    assert outcomes[1].refused is not None and outcomes[1].refused.rule == "plan.not_found"  # a teacher's: not theirs
    assert snapshot(world, teacher_plan) == (SkpStatus.DIAJUKAN, 6)


async def submitted_ks(world: World) -> uuid.UUID:
    actor = kepala(world.people["ks"])
    kwargs = {"uow": world.uow, "deps": world.deps, "actor": actor}
    world.uow.clock.at = datetime(2024, 1, 16, 2, 0, tzinfo=UTC)  # a kepala sekolah plans from 15 January
    skp_id = (await skp.create_skp(skp.CreateSkp("2024-S1"), **kwargs)).skp.id
    await skp.save_data_diri(skp.SaveDataDiri(skp_id, ANY, sesuai=True, catatan=None), **kwargs)
    await skp.save_praktik_kinerja(skp.SavePraktikKinerja(skp_id, ANY, indikator="D.3"), **kwargs)
    rhk = (RhkInput("PK-01", 4), RhkInput("PK-03", 1))
    await skp.save_pengembangan_kompetensi(skp.SavePengembanganKompetensi(skp_id, ANY, rhk=rhk), **kwargs)
    await skp.save_perilaku_kerja(skp.SavePerilakuKerja(skp_id, ANY), **kwargs)
    await skp.submit_skp(skp.SubmitSkp(skp_id, ANY), **kwargs)
    return skp_id


async def test_the_kepala_sekolah_own_plan_is_refused_as_a_single_approval_would_be(world: World) -> None:
    own = await submitted_ks(world)
    outcomes = await uc.approve_many(uc.ApproveMany(((own, v(6)),)), deps=world.deps, actor=kepala(world.people["ks"]))
    (outcome,) = outcomes
    assert isinstance(outcome.refused, Forbidden) and outcome.refused.rule == "skp.approve_forbidden"
    assert snapshot(world, own) == (SkpStatus.DIAJUKAN, 6)


@pytest.mark.parametrize("who", ["guru", "operator", "not_in_roster"])
async def test_only_a_kepala_sekolah_or_pengawas_in_the_roster_approves_many(world: World, who: str) -> None:
    skp_id = await submitted(world, "guru2")
    actor = {
        "guru": lambda: guru(world.people["guru"]),
        "operator": lambda: operator("3273"),
        "not_in_roster": lambda: Actor(
            subject="199901012020011001", roles=frozenset({"kepala_sekolah"}), pegawai_id=None, wilayah=None
        ),
    }[who]()
    with pytest.raises(Forbidden) as refused:
        await uc.approve_many(uc.ApproveMany(((skp_id, v(6)),)), deps=world.deps, actor=actor)
    assert refused.value.rule == "role.atasan_required"
    assert snapshot(world, skp_id) == (SkpStatus.DIAJUKAN, 6)


async def test_no_plan_too_many_or_one_sent_twice_is_invalid_naming_the_item(world: World) -> None:
    ks = kepala(world.people["ks"])
    skp_id = await submitted(world, "guru")
    others = [uuid.uuid4() for _ in range(3)]
    cases: list[tuple[tuple[tuple[uuid.UUID, ExpectedVersion], ...], str, str]] = [
        ((), "items", "persetujuan.items_count"),
        (tuple((uuid.uuid4(), v(1)) for _ in range(uc.MAX_ITEMS + 1)), "items", "persetujuan.items_count"),
        (
            ((skp_id, v(6)), *((o, v(1)) for o in others), (skp_id, v(6))),
            "items[4].skp_id",
            "persetujuan.skp_duplicate",
        ),
    ]
    for items, field, rule in cases:
        with pytest.raises(InvalidValue) as refused:
            await uc.approve_many(uc.ApproveMany(items), deps=world.deps, actor=ks)
        assert (refused.value.field, refused.value.rule) == (field, rule)
    assert snapshot(world, skp_id) == (SkpStatus.DIAJUKAN, 6)  # nothing was tried before the request was valid


async def test_exactly_one_hundred_plans_are_judged(world: World) -> None:
    skp_id = await submitted(world, "guru")
    items = ((skp_id, v(6)), *((uuid.uuid4(), v(1)) for _ in range(uc.MAX_ITEMS - 1)))
    outcomes = await uc.approve_many(uc.ApproveMany(items), deps=world.deps, actor=kepala(world.people["ks"]))
    assert len(outcomes) == 100 and sum(o.approved is not None for o in outcomes) == 1
    assert all(isinstance(o.refused, DomainError) for o in outcomes[1:])
