"""The roster (docs/domain.md §1): the operator's imports of schools, pegawai and who appraises whom, and the
caller's roster id that every request resolves.

An import applies every valid row within the operator's region and reports every bad one by line; importing the
same rows again changes nothing. Each school, pegawai or relation that changes is published. A transfer dated inside
a period ends the pegawai's plan at the old school (planning.domain.mutasi), published in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from planning.db.uow import PlanningUnitOfWork
from planning.domain import events
from planning.domain.access import Actor, require_operator
from planning.domain.koreksi import changed_subjects
from planning.domain.mutasi import Mutasi, parts_ended_by
from planning.domain.policy import find_periode
from planning.domain.records import Pegawai, Relasi, Sekolah
from planning.domain.roster import (
    PegawaiRow,
    RelasiRow,
    Row,
    RowError,
    SekolahRow,
    Tenure,
    acting_overlap,
    changed_fields,
    outside_region,
    pegawai_values,
    relasi_error,
    sekolah_values,
)
from planning.domain.skp import part_of
from planning.usecases import Deps
from planning.usecases.koreksi import close_covered
from pmm_kernel.clock import today


async def pegawai_id_by_nip(deps: Deps, nip: str) -> uuid.UUID | None:
    """The caller's roster id; remembered, since every request of a teacher at a deadline asks it again."""

    async def load() -> uuid.UUID | None:
        async with deps.uow().reading() as uow:
            return await uow.roster.pegawai_id_by_nip(nip)

    return await deps.actors.get(nip, load)


def pegawai_changed(pegawai: Pegawai, sekolah: Sekolah, changed: Sequence[str]) -> events.PegawaiChanged:
    """The pegawai as published: registered (nothing changed yet) or updated (naming what changed)."""
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
        email=pegawai.email,
        tmt_jabatan=pegawai.tmt_jabatan,
    )


@dataclass(frozen=True)
class ImportRoster:
    kind: str  # sekolah | pegawai | relasi
    rows: tuple[Row, ...]  # the valid rows, all of `kind`
    errors: tuple[RowError, ...]  # what parsing found wrong, reported with the rest
    received: int


@dataclass
class ImportReport:
    kind: str
    received: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skp_berakhir: int = 0  # plans a dated transfer ended (docs/domain.md §4)
    errors: list[RowError] = field(default_factory=list)


