"""Planning's service layer: one async function per command.

Each loads what it needs through the unit of work, checks the actor's relation and the step's window, calls
the domain, and commits (the outbox rows go in the same transaction). HTTP routes and event handlers both call
these; neither touches a session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from planning.db.tables import Pegawai, Penempatan, Periode, Relasi, Sekolah, WindowExtension
from planning.db.uow import PlanningUnitOfWork
from planning.domain import events
from planning.domain.access import Actor, Relation, relation_to, require_allowed, require_visible
from planning.domain.catalog import Catalog
from planning.domain.policy import Periode as PolicyPeriode
from planning.domain.policy import Policy, find_periode, periods_for_year, policy_for_year
from planning.domain.roster import PegawaiRow, RelasiRow, Row, RowError, SekolahRow
from planning.domain.skp import Action, IndikatorChoice, RhkItem, Skp, SkpStatus
from pmm_chassis.actor_cache import ActorCache
from pmm_kernel.clock import Clock, today
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound, StateConflict
from pmm_kernel.windows import Extension, Window, check_open

UowFactory = Callable[[], PlanningUnitOfWork]


@dataclass(frozen=True)
class Deps:
    """What every use case may need besides its unit of work; built once by the bootstrap."""

    uow: UowFactory
    clock: Clock
    catalog: Catalog
    policies: Sequence[Policy]
    actors: ActorCache[uuid.UUID] = field(default_factory=ActorCache)  # NIP -> pegawai id, for pegawai_id_by_nip


# --- who is calling --------------------------------------------------------------------------------------


async def pegawai_id_by_nip(deps: Deps, nip: str) -> uuid.UUID | None:
    """The caller's roster id; remembered, since every request of a teacher at a deadline asks it again."""

    async def load() -> uuid.UUID | None:
        async with deps.uow() as uow:
            return await uow.roster.pegawai_id_by_nip(nip)

    return await deps.actors.get(nip, load)


def require_operator(actor: Actor) -> str:
    if "operator" not in actor.roles or actor.wilayah is None:
        raise Forbidden("only an operator may do this", rule="role.operator_required")
    return actor.wilayah


# --- periods ---------------------------------------------------------------------------------------------


def _window_json(w: Window) -> dict[str, Any]:
    return {
        "step": w.step,
        "opens": w.opens.isoformat(),
        "closes": w.closes.isoformat(),
        "late_until": w.late_until.isoformat() if w.late_until else None,
    }


def periode_snapshot(periode: PolicyPeriode, penilaian_tahunan: Window | None = None) -> dict[str, Any]:
    """The period as planning publishes it; `penilaian_tahunan` is the year's annual evaluation window when the
    policy has one besides its periods (2024), so appraisal can open and window-check it."""
    return {
        "kode": periode.kode,
        "tahun": periode.tahun,
        "nama": periode.nama,
        "jenis": periode.jenis,
        "mulai": periode.mulai.isoformat(),
        "selesai": periode.selesai.isoformat(),
        "bulan": periode.bulan,
        "policy_year": periode.policy_year,
        "evidence_upload": periode.evidence_upload,
        "data_update_step": periode.data_update_step,
        "competence_points": list(periode.competence_points) if periode.competence_points else None,
        "windows": [_window_json(w) for w in periode.windows.values()],
        "penilaian_tahunan": _window_json(penilaian_tahunan) if penilaian_tahunan else None,
    }


async def open_periods(deps: Deps, *, year: int) -> list[str]:
    """Create the periods of a year from its policy file; idempotent. Returns the codes newly opened."""
    opened = []
    async with deps.uow() as uow:
        known = await uow.periode.known_codes()
        annual = policy_for_year(year, deps.policies).annual_evaluation_window(year)
        for periode in periods_for_year(year, deps.policies):
            if periode.kode in known:
                continue
            snapshot = periode_snapshot(periode, annual)
            uow.periode.add(Periode(kode=periode.kode, tahun=periode.tahun, snapshot=snapshot))
            uow.record(events.PeriodeOpened(kode=periode.kode, snapshot=snapshot))
            opened.append(periode.kode)
        await uow.commit()
    return opened


