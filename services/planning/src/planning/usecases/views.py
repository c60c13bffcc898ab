"""What planning's GET routes read: a plan in its context, the atasan's queue, the periods, the recommended
indicators, the operator's roster listings, the correction reports and their worklist. Queries change nothing; the
plan commands answer a `SkpContext` too."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from planning.db.uow import PlanningUnitOfWork
from planning.domain.access import Actor, Relation, relation_to, require_operator, require_visible
from planning.domain.catalog import BerakhlakValue, Indicator
from planning.domain.koreksi import Action as KoreksiAction
from planning.domain.koreksi import Koreksi
from planning.domain.koreksi import require as require_on_koreksi
from planning.domain.policy import Periode, find_periode, policy_for_year
from planning.domain.records import Pegawai, Sekolah
from planning.domain.skp import Skp, SkpListed, SkpStatus, peran_of
from planning.usecases import Deps
from pmm_kernel.clock import WIB, today
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound
from pmm_kernel.windows import Extension


@dataclass
class SkpContext:
    """A plan with what the caller's rights and the window depend on."""

    skp: Skp
    pegawai: Pegawai
    sekolah: Sekolah
    relation: Relation
    atasan_id: uuid.UUID | None
    extensions: list[Extension] = field(default_factory=list)  # the period's, when loaded for a change
    warnings: list[str] = field(default_factory=list)


async def load_context(
    skp_id: uuid.UUID,
    *,
    uow: PlanningUnitOfWork,
    deps: Deps,
    actor: Actor,
    with_extensions: bool = False,
    for_change: bool = False,
) -> SkpContext:
    """The plan (locked when `for_change`), who may see it and, for a change, its period's window extensions: one
    query. Someone else's plan is not found (404)."""
    on = today(deps.clock)
    loaded = await uow.skp.get_in_context(skp_id, on=on, with_extensions=with_extensions, lock=for_change)
    if loaded is None:
        raise NotFound("no such plan", rule="plan.not_found")
    skp, pegawai, sekolah, atasan_id, extensions = loaded
    relation = relation_to(actor, owner_id=pegawai.id, current_atasan_id=atasan_id, kode_wilayah=sekolah.kode_wilayah)
    require_visible(relation)
    return SkpContext(
        skp=skp, pegawai=pegawai, sekolah=sekolah, relation=relation, atasan_id=atasan_id, extensions=extensions
    )


def warnings_for(deps: Deps, skp: Skp) -> list[str]:
    """What the plan's answer warns about without refusing it: competence points outside the policy's range."""
    warning = skp.points_warning(find_periode(skp.periode, deps.policies).competence_points)
    return [warning] if warning else []


def _in_roster(actor: Actor) -> uuid.UUID:
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    return actor.pegawai_id


# --- plans --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetSkp:
    skp_id: uuid.UUID


