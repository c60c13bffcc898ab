"""The plan's commands with a fake unit of work: who may, in which window, from which state, and what is saved,
published and audited."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from planning.domain import events
from planning.domain.skp import SkpStatus
from planning.domain.skp_parts import DataDiri, IndikatorChoice, RhkInput
from planning.usecases import skp as uc
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
from services.planning.tests.unit.fakes import World, guru, kepala, operator, pengawas

ANY = ExpectedVersion.any()
AFTER_PLANNING = datetime(2024, 4, 15, 2, 0, tzinfo=UTC)  # past the 2024-S1 planning window's late entry
INDIKATOR = IndikatorChoice("D.1.3", "Metode", ("a", "b", "c"), ("x", "y"), recommended=True)


@pytest.fixture
def world() -> World:
    return World()


def v(version: int) -> ExpectedVersion:
    return ExpectedVersion(f'"v{version}"')


async def draft(world: World, name: str = "guru", periode: str = "2024-S1") -> uuid.UUID:
    """Creates `name`'s plan and saves every step it needs to be submitted, through the use cases."""
    pegawai = world.people[name]
    actor = guru(pegawai) if pegawai.jenis_gtk != "Kepala Sekolah" else kepala(pegawai)
    kwargs = {"uow": world.uow, "deps": world.deps, "actor": actor}
    skp_id = (await uc.create_skp(uc.CreateSkp(periode), **kwargs)).skp.id
    indikator = "D.1.3" if actor.roles == {"guru"} else "D.3"
    await uc.save_data_diri(uc.SaveDataDiri(skp_id, ANY, sesuai=True, catatan=None), **kwargs)
    await uc.save_praktik_kinerja(uc.SavePraktikKinerja(skp_id, ANY, indikator=indikator), **kwargs)
    await uc.save_pengembangan_kompetensi(
        uc.SavePengembanganKompetensi(skp_id, ANY, rhk=(RhkInput("PK-01", 4), RhkInput("PK-03", 1))), **kwargs
    )
    await uc.save_tugas_tambahan(uc.SaveTugasTambahan(skp_id, ANY, rhk=(RhkInput("TT-04", 1),)), **kwargs)
    await uc.save_perilaku_kerja(uc.SavePerilakuKerja(skp_id, ANY), **kwargs)
    return skp_id


async def submitted(world: World, name: str = "guru", periode: str = "2024-S1") -> uuid.UUID:
    skp_id = await draft(world, name, periode)
    actor = guru(world.people[name]) if name != "ks" else kepala(world.people[name])
    await uc.submit_skp(uc.SubmitSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=actor)
    return skp_id


# --- creating a plan ----------------------------------------------------------------------------------------


async def test_a_teacher_creates_a_draft_in_the_window_with_their_atasan(world: World) -> None:
    teacher = world.people["guru"]
    context = await uc.create_skp(uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=guru(teacher))
    assert (context.skp.status, context.skp.peran, context.skp.version) == (SkpStatus.DRAFT, "guru", 1)
    assert context.atasan_id == world.people["ks"].id
    assert world.uow.committed
    assert world.stored(context.skp.id).pegawai_id == teacher.id
    assert world.uow.published == []  # a draft is private until it is submitted


async def test_a_kepala_sekolah_plans_as_one(world: World) -> None:
    ks = world.people["ks"]
    context = await uc.create_skp(uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=kepala(ks))
    assert context.skp.peran == "kepala_sekolah"
    assert context.atasan_id == world.people["pengawas"].id


@pytest.mark.parametrize(
    ("who", "periode", "error", "rule"),
    [
        ("operator", "2024-S1", NotFound, "pegawai.not_in_roster"),
        ("guru", "2031-S1", InvalidValue, "periode.unknown"),
        ("pengawas", "2024-S1", Forbidden, "pegawai.no_skp"),
    ],
)
async def test_who_may_not_create_a_plan(world: World, who: str, periode: str, error: type, rule: str) -> None:
    actor = operator() if who == "operator" else guru(world.people[who])
    with pytest.raises(error) as refused:
        await uc.create_skp(uc.CreateSkp(periode), uow=world.uow, deps=world.deps, actor=actor)
    assert refused.value.rule == rule
    assert world.uow.skp.plans == {} and not world.uow.committed