async def list_periods(deps: Deps) -> list[dict[str, Any]]:
    async with deps.uow() as uow:
        rows = await uow.periode.all()
        result = []
        for row in rows:
            extensions = await uow.periode.extensions(row.kode)
            result.append({**row.snapshot, "extensions": [_extension_view(e) for e in extensions]})
        return result


def _extension_view(extension: Any) -> dict[str, Any]:
    return {
        "step": extension.step,
        "until": extension.until,
        "wilayah": extension.region,
        "alasan": extension.reason,
    }


async def extend_window(
    deps: Deps, actor: Actor, *, kode: str, step: str, until: date, wilayah: str | None, alasan: str
) -> dict[str, Any]:
    scope = require_operator(actor)
    target = wilayah if wilayah is not None else (scope or None)
    if target is None and scope != "":
        raise Forbidden("only a national operator may extend a window for everyone", rule="periode.extend_scope")
    if target is not None and not target.startswith(scope):
        raise Forbidden("you may extend windows only within your region", rule="periode.extend_scope", field="wilayah")
    if len((alasan or "").strip()) < 5:
        raise InvalidValue("an extension needs a reason for the audit", rule="periode.alasan_required", field="alasan")
    async with deps.uow() as uow:
        row = await uow.periode.get(kode)
        if row is None:
            raise NotFound(f"no period {kode}", rule="periode.unknown", field="kode")
        periode = _policy_periode(deps, kode)
        window = periode.window(step)
        if until <= window.closes:
            raise InvalidValue(
                f"an extension must end after the window's own close ({window.closes.isoformat()})",
                rule="periode.extension_not_later",
                field="until",
            )
        version = len(await uow.periode.extensions(kode)) + 2  # the period itself is version 1
        extension = WindowExtension(
            kode=kode, step=step, until=until, wilayah=target, alasan=alasan.strip(), operator=actor.subject
        )
        uow.periode.add(extension)
        uow.audit.record(
            actor=actor.subject,
            action="periode.extend_window",
            target=kode,
            detail={"step": step, "until": until.isoformat(), "wilayah": target, "alasan": alasan.strip()},
        )
        uow.record(
            events.WindowExtended(
                extension_id=extension.id,
                kode=kode,
                step=step,
                until=until,
                wilayah=target,
                alasan=alasan.strip(),
                version=version,
            )
        )
        await uow.commit()
    return {"extension_id": extension.id, "kode": kode, "step": step, "until": until, "wilayah": target}


def _policy_periode(deps: Deps, kode: str) -> PolicyPeriode:
    return find_periode(kode, deps.policies)


async def _check_window(
    uow: PlanningUnitOfWork,
    deps: Deps,
    *,
    kode: str,
    step: str,
    region: str,
    extensions: Sequence[Extension] | None = None,
) -> None:
    periode = _policy_periode(deps, kode)
    window: Window = periode.window(step)
    check_open(
        window,
        today(deps.clock),
        region_code=region,
        extensions=await uow.periode.extensions(kode) if extensions is None else extensions,
        period_label=kode,
    )


def planning_step(peran: str) -> str:
    return "perencanaan_ks" if peran == "kepala_sekolah" else "perencanaan_guru"


def peran_of(pegawai: Pegawai) -> str:
    if pegawai.jenis_gtk == "Pengawas Sekolah":
        # In the roster only as the KS's atasan (docs/domain.md §1): a pengawas's own kinerja is not managed here.
        raise Forbidden("a pengawas sekolah has no SKP in PMM", rule="pegawai.no_skp")
    return "kepala_sekolah" if pegawai.jenis_gtk == "Kepala Sekolah" else "guru"


# --- the SKP ---------------------------------------------------------------------------------------------


@dataclass
class SkpContext:
    """A plan with what the caller's rights and the window depend on."""

    skp: Skp
    pegawai: Pegawai
    sekolah: Sekolah
    relation: Relation
    atasan_id: uuid.UUID | None
    warnings: list[str] = field(default_factory=list)


