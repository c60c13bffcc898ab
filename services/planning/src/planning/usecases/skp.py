"""The plan's commands (docs/domain.md §4): create it, save its drafting steps, submit it; the atasan's decisions
and special expectations; the operator's reset.

Each loads the plan with the caller's relation to it, authorises the action, checks the client's version and the
role's planning window, changes the plan through the aggregate and saves it; the decisions' events go to the outbox
in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from planning.db.uow import PlanningUnitOfWork
from planning.domain.access import Actor, Relation, require_allowed
from planning.domain.mutasi import next_part, window_for_part
from planning.domain.policy import find_periode
from planning.domain.skp import Action, Skp, part_of, peran_of, planning_step
from planning.domain.skp_parts import RhkInput, indikator_choice, rhk_items
from planning.usecases import Deps
from planning.usecases.views import SkpContext, load_context, warnings_for
from pmm_kernel.clock import today
from pmm_kernel.errors import InvalidValue, NotFound, StateConflict
from pmm_kernel.versions import ExpectedVersion
from pmm_kernel.windows import Extension, check_open


def _check_window(deps: Deps, skp: Skp, *, region: str, extensions: list[Extension], decision: bool = False) -> None:
    """The plan's role's planning window (for the atasan's decision, the policy's approval window where it has
    one), open today in the school's region (with the operators' extensions); a part a transfer started has the
    days after its first day besides (planning.domain.mutasi)."""
    periode = find_periode(skp.periode, deps.policies)
    step = planning_step(skp.peran)
    check_open(
        window_for_part(periode.decision_window(step) if decision else periode.window(step), skp.mulai),
        today(deps.clock),
        region_code=region,
        extensions=extensions,
        period_label=skp.periode,
    )


async def _open(
    skp_id: uuid.UUID,
    expected: ExpectedVersion,
    action: Action,
    *,
    uow: PlanningUnitOfWork,
    deps: Deps,
    actor: Actor,
    window_checked: bool = True,
    decision: bool = False,
) -> tuple[SkpContext, int]:
    """The plan ready for `action`: visible to the caller and theirs to act on, at the version they read, inside
    the window; with the version it was read at."""
    context = await load_context(
        skp_id, uow=uow, deps=deps, actor=actor, with_extensions=window_checked, for_change=True
    )
    require_allowed(context.relation, action)
    expected.check(context.skp.version)
    context.skp.require_not_ended()  # before the window: an ended part is frozen whatever the date
    if window_checked:
        _check_window(
            deps, context.skp, region=context.sekolah.kode_wilayah, extensions=context.extensions, decision=decision
        )
    return context, context.skp.version


async def _save(context: SkpContext, read_version: int, *, uow: PlanningUnitOfWork, deps: Deps) -> SkpContext:
    await uow.skp.save(context.skp, expected_version=read_version)
    await uow.commit()
    context.warnings = warnings_for(deps, context.skp)
    return context


# --- creating a plan ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateSkp:
    periode: str


async def create_skp(cmd: CreateSkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    """The caller's plan for a period, as a DRAFT, inside their role's window: one per pegawai and period, or after
    a transfer ended the latest part of the period, the next part at the new school (docs/domain.md §4)."""
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    async with uow:
        if not await uow.periode.exists(cmd.periode):
            raise InvalidValue(f"no period {cmd.periode}", rule="periode.unknown", field="periode")
        pegawai = await uow.roster.pegawai(actor.pegawai_id)
        assert pegawai is not None
        sekolah = await uow.roster.sekolah(pegawai.npsn)
        assert sekolah is not None
        latest = await uow.skp.find(pegawai.id, cmd.periode)
        periode = find_periode(cmd.periode, deps.policies)
        part = next_part(part_of(latest, periode.mulai, periode.selesai) if latest else None)
        if part is None:
            assert latest is not None
            raise StateConflict(
                f"you already have a plan for {cmd.periode}",
                rule="skp.exists",
                field="periode",
                extra={"skp_id": str(latest.id)},
            )
        # The first part, or after a transfer ended the latest one the next part, at the pegawai's school of today.
        skp = Skp(
            id=uuid.uuid4(),
            pegawai_id=pegawai.id,
            periode=cmd.periode,
            peran=peran_of(pegawai.jenis_gtk, siklus_pengawas=periode.penilai.siklus_pengawas),
            bagian=part.bagian,
            npsn=pegawai.npsn,
            mulai=part.mulai,
        )
        _check_window(deps, skp, region=sekolah.kode_wilayah, extensions=await uow.periode.extensions(cmd.periode))
        await uow.skp.add(skp)
        current = await uow.roster.current_atasan(pegawai.id, today(deps.clock))
        await uow.commit()
    atasan_id = current[0] if current else None
    return SkpContext(skp=skp, pegawai=pegawai, sekolah=sekolah, relation=Relation.OWNER, atasan_id=atasan_id)


# --- the drafting steps (docs/domain.md §4; planning.domain.skp.DRAFTING_STEPS) ----------------------------


@dataclass(frozen=True)
class SaveDataDiri:
    skp_id: uuid.UUID
    expected: ExpectedVersion
    sesuai: bool
    catatan: str | None


async def save_data_diri(cmd: SaveDataDiri, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    async with uow:
        context, read = await _open(cmd.skp_id, cmd.expected, Action.EDIT, uow=uow, deps=deps, actor=actor)
        context.skp.confirm_data_diri(sesuai=cmd.sesuai, catatan=cmd.catatan)
        return await _save(context, read, uow=uow, deps=deps)


@dataclass(frozen=True)
class SavePraktikKinerja:
    skp_id: uuid.UUID
    expected: ExpectedVersion
    indikator: str


async def save_praktik_kinerja(
    cmd: SavePraktikKinerja, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> SkpContext:
    async with uow:
        context, read = await _open(cmd.skp_id, cmd.expected, Action.EDIT, uow=uow, deps=deps, actor=actor)
        choice = indikator_choice(
            deps.catalog, cmd.indikator, peran=context.skp.peran, prioritas_rapor=context.sekolah.prioritas_rapor
        )
        context.skp.choose_indikator(choice)
        return await _save(context, read, uow=uow, deps=deps)


def _points_apply(deps: Deps, skp: Skp) -> bool:
    return find_periode(skp.periode, deps.policies).competence_points is not None


@dataclass(frozen=True)
class SavePengembanganKompetensi:
    skp_id: uuid.UUID
    expected: ExpectedVersion
    rhk: tuple[RhkInput, ...]


async def save_pengembangan_kompetensi(
    cmd: SavePengembanganKompetensi, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> SkpContext:
    async with uow:
        context, read = await _open(cmd.skp_id, cmd.expected, Action.EDIT, uow=uow, deps=deps, actor=actor)
        items = rhk_items(
            deps.catalog,
            cmd.rhk,
            kategori="pengembangan_kompetensi",
            field_name="rhk",
            points_apply=_points_apply(deps, context.skp),
        )
        context.skp.set_pengembangan_kompetensi(items)
        return await _save(context, read, uow=uow, deps=deps)


@dataclass(frozen=True)
class SaveTugasTambahan:
    skp_id: uuid.UUID
    expected: ExpectedVersion
    rhk: tuple[RhkInput, ...]


async def save_tugas_tambahan(
    cmd: SaveTugasTambahan, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> SkpContext:
    async with uow:
        context, read = await _open(cmd.skp_id, cmd.expected, Action.EDIT, uow=uow, deps=deps, actor=actor)
        items = rhk_items(
            deps.catalog,
            cmd.rhk,
            kategori="tugas_tambahan",
            field_name="rhk",
            points_apply=_points_apply(deps, context.skp),
        )
        context.skp.set_tugas_tambahan(items)
        return await _save(context, read, uow=uow, deps=deps)


@dataclass(frozen=True)
class SavePerilakuKerja:
    skp_id: uuid.UUID
    expected: ExpectedVersion


async def save_perilaku_kerja(
    cmd: SavePerilakuKerja, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> SkpContext:
    async with uow:
        context, read = await _open(cmd.skp_id, cmd.expected, Action.EDIT, uow=uow, deps=deps, actor=actor)
        context.skp.confirm_perilaku()
        return await _save(context, read, uow=uow, deps=deps)


# --- submission and the atasan's decisions ------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitSkp:
    skp_id: uuid.UUID
    expected: ExpectedVersion


async def submit_skp(cmd: SubmitSkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    """To the pegawai's atasan of today, once every required step is saved."""
    async with uow:
        context, read = await _open(cmd.skp_id, cmd.expected, Action.SUBMIT, uow=uow, deps=deps, actor=actor)
        if context.atasan_id is None:
            raise StateConflict(
                "you have no atasan in the roster today; ask your school operator", rule="skp.no_atasan", field=None
            )
        now = deps.clock.now()
        context.skp.submit(at=now, atasan_id=context.atasan_id)
        periode = find_periode(context.skp.periode, deps.policies)
        if (
            context.skp.peran == "kepala_sekolah"
            and periode.penilai.for_region(context.sekolah.kode_wilayah).persetujuan_otomatis_ks
        ):
            # Where the region's Dinas reads the pengawas as the kepala sekolah's PPK, a KS's plan is approved as it
            # is submitted, in the name of the atasan it went to (docs/domain.md §1, "Pengawas").
            berakhlak = tuple((v.kode, v.nama) for v in deps.catalog.berakhlak)
            context.skp.approve(at=now, atasan_id=context.atasan_id, berakhlak=berakhlak)
        return await _save(context, read, uow=uow, deps=deps)