async def import_roster(cmd: ImportRoster, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> ImportReport:
    """Apply the valid rows of an import, report every bad one; importing the same rows again changes nothing."""
    scope = require_operator(actor)
    report = ImportReport(kind=cmd.kind, received=cmd.received, errors=list(cmd.errors))
    async with uow:
        if cmd.kind == "sekolah":
            await _import_sekolah(uow, scope, [r for r in cmd.rows if isinstance(r, SekolahRow)], report)
        elif cmd.kind == "pegawai":
            await _import_pegawai(uow, deps, scope, [r for r in cmd.rows if isinstance(r, PegawaiRow)], report)
        else:
            await _import_relasi(uow, deps, scope, [r for r in cmd.rows if isinstance(r, RelasiRow)], report)
        uow.audit.record(
            actor=actor.subject,
            action="roster.import",
            target=cmd.kind,
            detail={k: getattr(report, k) for k in ("received", "created", "updated", "unchanged")}
            | {"errors": len(report.errors)},
        )
        await uow.commit()
    report.errors.sort(key=lambda e: (e.line, e.field))
    return report


def _outside(row: Row, field_name: str, what: str) -> RowError:
    return RowError(row.line, field_name, "roster.outside_region", f"this {what} is outside your region")


async def _import_sekolah(uow: PlanningUnitOfWork, scope: str, rows: list[SekolahRow], report: ImportReport) -> None:
    existing = await uow.roster.sekolah_by_npsns([r.npsn for r in rows], for_change=True)
    for row in rows:
        if outside_region(scope, row.kode_wilayah):
            report.errors.append(_outside(row, "kode_wilayah", "school"))
            continue
        current = existing.get(row.npsn)
        if current is None:
            saved, new = uow.roster.add_sekolah(row), True
            report.created += 1
        else:
            values = sekolah_values(row)
            if not changed_fields(current, values):
                report.unchanged += 1
                continue
            saved, new = await uow.roster.update_sekolah(current, values), False
            report.updated += 1
        uow.record(
            events.SekolahChanged(
                npsn=saved.npsn,
                nama=saved.nama,
                kode_wilayah=saved.kode_wilayah,
                nama_wilayah=saved.nama_wilayah,
                prioritas_rapor=saved.prioritas_rapor,
                version=saved.version,
                new=new,
            )
        )


async def _import_pegawai(
    uow: PlanningUnitOfWork, deps: Deps, scope: str, rows: list[PegawaiRow], report: ImportReport
) -> None:
    existing = await uow.roster.pegawai_by_nips([r.nip for r in rows])
    schools = await uow.roster.sekolah_by_npsns(sorted({r.npsn for r in rows}))
    corrected: dict[uuid.UUID, tuple[str, ...]] = {}  # what the import changed of whom: the reports it answers
    for row in rows:
        sekolah = schools.get(row.npsn)
        if sekolah is None:
            report.errors.append(
                RowError(row.line, "npsn", "pegawai.npsn_unknown", "no school with this NPSN; import it first")
            )
            continue
        if outside_region(scope, sekolah.kode_wilayah):
            report.errors.append(_outside(row, "npsn", "school"))
            continue
        current = existing.get(row.nip)
        if current is None:
            saved = uow.roster.add_pegawai(row, placed_on=row.tmt_penempatan or today(deps.clock))
            report.created += 1
            changed: list[str] = []
        else:
            values = pegawai_values(row)
            moved = values["npsn"] != current.npsn
            if moved and row.tmt_penempatan is None and current.tmt_penempatan is not None:
                values["tmt_penempatan"] = None  # the date on file was the old school's placement
            changed = changed_fields(current, values)
            if not changed:
                report.unchanged += 1
                continue
            if moved:  # a transfer: history is kept, the relation follows from the relasi import
                uow.roster.add_penempatan(current.id, npsn=row.npsn, mulai=row.tmt_penempatan or today(deps.clock))
                if row.tmt_penempatan is not None:
                    mutasi = Mutasi(npsn_lama=current.npsn, npsn_baru=row.npsn, tmt=row.tmt_penempatan)
                    report.skp_berakhir += await _split_plans(uow, deps, current.id, mutasi)
            saved = await uow.roster.update_pegawai(current, {k: values[k] for k in changed})
            corrected[saved.id] = changed_subjects(changed)
            report.updated += 1
        uow.record(pegawai_changed(saved, sekolah, changed))
    await uow.roster.flush()
    await close_covered(uow, corrected, at=deps.clock.now())


async def _split_plans(uow: PlanningUnitOfWork, deps: Deps, pegawai_id: uuid.UUID, mutasi: Mutasi) -> int:
    """End the parts at the old school that a dated transfer falls inside (docs/domain.md §4); each publishes
    `SkpEnded` in the import's transaction. Answers how many ended."""
    running = {skp.id: skp for skp in await uow.skp.running_of(pegawai_id)}
    parts = []
    for skp in running.values():
        periode = find_periode(skp.periode, deps.policies)
        parts.append(part_of(skp, periode.mulai, periode.selesai))
    ended = parts_ended_by(mutasi, parts)
    for skp_id, selesai in ended:
        skp = running[skp_id]
        read_version = skp.version
        skp.end(selesai=selesai, at=deps.clock.now())
        await uow.skp.save(skp, expected_version=read_version)
    return len(ended)


async def _import_relasi(
    uow: PlanningUnitOfWork, deps: Deps, scope: str, rows: list[RelasiRow], report: ImportReport
) -> None:
    people = await uow.roster.pegawai_by_nips(sorted({n for r in rows for n in (r.nip_pegawai, r.nip_atasan)}))
    schools = await uow.roster.sekolah_by_npsns(sorted({p.npsn for p in people.values()}))
    existing: dict[tuple[uuid.UUID, uuid.UUID, str, date], Relasi] = {
        (r.pegawai_id, r.atasan_id, r.peran_atasan, r.mulai): r
        for r in await uow.roster.relasi_for([p.id for p in people.values()])
    }
    reassigned: dict[uuid.UUID, tuple[str, ...]] = {}  # who got a new atasan: their atasan reports are answered
    # The acting appointments held and accepted so far: a new one may not overlap another's (the same atasan's
    # row again replaces its own dates, so it is left out of the comparison by acting_overlap).
    acting = [
        Tenure(r.pegawai_id, r.atasan_id, r.mulai, r.selesai)
        for r in existing.values()
        if r.peran_atasan == "plt_kepala_sekolah"
    ]
    for row in rows:
        pegawai, atasan = people.get(row.nip_pegawai), people.get(row.nip_atasan)
        if pegawai is None or atasan is None:
            missing = "nip_pegawai" if pegawai is None else "nip_atasan"
            report.errors.append(
                RowError(row.line, missing, "relasi.nip_unknown", "no pegawai with this NIP; import pegawai first")
            )
            continue
        if outside_region(scope, schools[pegawai.npsn].kode_wilayah):
            report.errors.append(_outside(row, "nip_pegawai", "pegawai"))
            continue
        key = (pegawai.id, atasan.id, row.peran_atasan, row.mulai)
        current = existing.get(key)
        tenure = Tenure(pegawai.id, atasan.id, row.mulai, row.selesai, row.line)
        # A relation already held was judged when it began: a row that ends it is accepted even though the pegawai
        # has moved school since (ending the old school's relation after a transfer).
        refused = (None if current is not None else relasi_error(row, pegawai=pegawai, atasan=atasan)) or (
            acting_overlap(row, tenure, acting)
        )
        if refused is not None:
            report.errors.append(refused)
            continue
        if current is None:
            saved, new = (
                uow.roster.add_relasi(
                    pegawai_id=pegawai.id,
                    atasan_id=atasan.id,
                    peran_atasan=row.peran_atasan,
                    mulai=row.mulai,
                    selesai=row.selesai,
                ),
                True,
            )
            reassigned[pegawai.id] = changed_subjects((), new_atasan=True)
            report.created += 1
        elif current.selesai != row.selesai:
            saved, new = await uow.roster.end_relasi(current, selesai=row.selesai), False
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        existing[key] = saved
        if row.peran_atasan == "plt_kepala_sekolah":
            acting.append(tenure)
        uow.record(
            events.AtasanChanged(
                relasi_id=saved.id,
                pegawai_id=pegawai.id,
                atasan_id=atasan.id,
                peran_atasan=saved.peran_atasan,
                mulai=saved.mulai,
                selesai=saved.selesai,
                version=saved.version,
                new=new,
            )
        )
    await close_covered(uow, reassigned, at=deps.clock.now())