async def get_skp(query: GetSkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    async with uow.reading():
        context = await load_context(query.skp_id, uow=uow, deps=deps, actor=actor)
    context.warnings = warnings_for(deps, context.skp)
    return context


@dataclass(frozen=True)
class MySkp:
    periode: str


async def my_skp(query: MySkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> SkpContext:
    """The caller's own plan for a period: where a teacher's planning page starts, before they know its id."""
    pegawai_id = _in_roster(actor)
    async with uow.reading():
        found = await uow.skp.find(pegawai_id, query.periode)
        if found is None:
            raise NotFound("you have no plan for this period yet", rule="plan.not_found")
        context = await load_context(found.id, uow=uow, deps=deps, actor=actor)
    context.warnings = warnings_for(deps, context.skp)
    return context


@dataclass(frozen=True)
class MyParts:
    periode: str


@dataclass(frozen=True)
class PartView:
    """One part of a period's plan as its pegawai lists them: its school and its first and last day (the period's
    own where the part names none)."""

    skp: Skp
    sekolah: Sekolah | None
    mulai: date
    selesai: date


async def my_parts(query: MyParts, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> list[PartView]:
    """The parts of the caller's plan for a period, first part first (docs/domain.md §4): one per school after a
    transfer during the period; empty before they have planned."""
    pegawai_id = _in_roster(actor)
    periode = find_periode(query.periode, deps.policies)
    async with uow.reading():
        parts = await uow.skp.parts(pegawai_id, periode.kode)
    return [
        PartView(skp, sekolah, skp.mulai or periode.mulai, skp.selesai or periode.selesai) for skp, sekolah in parts
    ]


@dataclass(frozen=True)
class ApprovalQueue:
    status: str | None
    periode: str | None
    after: tuple[datetime, uuid.UUID] | None  # the last plan of the previous page: (submitted_at, skp_id)
    limit: int


async def approval_queue(
    query: ApprovalQueue, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> list[tuple[SkpListed, Pegawai, Sekolah]]:
    """The plans of the pegawai the caller appraises today, oldest submission first."""
    if actor.pegawai_id is None or not actor.roles & {"kepala_sekolah", "pengawas"}:
        raise Forbidden("only a kepala sekolah or a pengawas has an approval queue", rule="role.atasan_required")
    async with uow.reading():
        return await uow.skp.queue(
            atasan_id=actor.pegawai_id,
            on=today(deps.clock),
            status=query.status,
            periode=query.periode,
            after=query.after,
            limit=query.limit,
        )


@dataclass(frozen=True)
class RecommendedIndicators:
    pass


async def recommended_indicators(
    query: RecommendedIndicators, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> tuple[str, list[Indicator]]:
    """The caller's role and the indicators recommended to it from their school's Rapor Pendidikan priorities."""
    pegawai_id = _in_roster(actor)
    async with uow.reading():
        pegawai = await uow.roster.pegawai(pegawai_id)
        assert pegawai is not None
        sekolah = await uow.roster.sekolah(pegawai.npsn)
        assert sekolah is not None
    policy = policy_for_year(today(deps.clock).year, deps.policies)
    peran = peran_of(pegawai.jenis_gtk, siklus_pengawas=policy.penilai.siklus_pengawas)
    return peran, deps.catalog.recommended_indicators(peran, sekolah.prioritas_rapor)


# --- periods ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPeriods:
    pass


async def list_periods(query: ListPeriods, *, uow: PlanningUnitOfWork) -> list[dict[str, Any]]:
    """Every opened period as published, with the operators' window extensions."""
    async with uow.reading():
        result = []
        for periode in await uow.periode.all():
            extensions = await uow.periode.extensions(periode.kode)
            result.append({**periode.snapshot, "extensions": [_extension_view(e) for e in extensions]})
        return result


def _extension_view(extension: Extension) -> dict[str, Any]:
    return {
        "step": extension.step,
        "until": extension.until,
        "wilayah": extension.region,
        "alasan": extension.reason,
    }


# --- the roster ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterSekolah:
    pass


async def roster_sekolah(query: RosterSekolah, *, uow: PlanningUnitOfWork, actor: Actor) -> list[Sekolah]:
    """The schools of the operator's region, by name."""
    scope = require_operator(actor)
    async with uow.reading():
        return await uow.roster.sekolah_in_region(scope)


@dataclass(frozen=True)
class RosterPegawai:
    npsn: str | None  # only this school's
    after: uuid.UUID | None  # the last pegawai of the previous page
    limit: int


@dataclass(frozen=True)
class RosterPage:
    rows: list[tuple[Pegawai, Sekolah]]
    acting: frozenset[uuid.UUID]  # who among them is a Plt. kepala sekolah today: they sign in as one too


async def roster_pegawai(query: RosterPegawai, *, uow: PlanningUnitOfWork, actor: Actor, on: date) -> RosterPage:
    """The pegawai of the operator's region (of one school, with `npsn`), by school then name, after the pegawai
    `after` (the last one of the previous page)."""
    scope = require_operator(actor)
    async with uow.reading():
        position = None
        if query.after is not None:
            position = await uow.roster.roster_position(scope, query.after)
            if position is None:  # not a pegawai of this region: not a cursor this operator was given
                raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor")
        rows = await uow.roster.pegawai_in_region(scope, npsn=query.npsn, after=position, limit=query.limit)
        return RosterPage(rows, await uow.roster.acting_on([p.id for p, _ in rows], on))


# --- correction reports (planning.domain.koreksi) -----------------------------------------------------------


@dataclass
class KoreksiContext:
    """A correction report with whose it is (as the roster says now), the school whose worklist it is on, and how
    many days it has waited."""

    koreksi: Koreksi
    pegawai: Pegawai
    sekolah: Sekolah | None
    umur_hari: int


async def load_koreksi(
    koreksi_id: uuid.UUID,
    action: KoreksiAction,
    *,
    uow: PlanningUnitOfWork,
    deps: Deps,
    actor: Actor,
    for_update: bool = False,
) -> KoreksiContext:
    """A report the caller may take `action` on: someone else's is not found (404), the owner may only read (403)."""
    koreksi = await uow.koreksi.get(koreksi_id, for_update=for_update)
    if koreksi is None:
        raise NotFound("no such koreksi", rule="koreksi.not_found")
    relation = relation_to(
        actor, owner_id=koreksi.pegawai_id, current_atasan_id=None, kode_wilayah=koreksi.kode_wilayah
    )
    require_on_koreksi(relation, action)
    pegawai, sekolah = await uow.koreksi.with_people(koreksi)
    return KoreksiContext(koreksi, pegawai, sekolah, koreksi.age_days(today(deps.clock)))


@dataclass(frozen=True)
class GetKoreksi:
    koreksi_id: uuid.UUID


async def get_koreksi(query: GetKoreksi, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> KoreksiContext:
    async with uow.reading():
        return await load_koreksi(query.koreksi_id, KoreksiAction.READ, uow=uow, deps=deps, actor=actor)


@dataclass(frozen=True)
class MyKoreksi:
    limit: int


async def my_koreksi(query: MyKoreksi, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> list[KoreksiContext]:
    """The caller's own reports, newest first, each with its state (and an operator's reason for a rejection)."""
    pegawai_id = _in_roster(actor)
    on = today(deps.clock)
    async with uow.reading():
        pegawai = await uow.roster.pegawai(pegawai_id)
        assert pegawai is not None
        reports = await uow.koreksi.of_pegawai(pegawai_id, limit=query.limit)
        schools = await uow.roster.sekolah_by_npsns(sorted({k.npsn for k in reports}))
    return [KoreksiContext(k, pegawai, schools.get(k.npsn), k.age_days(on)) for k in reports]


@dataclass(frozen=True)
class KoreksiWorklist:
    status: str | None
    npsn: str | None
    after: tuple[datetime, uuid.UUID] | None  # the last report of the previous page: (reported_at, koreksi_id)
    limit: int


async def koreksi_worklist(
    query: KoreksiWorklist, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor
) -> list[KoreksiContext]:
    """The operator's worklist: the reports of their region, oldest first (the longest waiting at the top)."""
    scope = require_operator(actor)
    on = today(deps.clock)
    async with uow.reading():
        rows = await uow.koreksi.worklist(
            scope, status=query.status, npsn=query.npsn, after=query.after, limit=query.limit
        )
    return [KoreksiContext(k, pegawai, sekolah, k.age_days(on)) for k, pegawai, sekolah in rows]


# --- the official SKP document ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pejabat:
    """A signatory of the SKP document as the roster knows them, with the school that is their unit kerja."""

    pegawai: Pegawai
    sekolah: Sekolah | None


@dataclass
class DokumenSkp:
    """What the official SKP document prints (docs/domain.md §4): the plan, the pegawai, the pejabat penilai and
    the atasan pejabat penilai, the BerAKHLAK values, and the one date the document carries."""

    context: SkpContext
    penilai: Pejabat | None
    atasan_penilai: Pejabat | None
    periode: Periode
    berakhlak: tuple[BerakhlakValue, ...]  # in the catalogue's order
    dicetak: datetime  # the instant of printing (WIB): the date on the page and in the file's metadata
    # A school leader's plan (a kepala sekolah's, a pengawas's) where the region's reading names the Kepala Dinas as
    # PPK: the Dinas whose head that is; the atasan in the roster then rates as the Dinas's tim kerja.
    dinas_ppk: str | None = None


@dataclass(frozen=True)
class GetDokumenSkp:
    skp_id: uuid.UUID


async def dokumen_skp(query: GetDokumenSkp, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> DokumenSkp:
    """The plan as the official SKP document lays it out, visible to whoever may read the plan (else 404). The
    pejabat penilai is the atasan who approved it, else the pegawai's current atasan (for a part a transfer ended,
    the atasan of its last day); the atasan pejabat penilai is that person's own atasan in the roster, if any
    (docs/domain.md §8)."""
    dicetak = deps.clock.now().astimezone(WIB)
    on = dicetak.date()
    async with uow.reading():
        context = await load_context(query.skp_id, uow=uow, deps=deps, actor=actor)
        skp = context.skp
        approved_by = skp.atasan_id if skp.status is SkpStatus.DISETUJUI else None
        penilai = await _pejabat(uow, approved_by or context.atasan_id)
        atasan_penilai = None
        if penilai is not None:
            # For a part a transfer ended, the roster as it stood on its last day.
            above = await uow.roster.current_atasan(penilai.pegawai.id, skp.selesai or on)
            atasan_penilai = await _pejabat(uow, above[0] if above else None)
    periode = find_periode(context.skp.periode, deps.policies)
    reading = periode.penilai.for_region(context.sekolah.kode_wilayah)
    leader = skp.peran in ("kepala_sekolah", "pengawas")
    dinas = f"Dinas Pendidikan {context.sekolah.nama_wilayah}" if leader and reading.ppk == "kepala_dinas" else None
    return DokumenSkp(context, penilai, atasan_penilai, periode, deps.catalog.berakhlak, dicetak, dinas)


async def _pejabat(uow: PlanningUnitOfWork, pegawai_id: uuid.UUID | None) -> Pejabat | None:
    if pegawai_id is None:
        return None
    pegawai = await uow.roster.pegawai(pegawai_id)
    if pegawai is None:
        return None
    return Pejabat(pegawai, await uow.roster.sekolah(pegawai.npsn))