async def _load(
    uow: PlanningUnitOfWork, deps: Deps, actor: Actor, skp_id: uuid.UUID, *, with_extensions: bool = False
) -> tuple[SkpContext, list[Extension]]:
    """The plan (locked), who may see it and, for a change, its period's window extensions: one query."""
    loaded = await uow.skp.get_in_context(skp_id, on=today(deps.clock), with_extensions=with_extensions)
    if loaded is None:
        raise NotFound("no such plan", rule="plan.not_found")
    skp, pegawai, sekolah, atasan_id, extensions = loaded
    relation = relation_to(actor, owner_id=pegawai.id, current_atasan_id=atasan_id, kode_wilayah=sekolah.kode_wilayah)
    require_visible(relation)
    context = SkpContext(skp=skp, pegawai=pegawai, sekolah=sekolah, relation=relation, atasan_id=atasan_id)
    return context, extensions


async def create_skp(deps: Deps, actor: Actor, *, periode: str) -> SkpContext:
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    async with deps.uow() as uow:
        if await uow.periode.get(periode) is None:
            raise InvalidValue(f"no period {periode}", rule="periode.unknown", field="periode")
        pegawai = await uow.roster.pegawai(actor.pegawai_id)
        assert pegawai is not None
        sekolah = await uow.roster.sekolah(pegawai.npsn)
        assert sekolah is not None
        existing = await uow.skp.find(pegawai.id, periode)
        if existing is not None:
            raise StateConflict(
                f"you already have a plan for {periode}",
                rule="skp.exists",
                field="periode",
                extra={"skp_id": str(existing.id)},
            )
        peran = peran_of(pegawai)
        await _check_window(uow, deps, kode=periode, step=planning_step(peran), region=sekolah.kode_wilayah)
        skp = Skp(id=uuid.uuid4(), pegawai_id=pegawai.id, periode=periode, peran=peran)
        uow.skp.add(skp)
        current = await uow.roster.current_atasan(pegawai.id, today(deps.clock))
        try:
            await uow.commit()
        except IntegrityError as exc:
            # A double click without a key (or with two keys): both passed the check above, the unique key caught
            # the second. The same refusal as the check's, not a 500.
            if "uq_skp_pegawai_periode" not in str(exc.orig):
                raise
            raise StateConflict(f"you already have a plan for {periode}", rule="skp.exists", field="periode") from None
    atasan_id = current[0] if current else None
    return SkpContext(skp=skp, pegawai=pegawai, sekolah=sekolah, relation=Relation.OWNER, atasan_id=atasan_id)


async def get_skp(deps: Deps, actor: Actor, skp_id: uuid.UUID) -> SkpContext:
    async with deps.uow() as uow:
        context, _ = await _load(uow, deps, actor, skp_id)
        context.warnings = _warnings(deps, context.skp)
        return context


async def my_skp(deps: Deps, actor: Actor, *, periode: str) -> SkpContext:
    """The caller's own plan for a period: where a teacher's planning page starts, before they know its id."""
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    async with deps.uow() as uow:
        found = await uow.skp.find(actor.pegawai_id, periode)
        if found is None:
            raise NotFound("you have no plan for this period yet", rule="plan.not_found")
        context, _ = await _load(uow, deps, actor, found.id)
        context.warnings = _warnings(deps, context.skp)
        return context


def _warnings(deps: Deps, skp: Skp) -> list[str]:
    warning = skp.points_warning(_policy_periode(deps, skp.periode).competence_points)
    return [warning] if warning else []


async def _act(
    deps: Deps,
    actor: Actor,
    skp_id: uuid.UUID,
    action: Action,
    check_version: Callable[[int], None],
    change: Callable[[SkpContext, PlanningUnitOfWork], None],
    *,
    window_checked: bool = True,
) -> SkpContext:
    """The shape of every plan command: load, authorise by relation, check version and window, change, save."""
    async with deps.uow() as uow:
        context, extensions = await _load(uow, deps, actor, skp_id, with_extensions=window_checked)
        require_allowed(context.relation, action)
        check_version(context.skp.version)
        if window_checked:
            await _check_window(
                uow,
                deps,
                kode=context.skp.periode,
                step=planning_step(context.skp.peran),
                region=context.sekolah.kode_wilayah,
                extensions=extensions,
            )
        read_version = context.skp.version
        change(context, uow)
        await uow.skp.save(context.skp, expected_version=read_version)
        await uow.commit()
    context.warnings = _warnings(deps, context.skp)
    return context