async def test_a_second_plan_for_the_period_is_a_conflict_naming_the_first(world: World) -> None:
    first = world.plan("guru")
    with pytest.raises(StateConflict) as refused:
        await uc.create_skp(uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    assert (refused.value.rule, refused.value.field) == ("skp.exists", "periode")
    assert refused.value.extra == {"skp_id": str(first.id)}
    assert len(world.uow.skp.plans) == 1


async def test_no_plan_is_created_outside_the_window(world: World) -> None:
    world.uow.clock.at = AFTER_PLANNING
    with pytest.raises(OutsideWindow) as refused:
        await uc.create_skp(uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    assert refused.value.rule == "window.perencanaan_guru"
    assert world.uow.skp.plans == {}


async def test_a_kepala_sekolah_waits_for_their_own_window(world: World) -> None:
    world.uow.clock.at = datetime(2024, 1, 10, 2, 0, tzinfo=UTC)  # teachers plan from 1 January, KS from the 15th
    with pytest.raises(OutsideWindow) as refused:
        await uc.create_skp(uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=kepala(world.people["ks"]))
    assert refused.value.rule == "window.perencanaan_ks"
    context = await uc.create_skp(
        uc.CreateSkp("2024-S1"), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"])
    )
    assert context.skp.status is SkpStatus.DRAFT


# --- the drafting steps ---------------------------------------------------------------------------------------


async def test_each_step_is_saved_and_counts_a_version(world: World) -> None:
    skp_id = await draft(world)
    stored = world.stored(skp_id)
    assert stored.version == 6
    assert stored.data_diri == DataDiri(sesuai=True, catatan=None)
    assert stored.indikator is not None and stored.indikator.kode == "D.1.3" and stored.indikator.recommended
    assert [i.kode for i in stored.pengembangan_kompetensi] == ["PK-01", "PK-03"]
    assert [i.poin for i in stored.pengembangan_kompetensi] == [8, 32]  # 2024 counts points
    assert [i.kode for i in stored.tugas_tambahan] == ["TT-04"]
    assert stored.perilaku_dikonfirmasi and stored.missing_steps() == []


async def test_a_step_answers_the_points_warning(world: World) -> None:
    skp = world.plan("guru")
    context = await uc.save_pengembangan_kompetensi(
        uc.SavePengembanganKompetensi(skp.id, v(1), rhk=(RhkInput("PK-01", 1),)),
        uow=world.uow,
        deps=world.deps,
        actor=guru(world.people["guru"]),
    )
    assert context.warnings == ["pengembangan kompetensi totals 8 points; 32-128 per period is recommended"]


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        ("guru2", NotFound, "plan.not_found"),  # a colleague: the plan does not exist for them
        ("guru_jakarta", NotFound, "plan.not_found"),
        ("ks", Forbidden, "skp.edit_forbidden"),  # the atasan sees it, but only the pegawai drafts it
        ("operator", Forbidden, "skp.edit_forbidden"),
        ("operator_jakarta", NotFound, "plan.not_found"),
    ],
)
async def test_only_the_pegawai_drafts_their_plan(world: World, who: str, error: type, rule: str) -> None:
    skp = world.plan("guru")
    actor = {
        "ks": lambda: kepala(world.people["ks"]),
        "operator": lambda: operator("3273"),
        "operator_jakarta": lambda: operator("3171"),
    }.get(who, lambda: guru(world.people[who]))()
    with pytest.raises(error) as refused:
        await uc.save_data_diri(
            uc.SaveDataDiri(skp.id, v(1), sesuai=True, catatan=None), uow=world.uow, deps=world.deps, actor=actor
        )
    assert refused.value.rule == rule
    assert world.stored(skp.id).data_diri is None and not world.uow.committed