@dataclass(frozen=True)
class ApproveSkp:
    skp_id: uuid.UUID
    expected: ExpectedVersion


async def approve_skp(cmd: ApproveSkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    berakhlak = tuple((v.kode, v.nama) for v in deps.catalog.berakhlak)
    async with uow:
        context, read = await _open(
            cmd.skp_id, cmd.expected, Action.APPROVE, uow=uow, deps=deps, actor=actor, decision=True
        )
        assert actor.pegawai_id is not None  # require_allowed: only the atasan gets here
        context.skp.approve(at=deps.clock.now(), atasan_id=actor.pegawai_id, berakhlak=berakhlak)
        return await _save(context, read, uow=uow, deps=deps)


@dataclass(frozen=True)
class ReturnSkp:
    skp_id: uuid.UUID
    expected: ExpectedVersion
    catatan: str


async def return_skp(cmd: ReturnSkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    async with uow:
        context, read = await _open(
            cmd.skp_id, cmd.expected, Action.RETURN, uow=uow, deps=deps, actor=actor, decision=True
        )
        assert actor.pegawai_id is not None
        context.skp.return_to_pegawai(at=deps.clock.now(), atasan_id=actor.pegawai_id, catatan=cmd.catatan)
        return await _save(context, read, uow=uow, deps=deps)


@dataclass(frozen=True)
class SetEkspektasiKhusus:
    skp_id: uuid.UUID
    expected: ExpectedVersion
    values: tuple[tuple[str, str], ...]  # (BerAKHLAK kode, expectation); an empty text removes it


async def set_ekspektasi_khusus(
    cmd: SetEkspektasiKhusus, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> SkpContext:
    known = {v.kode for v in deps.catalog.berakhlak}
    async with uow:
        context, read = await _open(cmd.skp_id, cmd.expected, Action.SET_EKSPEKTASI, uow=uow, deps=deps, actor=actor)
        context.skp.set_ekspektasi_khusus(dict(cmd.values), known_values=known)
        return await _save(context, read, uow=uow, deps=deps)


@dataclass(frozen=True)
class ResetSkp:
    skp_id: uuid.UUID
    expected: ExpectedVersion
    alasan: str


async def reset_skp(cmd: ResetSkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    """An operator's reset is the escape hatch for a plan approved by mistake: audited, not bound to the window."""
    async with uow:
        context, read = await _open(
            cmd.skp_id, cmd.expected, Action.RESET, uow=uow, deps=deps, actor=actor, window_checked=False
        )
        context.skp.reset(at=deps.clock.now(), alasan=cmd.alasan)
        uow.audit.record(
            actor=actor.subject,
            action="skp.reset",
            target=str(context.skp.id),
            detail={"alasan": cmd.alasan.strip()},
        )
        return await _save(context, read, uow=uow, deps=deps)