async def save_data_diri(
    deps: Deps,
    actor: Actor,
    skp_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    sesuai: bool,
    catatan: str | None,
) -> SkpContext:
    return await _act(
        deps,
        actor,
        skp_id,
        Action.EDIT,
        check_version,
        lambda c, _: c.skp.confirm_data_diri(sesuai=sesuai, catatan=catatan),
    )


async def save_praktik_kinerja(
    deps: Deps, actor: Actor, skp_id: uuid.UUID, check_version: Callable[[int], None], *, indikator: str
) -> SkpContext:
    def change(context: SkpContext, _: PlanningUnitOfWork) -> None:
        chosen = deps.catalog.indicator(indikator, field="indikator")
        if chosen.peran != context.skp.peran:
            raise InvalidValue(
                f"indicator {chosen.kode} is for {chosen.peran}, not for {context.skp.peran}",
                rule="skp.indikator_peran",
                field="indikator",
            )
        recommended = {
            i.kode for i in deps.catalog.recommended_indicators(context.skp.peran, context.sekolah.prioritas_rapor)
        }
        context.skp.choose_indikator(
            IndikatorChoice(
                kode=chosen.kode,
                nama=chosen.nama,
                perilaku_dianjurkan=chosen.perilaku_dianjurkan,
                perilaku_dihindari=chosen.perilaku_dihindari,
                recommended=chosen.kode in recommended,
            )
        )

    return await _act(deps, actor, skp_id, Action.EDIT, check_version, change)


@dataclass(frozen=True)
class RhkInput:
    kode: str
    target_kuantitas: int
    rhk_atasan: str | None = None


def _rhk_items(
    deps: Deps, skp: Skp, inputs: Sequence[RhkInput], *, kategori: str, field_name: str
) -> tuple[RhkItem, ...]:
    points_apply = _policy_periode(deps, skp.periode).competence_points is not None
    items = []
    for index, given in enumerate(inputs):
        entry = deps.catalog.rhk_entry(given.kode, field=f"{field_name}[{index}].kode")
        if entry.kategori != kategori:
            raise InvalidValue(
                f"RHK {entry.kode} is {entry.kategori}, not {kategori}",
                rule="skp.rhk_kategori",
                field=f"{field_name}[{index}].kode",
            )
        if not entry.target_min <= given.target_kuantitas <= entry.target_max:
            raise InvalidValue(
                f"target for {entry.kode} must be {entry.target_min}-{entry.target_max} {entry.satuan}",
                rule="skp.target_range",
                field=f"{field_name}[{index}].target_kuantitas",
            )
        items.append(
            RhkItem(
                kode=entry.kode,
                nama=entry.nama,
                kategori=entry.kategori,
                rhk_atasan=given.rhk_atasan,
                aspek=entry.aspek,
                indikator_kinerja_individu=entry.indikator_kinerja_individu,
                target_kuantitas=given.target_kuantitas,
                satuan=entry.satuan,
                poin=entry.poin if points_apply else None,
            )
        )
    return tuple(items)


async def save_pengembangan_kompetensi(
    deps: Deps,
    actor: Actor,
    skp_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    rhk: Sequence[RhkInput],
) -> SkpContext:
    return await _act(
        deps,
        actor,
        skp_id,
        Action.EDIT,
        check_version,
        lambda c, _: c.skp.set_pengembangan_kompetensi(
            _rhk_items(deps, c.skp, rhk, kategori="pengembangan_kompetensi", field_name="rhk")
        ),
    )


async def save_tugas_tambahan(
    deps: Deps,
    actor: Actor,
    skp_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    rhk: Sequence[RhkInput],
) -> SkpContext:
    return await _act(
        deps,
        actor,
        skp_id,
        Action.EDIT,
        check_version,
        lambda c, _: c.skp.set_tugas_tambahan(
            _rhk_items(deps, c.skp, rhk, kategori="tugas_tambahan", field_name="rhk")
        ),
    )


async def save_perilaku_kerja(
    deps: Deps, actor: Actor, skp_id: uuid.UUID, check_version: Callable[[int], None]
) -> SkpContext:
    return await _act(deps, actor, skp_id, Action.EDIT, check_version, lambda c, _: c.skp.confirm_perilaku())