@pytest.mark.parametrize(
    ("expected", "error", "rule"),
    [
        (ExpectedVersion(None), PreconditionRequired, "http.if_match_required"),
        (ExpectedVersion('"v7"'), StaleVersion, "http.if_match_stale"),
        (ExpectedVersion("v1"), InvalidValue, "http.if_match_format"),
    ],
)
async def test_a_step_needs_the_version_the_pegawai_read(
    world: World, expected: ExpectedVersion, error: type, rule: str
) -> None:
    skp = world.plan("guru")
    with pytest.raises(error) as refused:
        await uc.save_perilaku_kerja(
            uc.SavePerilakuKerja(skp.id, expected), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"])
        )
    assert refused.value.rule == rule
    assert world.stored(skp.id).version == 1


async def test_someone_elses_plan_is_not_found_before_the_version_is_checked(world: World) -> None:
    skp = world.plan("guru")
    with pytest.raises(NotFound):
        await uc.save_perilaku_kerja(
            uc.SavePerilakuKerja(skp.id, ExpectedVersion(None)),
            uow=world.uow,
            deps=world.deps,
            actor=guru(world.people["guru2"]),
        )


async def test_a_step_outside_the_window_is_refused_unless_the_region_has_an_extension(world: World) -> None:
    skp = world.plan("guru")
    world.uow.clock.at = AFTER_PLANNING
    command = uc.SaveDataDiri(skp.id, v(1), sesuai=True, catatan=None)
    actor = guru(world.people["guru"])
    with pytest.raises(OutsideWindow) as refused:
        await uc.save_data_diri(command, uow=world.uow, deps=world.deps, actor=actor)
    assert refused.value.rule == "window.perencanaan_guru"
    # An extension for another region changes nothing; one for Kota Bandung opens the step again.
    world.uow.periode.add_extension(
        kode="2024-S1", step="perencanaan_guru", until=date(2024, 4, 30), wilayah="3171", alasan="banjir", operator="x"
    )
    with pytest.raises(OutsideWindow):
        await uc.save_data_diri(command, uow=world.uow, deps=world.deps, actor=actor)
    world.uow.periode.add_extension(
        kode="2024-S1", step="perencanaan_guru", until=date(2024, 4, 30), wilayah="32", alasan="banjir", operator="x"
    )
    context = await uc.save_data_diri(command, uow=world.uow, deps=world.deps, actor=actor)
    assert context.skp.version == 2 and world.stored(skp.id).data_diri is not None


async def test_an_indicator_of_the_other_role_is_refused(world: World) -> None:
    skp = world.plan("guru")
    with pytest.raises(InvalidValue) as refused:
        await uc.save_praktik_kinerja(
            uc.SavePraktikKinerja(skp.id, v(1), indikator="D.3"),
            uow=world.uow,
            deps=world.deps,
            actor=guru(world.people["guru"]),
        )
    assert (refused.value.rule, refused.value.field) == ("skp.indikator_peran", "indikator")


async def test_an_indicator_outside_the_schools_priorities_is_allowed_and_not_recommended(world: World) -> None:
    skp = world.plan("guru")
    context = await uc.save_praktik_kinerja(
        uc.SavePraktikKinerja(skp.id, v(1), indikator="D.2"),
        uow=world.uow,
        deps=world.deps,
        actor=guru(world.people["guru"]),
    )
    assert context.skp.indikator is not None and not context.skp.indikator.recommended


@pytest.mark.parametrize(
    ("step", "rhk", "rule", "field"),
    [
        ("pengembangan_kompetensi", (RhkInput("TT-04", 1),), "skp.rhk_kategori", "rhk[0].kode"),
        ("tugas_tambahan", (RhkInput("PK-01", 1),), "skp.rhk_kategori", "rhk[0].kode"),
        (
            "pengembangan_kompetensi",
            (RhkInput("PK-01", 4), RhkInput("PK-03", 5)),
            "skp.target_range",
            "rhk[1].target_kuantitas",
        ),
        ("pengembangan_kompetensi", (RhkInput("PK-99", 1),), "katalog.rhk_unknown", "rhk[0].kode"),
        (
            "pengembangan_kompetensi",
            (RhkInput("PK-01", 1), RhkInput("PK-01", 2)),
            "skp.rhk_duplicate",
            "pengembangan_kompetensi[1].kode",
        ),
    ],
)
async def test_rhk_come_from_the_catalogue_within_their_range(
    world: World, step: str, rhk: tuple[RhkInput, ...], rule: str, field: str
) -> None:
    skp = world.plan("guru")
    actor = guru(world.people["guru"])
    with pytest.raises(InvalidValue) as refused:
        if step == "pengembangan_kompetensi":
            command = uc.SavePengembanganKompetensi(skp.id, v(1), rhk=rhk)
            await uc.save_pengembangan_kompetensi(command, uow=world.uow, deps=world.deps, actor=actor)
        else:
            await uc.save_tugas_tambahan(
                uc.SaveTugasTambahan(skp.id, v(1), rhk=rhk), uow=world.uow, deps=world.deps, actor=actor
            )
    assert (refused.value.rule, refused.value.field) == (rule, field)
    assert world.stored(skp.id).version == 1


