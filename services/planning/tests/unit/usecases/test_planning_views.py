"""What the GET routes read, with a fake unit of work: who sees which plan, the atasan's queue, the periods, the
recommendations and the operator's listings."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from planning.domain.access import Relation
from planning.domain.skp import SkpStatus
from planning.domain.skp_parts import RhkItem
from planning.usecases import views as uc
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound
from services.planning.tests.unit.fakes import World, guru, kepala, operator, pengawas


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize(
    ("who", "relation"),
    [
        ("guru", Relation.OWNER),
        ("ks", Relation.ATASAN),
        ("operator", Relation.OPERATOR),
        ("guru2", None),
        ("ks2", None),
        ("pengawas", None),
        ("operator_jakarta", None),
    ],
)
async def test_a_plan_is_seen_by_its_pegawai_their_atasan_and_the_regions_operator(
    world: World, who: str, relation: Relation | None
) -> None:
    skp = world.plan("guru")
    actor = {
        "guru": lambda: guru(world.people["guru"]),
        "guru2": lambda: guru(world.people["guru2"]),
        "ks": lambda: kepala(world.people["ks"]),
        "ks2": lambda: kepala(world.people["ks2"]),
        "pengawas": lambda: pengawas(world.people["pengawas"]),
        "operator": lambda: operator("3273"),
        "operator_jakarta": lambda: operator("3171"),
    }[who]()
    query = uc.GetSkp(skp.id)
    if relation is None:
        with pytest.raises(NotFound) as refused:
            await uc.get_skp(query, uow=world.uow, deps=world.deps, actor=actor)
        assert refused.value.rule == "plan.not_found"
        return
    context = await uc.get_skp(query, uow=world.uow, deps=world.deps, actor=actor)
    assert (context.skp.id, context.relation, context.atasan_id) == (skp.id, relation, world.people["ks"].id)
    assert (context.pegawai.nip, context.sekolah.npsn) == (world.people["guru"].nip, "20200001")


async def test_a_plan_reads_with_its_points_warning(world: World) -> None:
    item = RhkItem("PK-01", "Pelatihan", "pengembangan_kompetensi", None, "kuantitas", "jumlah", 2, "topik", 8)
    skp = world.plan("guru", pengembangan_kompetensi=(item,))
    context = await uc.get_skp(uc.GetSkp(skp.id), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    assert context.warnings == ["pengembangan kompetensi totals 16 points; 32-128 per period is recommended"]


async def test_my_plan_is_found_by_period(world: World) -> None:
    teacher = guru(world.people["guru"])
    with pytest.raises(NotFound) as refused:
        await uc.my_skp(uc.MySkp("2024-S1"), uow=world.uow, deps=world.deps, actor=teacher)
    assert refused.value.rule == "plan.not_found"
    skp = world.plan("guru")
    context = await uc.my_skp(uc.MySkp("2024-S1"), uow=world.uow, deps=world.deps, actor=teacher)
    assert context.skp.id == skp.id
    with pytest.raises(NotFound) as refused:
        await uc.my_skp(uc.MySkp("2024-S1"), uow=world.uow, deps=world.deps, actor=operator())
    assert refused.value.rule == "pegawai.not_in_roster"


def submitted_at(day: int) -> dict:
    return {"status": SkpStatus.DIAJUKAN, "submitted_at": datetime(2024, 1, day, tzinfo=UTC)}


async def test_the_queue_holds_the_plans_of_whom_the_atasan_appraises_today_oldest_first(world: World) -> None:
    later = world.plan("guru", **submitted_at(12))
    earlier = world.plan("guru2", **submitted_at(11))
    world.plan("guru_sdn2", **submitted_at(10))  # another KS's teacher
    query = uc.ApprovalQueue(status="DIAJUKAN", periode="2024-S1", after=None, limit=10)
    ks = kepala(world.people["ks"])
    rows = await uc.approval_queue(query, uow=world.uow, deps=world.deps, actor=ks)
    assert [skp.id for skp, _, _ in rows] == [earlier.id, later.id]
    assert rows[0][1].nip == world.people["guru2"].nip and rows[0][2].npsn == "20200001"
    after_first = uc.ApprovalQueue("DIAJUKAN", None, (earlier.submitted_at, earlier.id), 10)
    rows = await uc.approval_queue(after_first, uow=world.uow, deps=world.deps, actor=ks)
    assert [skp.id for skp, _, _ in rows] == [later.id]
    drafts = uc.ApprovalQueue(status="DRAFT", periode=None, after=None, limit=10)
    assert await uc.approval_queue(drafts, uow=world.uow, deps=world.deps, actor=ks) == []


@pytest.mark.parametrize("who", ["guru", "operator"])
async def test_only_an_atasan_has_a_queue(world: World, who: str) -> None:
    actor = guru(world.people["guru"]) if who == "guru" else operator()
    with pytest.raises(Forbidden) as refused:
        await uc.approval_queue(uc.ApprovalQueue(None, None, None, 10), uow=world.uow, deps=world.deps, actor=actor)
    assert refused.value.rule == "role.atasan_required"


@pytest.mark.parametrize(
    ("name", "peran", "first"),
    [("guru", "guru", "D.1.3"), ("guru_sdn2", "guru", "D.1"), ("ks", "kepala_sekolah", "D.3")],
)
async def test_recommendations_follow_the_schools_priorities_for_the_callers_role(
    world: World, name: str, peran: str, first: str
) -> None:
    actor = kepala(world.people[name]) if peran == "kepala_sekolah" else guru(world.people[name])
    found_peran, indicators = await uc.recommended_indicators(
        uc.RecommendedIndicators(), uow=world.uow, deps=world.deps, actor=actor
    )
    assert found_peran == peran and indicators[0].kode == first
    assert {i.peran for i in indicators} == {peran}


async def test_a_pengawas_and_an_operator_get_no_recommendation(world: World) -> None:
    with pytest.raises(Forbidden):
        await uc.recommended_indicators(
            uc.RecommendedIndicators(), uow=world.uow, deps=world.deps, actor=pengawas(world.people["pengawas"])
        )
    with pytest.raises(NotFound):
        await uc.recommended_indicators(uc.RecommendedIndicators(), uow=world.uow, deps=world.deps, actor=operator())


async def test_periods_list_with_their_extensions(world: World) -> None:
    world.uow.periode.add_extension(
        kode="2024-S1", step="perencanaan_guru", until=date(2024, 4, 30), wilayah="32", alasan="banjir", operator="x"
    )
    periods = await uc.list_periods(uc.ListPeriods(), uow=world.uow)
    assert [p["kode"] for p in periods] == ["2024-S1", "2024-S2"]
    assert periods[0]["extensions"] == [
        {"step": "perencanaan_guru", "until": date(2024, 4, 30), "wilayah": "32", "alasan": "banjir"}
    ]
    assert periods[1]["extensions"] == []


async def test_an_operator_lists_the_schools_of_their_region(world: World) -> None:
    schools = await uc.roster_sekolah(uc.RosterSekolah(), uow=world.uow, actor=operator("3273"))
    assert [s.npsn for s in schools] == ["20200001", "20200002"]
    everyone = await uc.roster_sekolah(uc.RosterSekolah(), uow=world.uow, actor=operator(""))
    assert len(everyone) == 3
    with pytest.raises(Forbidden):
        await uc.roster_sekolah(uc.RosterSekolah(), uow=world.uow, actor=guru(world.people["guru"]))


async def _page(world: World, npsn: str | None, after: uuid.UUID | None, limit: int) -> list[Any]:
    query = uc.RosterPegawai(npsn, after, limit)
    return (await uc.roster_pegawai(query, uow=world.uow, actor=operator("3273"), on=world.today)).rows


async def test_an_operator_pages_through_the_pegawai_of_their_region(world: World) -> None:
    first = await _page(world, None, None, 3)
    assert [s.npsn for _, s in first] == ["20200001"] * 3
    rest = await _page(world, None, first[-1][0].id, 10)
    assert [s.npsn for _, s in rest] == ["20200002"] * 3
    assert {p.id for p, _ in first}.isdisjoint({p.id for p, _ in rest})
    one_school = await _page(world, "20200002", None, 10)
    assert len(one_school) == 3


async def test_the_listing_names_who_acts_as_kepala_sekolah_on_the_day(world: World) -> None:
    day = date(2024, 3, 1)
    acting = world.people["guru2"]
    world.uow.roster.add_relasi(
        pegawai_id=world.people["guru"].id,
        atasan_id=acting.id,
        peran_atasan="plt_kepala_sekolah",
        mulai=day,
        selesai=day,
    )
    query = uc.RosterPegawai(None, None, 10)
    on_the_day = await uc.roster_pegawai(query, uow=world.uow, actor=operator("3273"), on=day)
    assert on_the_day.acting == {acting.id}
    after = await uc.roster_pegawai(query, uow=world.uow, actor=operator("3273"), on=day + timedelta(days=1))
    assert after.acting == frozenset()


async def test_a_cursor_from_another_region_is_refused(world: World) -> None:
    outsider = world.people["guru_jakarta"].id
    with pytest.raises(InvalidValue) as refused:
        await uc.roster_pegawai(
            uc.RosterPegawai(None, outsider, 10), uow=world.uow, actor=operator("3273"), on=date(2024, 3, 1)
        )
    assert (refused.value.rule, refused.value.field) == ("pagination.cursor", "cursor")


# --- the official SKP document ------------------------------------------------------------------------------


async def test_the_document_names_the_approver_and_the_approvers_own_atasan(world: World) -> None:
    people = world.people
    skp = world.plan("guru", status=SkpStatus.DISETUJUI, atasan_id=people["ks"].id)
    query = uc.GetDokumenSkp(skp.id)
    for actor in (guru(people["guru"]), kepala(people["ks"]), operator("3273")):
        document = await uc.dokumen_skp(query, uow=world.uow, deps=world.deps, actor=actor)
        assert document.context.skp.id == skp.id
        assert document.penilai is not None and document.penilai.pegawai.id == people["ks"].id
        assert document.penilai.sekolah is not None and document.penilai.sekolah.npsn == "20200001"
        assert document.atasan_penilai is not None and document.atasan_penilai.pegawai.id == people["pengawas"].id
    assert [v.kode for v in document.berakhlak][:2] == ["berorientasi_pelayanan", "akuntabel"]
    assert len(document.berakhlak) == 7
    assert document.periode.kode == "2024-S1"
    assert document.dicetak == world.uow.clock.now() and document.dicetak.utcoffset() == timedelta(hours=7)


async def test_an_approved_plan_keeps_its_approver_a_draft_names_the_current_atasan(world: World) -> None:
    people = world.people
    approved = world.plan("guru", status=SkpStatus.DISETUJUI, atasan_id=people["ks2"].id)
    teacher = guru(people["guru"])
    document = await uc.dokumen_skp(uc.GetDokumenSkp(approved.id), uow=world.uow, deps=world.deps, actor=teacher)
    assert document.penilai is not None and document.penilai.pegawai.id == people["ks2"].id
    assert document.atasan_penilai is None  # the approver has no atasan in the roster

    draft = world.plan("guru2", atasan_id=people["ks2"].id)
    colleague = guru(people["guru2"])
    document = await uc.dokumen_skp(uc.GetDokumenSkp(draft.id), uow=world.uow, deps=world.deps, actor=colleague)
    assert document.penilai is not None and document.penilai.pegawai.id == people["ks"].id

    lone = world.plan("guru_jakarta")
    alone = guru(people["guru_jakarta"])
    document = await uc.dokumen_skp(uc.GetDokumenSkp(lone.id), uow=world.uow, deps=world.deps, actor=alone)
    assert (document.penilai, document.atasan_penilai) == (None, None)


@pytest.mark.parametrize("who", ["guru2", "ks2", "pengawas"])
async def test_someone_elses_document_is_not_found(world: World, who: str) -> None:
    skp = world.plan("guru")
    actor = (kepala if who == "ks2" else pengawas if who == "pengawas" else guru)(world.people[who])
    with pytest.raises(NotFound) as refused:
        await uc.dokumen_skp(uc.GetDokumenSkp(skp.id), uow=world.uow, deps=world.deps, actor=actor)
    assert refused.value.rule == "plan.not_found"