async def submit_skp(deps: Deps, actor: Actor, skp_id: uuid.UUID, check_version: Callable[[int], None]) -> SkpContext:
    def change(context: SkpContext, _: PlanningUnitOfWork) -> None:
        if context.atasan_id is None:
            raise StateConflict(
                "you have no atasan in the roster today; ask your school operator",
                rule="skp.no_atasan",
                field=None,
            )
        context.skp.submit(at=deps.clock.now(), atasan_id=context.atasan_id)

    return await _act(deps, actor, skp_id, Action.SUBMIT, check_version, change)


async def approve_skp(deps: Deps, actor: Actor, skp_id: uuid.UUID, check_version: Callable[[int], None]) -> SkpContext:
    berakhlak = tuple((v.kode, v.nama) for v in deps.catalog.berakhlak)

    def change(context: SkpContext, _: PlanningUnitOfWork) -> None:
        assert actor.pegawai_id is not None  # require_allowed: only the atasan gets here
        context.skp.approve(at=deps.clock.now(), atasan_id=actor.pegawai_id, berakhlak=berakhlak)

    return await _act(deps, actor, skp_id, Action.APPROVE, check_version, change)


async def return_skp(
    deps: Deps, actor: Actor, skp_id: uuid.UUID, check_version: Callable[[int], None], *, catatan: str
) -> SkpContext:
    def change(context: SkpContext, _: PlanningUnitOfWork) -> None:
        assert actor.pegawai_id is not None
        context.skp.return_to_pegawai(at=deps.clock.now(), atasan_id=actor.pegawai_id, catatan=catatan)

    return await _act(deps, actor, skp_id, Action.RETURN, check_version, change)


async def set_ekspektasi_khusus(
    deps: Deps,
    actor: Actor,
    skp_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    values: dict[str, str],
) -> SkpContext:
    known = {v.kode for v in deps.catalog.berakhlak}
    return await _act(
        deps,
        actor,
        skp_id,
        Action.SET_EKSPEKTASI,
        check_version,
        lambda c, _: c.skp.set_ekspektasi_khusus(values, known_values=known),
    )


async def reset_skp(
    deps: Deps, actor: Actor, skp_id: uuid.UUID, check_version: Callable[[int], None], *, alasan: str
) -> SkpContext:
    def change(context: SkpContext, uow: PlanningUnitOfWork) -> None:
        context.skp.reset(at=deps.clock.now(), alasan=alasan)
        uow.audit.record(
            actor=actor.subject,
            action="skp.reset",
            target=str(context.skp.id),
            detail={"alasan": alasan.strip()},
        )

    # An operator's reset is the escape hatch for a plan approved by mistake: it is not bound to the window.
    return await _act(deps, actor, skp_id, Action.RESET, check_version, change, window_checked=False)


async def approval_queue(
    deps: Deps,
    actor: Actor,
    *,
    status: str | None,
    periode: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[Skp, Pegawai, Sekolah]]:
    if actor.pegawai_id is None or not actor.roles & {"kepala_sekolah", "pengawas"}:
        raise Forbidden("only a kepala sekolah or a pengawas has an approval queue", rule="role.atasan_required")
    async with deps.uow() as uow:
        return await uow.skp.queue(
            atasan_id=actor.pegawai_id,
            on=today(deps.clock),
            status=status,
            periode=periode,
            after=after,
            limit=limit,
        )


async def recommended_indicators(deps: Deps, actor: Actor) -> tuple[str, list[Any]]:
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    async with deps.uow() as uow:
        pegawai = await uow.roster.pegawai(actor.pegawai_id)
        assert pegawai is not None
        sekolah = await uow.roster.sekolah(pegawai.npsn)
        assert sekolah is not None
    peran = peran_of(pegawai)
    return peran, deps.catalog.recommended_indicators(peran, sekolah.prioritas_rapor)


# --- the roster ------------------------------------------------------------------------------------------


async def roster_sekolah(deps: Deps, actor: Actor) -> list[Sekolah]:
    """The schools of the operator's region, by name."""
    scope = require_operator(actor)
    async with deps.uow() as uow:
        return await uow.roster.sekolah_in_region(scope)