# --- submission and decisions ---------------------------------------------------------------------------------


async def test_a_complete_plan_is_submitted_to_todays_atasan_and_published(world: World) -> None:
    skp_id = await draft(world)
    context = await uc.submit_skp(
        uc.SubmitSkp(skp_id, v(6)), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"])
    )
    assert context.skp.status is SkpStatus.DIAJUKAN
    stored = world.stored(skp_id)
    assert (stored.status, stored.atasan_id, stored.version) == (SkpStatus.DIAJUKAN, world.people["ks"].id, 7)
    assert world.uow.published_of(events.SkpSubmitted) == [
        events.SkpSubmitted(
            skp=events.SkpRef(
                skp_id, 7, world.people["guru"].id, "2024-S1", world.people["ks"].id, bagian=1, npsn="20200001"
            ),
            at=world.uow.clock.now(),
        )
    ]


async def test_an_incomplete_plan_names_the_missing_steps(world: World) -> None:
    skp = world.plan("guru", indikator=INDIKATOR)
    with pytest.raises(InvalidValue) as refused:
        await uc.submit_skp(
            uc.SubmitSkp(skp.id, v(1)), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"])
        )
    assert refused.value.rule == "skp.incomplete"
    assert refused.value.extra == {"missing": ["data_diri", "pengembangan_kompetensi", "perilaku_kerja"]}
    assert world.uow.published == []


async def test_a_pegawai_without_an_atasan_today_cannot_submit(world: World) -> None:
    skp_id = await draft(world)
    world.uow.roster.relasi_by_id.clear()
    with pytest.raises(StateConflict) as refused:
        await uc.submit_skp(uc.SubmitSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    assert refused.value.rule == "skp.no_atasan"
    assert world.stored(skp_id).status is SkpStatus.DRAFT


async def test_the_atasan_approves_and_the_whole_plan_is_published(world: World) -> None:
    skp_id = await submitted(world)
    ks = kepala(world.people["ks"])
    await uc.set_ekspektasi_khusus(
        uc.SetEkspektasiKhusus(skp_id, v(7), values=(("akuntabel", "Tepat waktu"), ("adaptif", " "))),
        uow=world.uow,
        deps=world.deps,
        actor=ks,
    )
    context = await uc.approve_skp(uc.ApproveSkp(skp_id, v(8)), uow=world.uow, deps=world.deps, actor=ks)
    assert context.skp.status is SkpStatus.DISETUJUI
    (approved,) = world.uow.published_of(events.SkpApproved)
    assert approved.skp.version == 9 and approved.skp.atasan_id == world.people["ks"].id
    assert approved.indikator is not None and approved.indikator.kode == "D.1.3"
    assert [i.kode for i in approved.rhk] == ["PK-01", "PK-03", "TT-04"]
    assert [p.kode for p in approved.perilaku] == [v.kode for v in world.deps.catalog.berakhlak]
    assert {p.kode: p.ekspektasi_khusus for p in approved.perilaku if p.ekspektasi_khusus} == {
        "akuntabel": "Tepat waktu"
    }


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        ("guru", Forbidden, "skp.approve_forbidden"),  # the pegawai cannot approve their own plan
        ("operator", Forbidden, "skp.approve_forbidden"),
        ("ks2", NotFound, "plan.not_found"),  # another school's KS
        ("pengawas", NotFound, "plan.not_found"),  # the KS's atasan, not the teacher's
    ],
)
async def test_only_the_current_atasan_decides(world: World, who: str, error: type, rule: str) -> None:
    skp_id = await submitted(world)
    actor = {
        "guru": lambda: guru(world.people["guru"]),
        "operator": lambda: operator("3273"),
        "ks2": lambda: kepala(world.people["ks2"]),
        "pengawas": lambda: pengawas(world.people["pengawas"]),
    }[who]()
    with pytest.raises(error) as refused:
        await uc.approve_skp(uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=actor)
    assert refused.value.rule == rule
    assert world.stored(skp_id).status is SkpStatus.DIAJUKAN
    assert world.uow.published_of(events.SkpApproved) == []


