"""Correction reports (planning.domain.koreksi): a pegawai reports wrong roster data about themselves; the operator
of their region closes the report when the change came by other means, or rejects it with a reason; a roster change
that says what was reported closes it by itself, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from planning.db.uow import PlanningUnitOfWork
from planning.domain.access import Actor
from planning.domain.koreksi import Action, ClosedBy, Koreksi, report_subject
from planning.usecases import Deps
from planning.usecases.views import KoreksiContext, load_koreksi
from pmm_kernel.errors import NotFound, StateConflict
from pmm_kernel.versions import ExpectedVersion


@dataclass(frozen=True)
class ReportKoreksi:
    jenis: str  # data | atasan
    field: str | None  # the roster field of a data report
    nilai_benar: str
    catatan: str | None
    pegawai_id: uuid.UUID | None = None  # whose data: only ever the caller's own


async def report_koreksi(cmd: ReportKoreksi, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> KoreksiContext:
    """The caller reports wrong data about themselves: one open report per field (or about their atasan)."""
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    if cmd.pegawai_id is not None and cmd.pegawai_id != actor.pegawai_id:
        # Another person's data is theirs (or their operator's) to report: as if that pegawai did not exist.
        raise NotFound("no such pegawai", rule="pegawai.not_found", field="pegawai_id")
    _, subject = report_subject(cmd.jenis, cmd.field)  # an unknown field is refused before anything is read
    async with uow:
        pegawai = await uow.roster.pegawai(actor.pegawai_id)
        assert pegawai is not None
        sekolah = await uow.roster.sekolah(pegawai.npsn)
        assert sekolah is not None
        existing = await uow.koreksi.open_about(pegawai.id, subject)
        if existing is not None:
            raise StateConflict(
                f"you already have an open report about {existing.subject}",
                rule="koreksi.exists",
                field="field",
                extra={"koreksi_id": str(existing.id)},
            )
        koreksi = Koreksi.report(
            pegawai_id=pegawai.id,
            jenis=cmd.jenis,
            field_name=subject,
            nilai_benar=cmd.nilai_benar,
            catatan=cmd.catatan,
            npsn=pegawai.npsn,
            kode_wilayah=sekolah.kode_wilayah,
            at=deps.clock.now(),
        )
        await uow.koreksi.add(koreksi)
        await uow.commit()
    return KoreksiContext(koreksi, pegawai, sekolah, 0)


@dataclass(frozen=True)
class SelesaiKoreksi:
    koreksi_id: uuid.UUID
    expected: ExpectedVersion


async def selesai_koreksi(cmd: SelesaiKoreksi, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> KoreksiContext:
    """The operator closes a report whose change reached the roster by other means (audited)."""
    async with uow:
        context = await load_koreksi(cmd.koreksi_id, Action.SELESAI, uow=uow, deps=deps, actor=actor, for_update=True)
        cmd.expected.check(context.koreksi.version)
        read = context.koreksi.version
        context.koreksi.selesai(at=deps.clock.now(), by=ClosedBy.OPERATOR)
        uow.audit.record(actor=actor.subject, action="koreksi.selesai", target=str(context.koreksi.id), detail={})
        await uow.koreksi.save(context.koreksi, expected_version=read)
        await uow.commit()
    return context


@dataclass(frozen=True)
class TolakKoreksi:
    koreksi_id: uuid.UUID
    expected: ExpectedVersion
    alasan: str


async def tolak_koreksi(cmd: TolakKoreksi, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> KoreksiContext:
    """The operator rejects a report, with a reason the teacher reads (audited)."""
    async with uow:
        context = await load_koreksi(cmd.koreksi_id, Action.TOLAK, uow=uow, deps=deps, actor=actor, for_update=True)
        cmd.expected.check(context.koreksi.version)
        read = context.koreksi.version
        context.koreksi.tolak(at=deps.clock.now(), alasan=cmd.alasan)
        uow.audit.record(
            actor=actor.subject,
            action="koreksi.tolak",
            target=str(context.koreksi.id),
            detail={"alasan": context.koreksi.alasan},
        )
        await uow.koreksi.save(context.koreksi, expected_version=read)
        await uow.commit()
    return context


async def close_covered(
    uow: PlanningUnitOfWork, changes: Mapping[uuid.UUID, Sequence[str]], *, at: datetime
) -> list[Koreksi]:
    """Inside a roster change's unit of work: close every open report the change covers (`changes`: per pegawai,
    the subjects it changed: roster fields, and "atasan" for a new relation). One query for the whole change."""
    touched = [pegawai_id for pegawai_id, subjects in changes.items() if subjects]
    closed = []
    for koreksi in await uow.koreksi.open_for(touched):
        if koreksi.covered_by(changes[koreksi.pegawai_id]):
            read = koreksi.version
            koreksi.selesai(at=at, by=ClosedBy.ROSTER)
            await uow.koreksi.save(koreksi, expected_version=read)
            closed.append(koreksi)
    return closed