async def roster_pegawai(
    deps: Deps, actor: Actor, *, npsn: str | None, after: uuid.UUID | None, limit: int
) -> list[tuple[Pegawai, Sekolah]]:
    """The pegawai of the operator's region (of one school, with `npsn`), by school then name, after the pegawai
    `after` (the last one of the previous page)."""
    scope = require_operator(actor)
    async with deps.uow() as uow:
        position = None
        if after is not None:
            position = await uow.roster.roster_position(scope, after)
            if position is None:  # not a pegawai of this region: not a cursor this operator was given
                raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor")
        return await uow.roster.pegawai_in_region(scope, npsn=npsn, after=position, limit=limit)


@dataclass
class ImportReport:
    kind: str
    received: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


async def import_roster(
    deps: Deps, actor: Actor, *, kind: str, rows: Sequence[Row], errors: Sequence[RowError], received: int
) -> ImportReport:
    """Apply the valid rows of an import, report every bad one; importing the same rows again changes nothing."""
    scope = require_operator(actor)
    report = ImportReport(kind=kind, received=received, errors=list(errors))
    async with deps.uow() as uow:
        importer = {"sekolah": _import_sekolah, "pegawai": _import_pegawai, "relasi": _import_relasi}[kind]
        await importer(uow, deps, scope, rows, report)
        uow.audit.record(
            actor=actor.subject,
            action="roster.import",
            target=kind,
            detail={k: getattr(report, k) for k in ("received", "created", "updated", "unchanged")}
            | {"errors": len(report.errors)},
        )
        await uow.commit()
    report.errors.sort(key=lambda e: (e.line, e.field))
    return report


def _outside(scope: str, kode_wilayah: str) -> bool:
    return not kode_wilayah.startswith(scope)


async def _import_sekolah(
    uow: PlanningUnitOfWork, deps: Deps, scope: str, rows: Sequence[Row], report: ImportReport
) -> None:
    existing = await uow.roster.sekolah_by_npsns([r.npsn for r in rows if isinstance(r, SekolahRow)])
    for row in rows:
        assert isinstance(row, SekolahRow)
        if _outside(scope, row.kode_wilayah):
            report.errors.append(
                RowError(row.line, "kode_wilayah", "roster.outside_region", "this school is outside your region")
            )
            continue
        values = {
            "nama": row.nama,
            "kode_wilayah": row.kode_wilayah,
            "nama_wilayah": row.nama_wilayah,
            "prioritas_rapor": list(row.prioritas_rapor),
        }
        current = existing.get(row.npsn)
        if current is None:
            current = Sekolah(npsn=row.npsn, **values)
            uow.roster.add(current)
            report.created += 1
            new = True
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            current.version += 1
            report.updated += 1
            new = False
        else:
            report.unchanged += 1
            continue
        uow.record(
            events.SekolahChanged(
                npsn=current.npsn,
                nama=current.nama,
                kode_wilayah=current.kode_wilayah,
                nama_wilayah=current.nama_wilayah,
                prioritas_rapor=tuple(current.prioritas_rapor),
                version=current.version,
                new=new,
            )
        )


_PEGAWAI_FIELDS = ("status", "nama", "pangkat_golongan", "jenjang_jabatan", "jenis_gtk", "npsn")


def _pegawai_event(pegawai: Pegawai, sekolah: Sekolah, changed: Sequence[str]) -> events.PegawaiChanged:
    return events.PegawaiChanged(
        pegawai_id=pegawai.id,
        nip=pegawai.nip,
        status=pegawai.status,
        nama=pegawai.nama,
        pangkat_golongan=pegawai.pangkat_golongan,
        jenjang_jabatan=pegawai.jenjang_jabatan,
        jenis_gtk=pegawai.jenis_gtk,
        npsn=pegawai.npsn,
        kode_wilayah=sekolah.kode_wilayah,
        version=pegawai.version,
        changed=tuple(changed),
    )