async def test_a_new_kepala_sekolah_decides_what_was_submitted_to_the_one_before(world: World) -> None:
    skp_id = await submitted(world)
    world.person("ks_baru", "20200001", "Kepala Sekolah")
    world.relate("guru", "ks_baru", "kepala_sekolah", mulai=world.today)
    actor = kepala(world.people["ks_baru"])
    await uc.approve_skp(uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=actor)
    assert world.stored(skp_id).atasan_id == world.people["ks_baru"].id


async def test_the_atasan_returns_with_a_note_and_the_pegawai_submits_again(world: World) -> None:
    skp_id = await submitted(world)
    ks = kepala(world.people["ks"])
    with pytest.raises(InvalidValue) as refused:
        await uc.return_skp(uc.ReturnSkp(skp_id, ANY, catatan=" ok "), uow=world.uow, deps=world.deps, actor=ks)
    assert refused.value.rule == "skp.catatan_required"
    await uc.return_skp(
        uc.ReturnSkp(skp_id, ANY, catatan="Target terlalu rendah"), uow=world.uow, deps=world.deps, actor=ks
    )
    assert world.stored(skp_id).status is SkpStatus.DIKEMBALIKAN
    (returned,) = world.uow.published_of(events.SkpReturned)
    assert returned.catatan == "Target terlalu rendah"
    await uc.submit_skp(uc.SubmitSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    assert len(world.uow.published_of(events.SkpSubmitted)) == 2


async def test_a_decision_outside_the_window_is_refused(world: World) -> None:
    skp_id = await submitted(world)
    world.uow.clock.at = AFTER_PLANNING
    with pytest.raises(OutsideWindow):
        await uc.approve_skp(
            uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=kepala(world.people["ks"])
        )


async def test_where_the_policy_has_approval_days_the_decisions_keep_to_them(world: World) -> None:
    """2026: teachers plan in January, the atasan decide 22-31 January, then the plans are locked (§3)."""
    world.open_year(2026)
    world.uow.clock.at = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)
    skp_id = await submitted(world, periode="2026-T")
    atasan = kepala(world.people["ks"])
    for decide in (
        lambda: uc.approve_skp(uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=atasan),
        lambda: uc.return_skp(uc.ReturnSkp(skp_id, ANY, "Perbaiki"), uow=world.uow, deps=world.deps, actor=atasan),
    ):
        with pytest.raises(OutsideWindow) as refused:
            await decide()
        assert refused.value.rule == "window.persetujuan"
        assert refused.value.extra == {"step": "persetujuan", "opens": "2026-01-22", "closes": "2026-01-31"}
    assert world.stored(skp_id).status is SkpStatus.DIAJUKAN

    # Inside the approval days a returned plan can still be revised and resubmitted (planning runs to 31 January).
    world.uow.clock.at = datetime(2026, 1, 22, 2, 0, tzinfo=UTC)
    await uc.return_skp(uc.ReturnSkp(skp_id, ANY, "Perbaiki"), uow=world.uow, deps=world.deps, actor=atasan)
    await uc.submit_skp(uc.SubmitSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    world.uow.clock.at = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    await uc.approve_skp(uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=atasan)
    assert world.stored(skp_id).status is SkpStatus.DISETUJUI


async def test_after_the_approval_days_the_plans_are_locked_unless_the_region_has_an_extension(world: World) -> None:
    world.open_year(2026)
    world.uow.clock.at = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)
    skp_id = await submitted(world, periode="2026-T")
    world.uow.clock.at = datetime(2026, 2, 1, 2, 0, tzinfo=UTC)
    command, atasan = uc.ApproveSkp(skp_id, ANY), kepala(world.people["ks"])
    with pytest.raises(OutsideWindow) as refused:
        await uc.approve_skp(command, uow=world.uow, deps=world.deps, actor=atasan)
    assert refused.value.rule == "window.persetujuan"
    # An extension of the planning window does not reopen the decisions; one of the approval days does.
    world.uow.periode.add_extension(
        kode="2026-T", step="perencanaan_guru", until=date(2026, 2, 7), wilayah="32", alasan="banjir", operator="x"
    )
    with pytest.raises(OutsideWindow):
        await uc.approve_skp(command, uow=world.uow, deps=world.deps, actor=atasan)
    world.uow.periode.add_extension(
        kode="2026-T", step="persetujuan", until=date(2026, 2, 7), wilayah="32", alasan="banjir", operator="x"
    )
    await uc.approve_skp(command, uow=world.uow, deps=world.deps, actor=atasan)
    assert world.stored(skp_id).status is SkpStatus.DISETUJUI


