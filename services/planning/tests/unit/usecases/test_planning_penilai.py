"""Who appraises the school leaders, as the policy year and the region's reading say (docs/domain.md §1,
"Pengawas"): a pengawas's own plan in the years that give them a cycle, and a kepala sekolah's plan approved as it is
submitted where the region's Dinas reads the pengawas as the kepala sekolah's PPK."""

from __future__ import annotations

import uuid
from dataclasses import replace
from types import MappingProxyType

import pytest

from planning.domain import events
from planning.domain.skp import SkpStatus
from planning.domain.skp_parts import RhkInput
from planning.usecases import Deps
from planning.usecases import skp as uc
from pmm_kernel.access import Actor
from pmm_kernel.errors import Forbidden
from pmm_kernel.versions import ExpectedVersion
from services.planning.tests.unit.fakes import World, kepala, pengawas

ANY = ExpectedVersion.any()


def _deps(world: World, *, siklus_pengawas: bool = False, wilayah: dict[str, str] | None = None) -> Deps:
    """The world's deps with the policy's penilai data changed: the behaviour follows the data alone."""
    policies = tuple(
        replace(
            policy,
            penilai=replace(
                policy.penilai, siklus_pengawas=siklus_pengawas, bacaan_wilayah=MappingProxyType(wilayah or {})
            ),
        )
        for policy in world.deps.policies
    )
    return replace(world.deps, policies=policies)


async def _drafted(world: World, deps: Deps, actor: Actor, indikator: str) -> uuid.UUID:
    kwargs = {"uow": world.uow, "deps": deps, "actor": actor}
    skp_id = (await uc.create_skp(uc.CreateSkp("2024-S1"), **kwargs)).skp.id
    await uc.save_data_diri(uc.SaveDataDiri(skp_id, ANY, sesuai=True, catatan=None), **kwargs)
    await uc.save_praktik_kinerja(uc.SavePraktikKinerja(skp_id, ANY, indikator=indikator), **kwargs)
    await uc.save_pengembangan_kompetensi(
        uc.SavePengembanganKompetensi(skp_id, ANY, rhk=(RhkInput("PK-01", 4),)), **kwargs
    )
    await uc.save_perilaku_kerja(uc.SavePerilakuKerja(skp_id, ANY), **kwargs)
    return skp_id


async def test_a_pengawas_plans_and_their_koordinator_approves_in_a_year_with_a_pengawas_cycle() -> None:
    world = World()
    world.person("koordinator", "20200001", "Pengawas Sekolah")
    world.relate("pengawas", "koordinator", "koordinator_pengawas")
    deps = _deps(world, siklus_pengawas=True)
    actor = pengawas(world.people["pengawas"])
    skp_id = await _drafted(world, deps, actor, indikator="D.3")  # they accompany the KS: leadership indicators
    assert world.stored(skp_id).peran == "pengawas"
    await uc.submit_skp(uc.SubmitSkp(skp_id, ANY), uow=world.uow, deps=deps, actor=actor)
    assert world.stored(skp_id).atasan_id == world.people["koordinator"].id
    approved = await uc.approve_skp(
        uc.ApproveSkp(skp_id, ANY), uow=world.uow, deps=deps, actor=pengawas(world.people["koordinator"])
    )
    assert approved.skp.status is SkpStatus.DISETUJUI


async def test_a_pengawas_has_no_plan_in_a_year_without_their_cycle() -> None:
    world = World()
    with pytest.raises(Forbidden) as refused:
        await uc.create_skp(
            uc.CreateSkp("2024-S1"), uow=world.uow, deps=_deps(world), actor=pengawas(world.people["pengawas"])
        )
    assert refused.value.rule == "pegawai.no_skp"
    assert world.uow.skp.plans == {}


@pytest.mark.parametrize(
    ("wilayah", "status", "published"),
    [
        ({"3273": "pengawas_ppk"}, SkpStatus.DISETUJUI, [events.SkpSubmitted, events.SkpApproved]),
        ({"32": "pengawas_ppk"}, SkpStatus.DISETUJUI, [events.SkpSubmitted, events.SkpApproved]),
        ({"3171": "pengawas_ppk"}, SkpStatus.DIAJUKAN, [events.SkpSubmitted]),  # another region's reading
        ({}, SkpStatus.DIAJUKAN, [events.SkpSubmitted]),  # the default reading: the pengawas decides
    ],
)
async def test_a_kepala_sekolahs_plan_is_approved_on_submission_where_the_pengawas_is_their_ppk(
    wilayah: dict[str, str], status: SkpStatus, published: list[type]
) -> None:
    world = World()
    deps = _deps(world, wilayah=wilayah)
    actor = kepala(world.people["ks"])
    skp_id = await _drafted(world, deps, actor, indikator="D.3")
    await uc.submit_skp(uc.SubmitSkp(skp_id, ANY), uow=world.uow, deps=deps, actor=actor)
    stored = world.stored(skp_id)
    assert (stored.status, stored.atasan_id) == (status, world.people["pengawas"].id)
    assert [type(e) for e in world.uow.published if type(e) in (events.SkpSubmitted, events.SkpApproved)] == published


async def test_a_teachers_plan_is_never_approved_on_submission() -> None:
    world = World()
    deps = _deps(world, wilayah={"3273": "pengawas_ppk"})
    actor = Actor(subject="g", roles=frozenset({"guru"}), pegawai_id=world.people["guru"].id, wilayah=None)
    skp_id = await _drafted(world, deps, actor, indikator="D.1.3")
    await uc.submit_skp(uc.SubmitSkp(skp_id, ANY), uow=world.uow, deps=deps, actor=actor)
    assert world.stored(skp_id).status is SkpStatus.DIAJUKAN