async def _import_pegawai(
    uow: PlanningUnitOfWork, deps: Deps, scope: str, rows: Sequence[Row], report: ImportReport
) -> None:
    pegawai_rows = [r for r in rows if isinstance(r, PegawaiRow)]
    existing = await uow.roster.pegawai_by_nips([r.nip for r in pegawai_rows])
    schools = await uow.roster.sekolah_by_npsns(sorted({r.npsn for r in pegawai_rows}))
    for row in pegawai_rows:
        sekolah = schools.get(row.npsn)
        if sekolah is None:
            report.errors.append(
                RowError(row.line, "npsn", "pegawai.npsn_unknown", "no school with this NPSN; import it first")
            )
            continue
        if _outside(scope, sekolah.kode_wilayah):
            report.errors.append(
                RowError(row.line, "npsn", "roster.outside_region", "this school is outside your region")
            )
            continue
        values = {
            "status": row.status.value,
            "nama": row.nama,
            "pangkat_golongan": row.pangkat_golongan,
            "jenjang_jabatan": row.jenjang_jabatan,
            "jenis_gtk": row.jenis_gtk,
            "npsn": row.npsn,
        }
        current = existing.get(row.nip)
        if current is None:
            current = Pegawai(nip=row.nip, **values)
            uow.roster.add(current)
            uow.roster.add(Penempatan(pegawai_id=current.id, npsn=row.npsn, mulai=today(deps.clock)))
            report.created += 1
            changed: list[str] = []
        else:
            changed = [k for k in _PEGAWAI_FIELDS if getattr(current, k) != values[k]]
            if not changed:
                report.unchanged += 1
                continue
            if "npsn" in changed:  # a transfer: history is kept, the relation follows from the relasi import
                uow.roster.add(Penempatan(pegawai_id=current.id, npsn=row.npsn, mulai=today(deps.clock)))
            for k in changed:
                setattr(current, k, values[k])
            current.version += 1
            report.updated += 1
        uow.record(_pegawai_event(current, sekolah, changed))
    await uow.roster.flush()


# Which atasan may hold which relation (docs/domain.md §1): the KS appraises the teachers of their own school, a
# Plt. KS too, the pengawas appraises the KS of the schools assigned to them.
_RELASI_RULES: dict[str, tuple[str | None, str | None, bool]] = {
    # peran_atasan: (atasan's jenis_gtk, pegawai's jenis_gtk, same school)
    "kepala_sekolah": ("Kepala Sekolah", None, True),
    "plt_kepala_sekolah": (None, None, True),
    "pengawas": ("Pengawas Sekolah", "Kepala Sekolah", False),
}


async def _import_relasi(
    uow: PlanningUnitOfWork, deps: Deps, scope: str, rows: Sequence[Row], report: ImportReport
) -> None:
    relasi_rows = [r for r in rows if isinstance(r, RelasiRow)]
    people = await uow.roster.pegawai_by_nips(sorted({n for r in relasi_rows for n in (r.nip_pegawai, r.nip_atasan)}))
    schools = await uow.roster.sekolah_by_npsns(sorted({p.npsn for p in people.values()}))
    existing = {
        (r.pegawai_id, r.atasan_id, r.peran_atasan, r.mulai): r
        for r in await uow.roster.relasi_for([p.id for p in people.values()])
    }
    for row in relasi_rows:
        pegawai, atasan = people.get(row.nip_pegawai), people.get(row.nip_atasan)
        if pegawai is None or atasan is None:
            missing = "nip_pegawai" if pegawai is None else "nip_atasan"
            report.errors.append(
                RowError(row.line, missing, "relasi.nip_unknown", "no pegawai with this NIP; import pegawai first")
            )
            continue
        if _outside(scope, schools[pegawai.npsn].kode_wilayah):
            report.errors.append(
                RowError(row.line, "nip_pegawai", "roster.outside_region", "this pegawai is outside your region")
            )
            continue
        atasan_gtk, pegawai_gtk, same_school = _RELASI_RULES[row.peran_atasan]
        if atasan_gtk and atasan.jenis_gtk != atasan_gtk:
            report.errors.append(
                RowError(
                    row.line,
                    "nip_atasan",
                    "relasi.atasan_jenis",
                    f"a {row.peran_atasan} relation needs an atasan who is {atasan_gtk}",
                )
            )
            continue
        if pegawai_gtk and pegawai.jenis_gtk != pegawai_gtk:
            report.errors.append(
                RowError(
                    row.line,
                    "nip_pegawai",
                    "relasi.pegawai_jenis",
                    f"a {row.peran_atasan} appraises only a {pegawai_gtk}",
                )
            )
            continue
        if same_school and atasan.npsn != pegawai.npsn:
            report.errors.append(
                RowError(row.line, "nip_atasan", "relasi.other_school", "the atasan works at another school")
            )
            continue
        current = existing.get((pegawai.id, atasan.id, row.peran_atasan, row.mulai))
        if current is None:
            current = Relasi(
                pegawai_id=pegawai.id,
                atasan_id=atasan.id,
                peran_atasan=row.peran_atasan,
                mulai=row.mulai,
                selesai=row.selesai,
            )
            uow.roster.add(current)
            existing[(pegawai.id, atasan.id, row.peran_atasan, row.mulai)] = current
            report.created += 1
            new = True
        elif current.selesai != row.selesai:
            current.selesai = row.selesai
            current.version += 1
            report.updated += 1
            new = False
        else:
            report.unchanged += 1
            continue
        uow.record(
            events.AtasanChanged(
                relasi_id=current.id,
                pegawai_id=pegawai.id,
                atasan_id=atasan.id,
                peran_atasan=current.peran_atasan,
                mulai=current.mulai,
                selesai=current.selesai,
                version=current.version,
                new=new,
            )
        )