async def test_a_draft_cannot_be_approved(world: World) -> None:
    skp_id = await draft(world)
    with pytest.raises(StateConflict) as refused:
        await uc.approve_skp(
            uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=kepala(world.people["ks"])
        )
    assert refused.value.rule == "skp.approve_not_allowed_in_draft"


async def test_ekspektasi_khusus_names_berakhlak_values_only(world: World) -> None:
    skp_id = await submitted(world)
    with pytest.raises(InvalidValue) as refused:
        await uc.set_ekspektasi_khusus(
            uc.SetEkspektasiKhusus(skp_id, ANY, values=(("jujur", "Selalu"),)),
            uow=world.uow,
            deps=world.deps,
            actor=kepala(world.people["ks"]),
        )
    assert refused.value.rule == "katalog.berakhlak_unknown"
    assert world.stored(skp_id).ekspektasi_khusus == {}


# --- the operator's reset -------------------------------------------------------------------------------------


async def approved(world: World) -> uuid.UUID:
    skp_id = await submitted(world)
    await uc.approve_skp(uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=world.deps, actor=kepala(world.people["ks"]))
    return skp_id


async def test_an_operator_resets_an_approved_plan_outside_any_window_audited(world: World) -> None:
    skp_id = await approved(world)
    world.uow.clock.at = AFTER_PLANNING
    context = await uc.reset_skp(
        uc.ResetSkp(skp_id, ANY, alasan=" Disetujui karena salah klik "),
        uow=world.uow,
        deps=world.deps,
        actor=operator("32"),
    )
    assert context.skp.status is SkpStatus.DRAFT
    assert world.stored(skp_id).status is SkpStatus.DRAFT
    assert world.uow.audit.records == [("skp.reset", str(skp_id), {"alasan": "Disetujui karena salah klik"})]
    (reset,) = world.uow.published_of(events.SkpReset)
    assert reset.alasan == "Disetujui karena salah klik"


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        ("operator_jakarta", NotFound, "plan.not_found"),
        ("guru", Forbidden, "skp.reset_forbidden"),
        ("ks", Forbidden, "skp.reset_forbidden"),
    ],
)
async def test_only_an_operator_of_the_region_resets(world: World, who: str, error: type, rule: str) -> None:
    skp_id = await approved(world)
    actor = {
        "operator_jakarta": lambda: operator("3171"),
        "guru": lambda: guru(world.people["guru"]),
        "ks": lambda: kepala(world.people["ks"]),
    }[who]()
    with pytest.raises(error) as refused:
        await uc.reset_skp(
            uc.ResetSkp(skp_id, ANY, alasan="Salah klik sekali"), uow=world.uow, deps=world.deps, actor=actor
        )
    assert refused.value.rule == rule
    assert world.stored(skp_id).status is SkpStatus.DISETUJUI
    assert world.uow.audit.records == []


async def test_a_reset_needs_a_reason(world: World) -> None:
    skp_id = await approved(world)
    with pytest.raises(InvalidValue) as refused:
        await uc.reset_skp(uc.ResetSkp(skp_id, ANY, alasan="  "), uow=world.uow, deps=world.deps, actor=operator())
    assert refused.value.rule == "skp.alasan_required"
    assert world.uow.audit.records == []