# --- what BKN says ---------------------------------------------------------------------------------------

_BKN_FIELDS = ("nama", "pangkat_golongan", "jenjang_jabatan")


async def apply_bkn_pegawai_changed(uow: PlanningUnitOfWork, *, nip: str, changes: dict[str, str | None]) -> bool:
    """SIASN is the source of truth for data diri: apply its changes to the roster. False if the NIP is unknown."""
    pegawai = await uow.roster.pegawai_by_nip(nip)
    if pegawai is None:
        return False
    changed = [k for k in _BKN_FIELDS if changes.get(k) is not None and getattr(pegawai, k) != changes[k]]
    if changed:
        for k in changed:
            setattr(pegawai, k, changes[k])
        pegawai.version += 1
        sekolah = await uow.roster.sekolah(pegawai.npsn)
        assert sekolah is not None
        uow.record(_pegawai_event(pegawai, sekolah, changed))
    await uow.commit()
    return True


@dataclass(frozen=True)
class BknRhkRow:
    nama: str
    target_kuantitas: int
    rhk_atasan: str | None


async def apply_bkn_skp(
    uow: PlanningUnitOfWork, deps: Deps, *, nip: str, periode: str, rows: Sequence[BknRhkRow]
) -> str:
    """A pegawai edited their SKP in e-Kinerja: apply it to a plan they may still edit; say what happened.

    e-Kinerja names an RHK by its text, so a row is matched to the catalogue by name (case and spacing ignored);
    a row the catalogue does not know, or whose target breaks its range, is left out rather than guessed. A plan that
    is submitted or approved is not changed here: after approval bkn_sync keeps the difference as a conflict.
    """
    pegawai = await uow.roster.pegawai_by_nip(nip)
    if pegawai is None:
        return "unknown_pegawai"
    found = await uow.skp.find(pegawai.id, periode)
    skp = await uow.skp.get(found.id, for_update=True) if found else None
    if skp is None:
        return "no_plan"
    if skp.status not in (SkpStatus.DRAFT, SkpStatus.DIKEMBALIKAN):
        return f"not_editable_{skp.status.value.lower()}"
    by_name = {" ".join(e.nama.lower().split()): e for e in deps.catalog.rhk.values()}
    chosen: dict[str, list[RhkInput]] = {"pengembangan_kompetensi": [], "tugas_tambahan": []}
    for row in rows:
        entry = by_name.get(" ".join(row.nama.lower().split()))
        if entry is not None and entry.target_min <= row.target_kuantitas <= entry.target_max:
            chosen[entry.kategori].append(RhkInput(entry.kode, row.target_kuantitas, row.rhk_atasan))
    if not any(chosen.values()):
        return "nothing_matched"
    read_version = skp.version
    if chosen["pengembangan_kompetensi"]:
        skp.set_pengembangan_kompetensi(
            _rhk_items(
                deps, skp, chosen["pengembangan_kompetensi"], kategori="pengembangan_kompetensi", field_name="rhk"
            )
        )
    if chosen["tugas_tambahan"]:
        skp.set_tugas_tambahan(
            _rhk_items(deps, skp, chosen["tugas_tambahan"], kategori="tugas_tambahan", field_name="rhk")
        )
    await uow.skp.save(skp, expected_version=read_version)
    await uow.commit()
    return "applied"
