"""What BKN says (docs/domain.md §7): SIASN's changes to a pegawai's data diri, and the SKP a pegawai edited in
e-Kinerja. Both arrive as events from bkn_sync; an outcome that is not an error of the message (an unknown NIP, a
plan no longer editable) is answered, not raised, so the message is not retried."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from planning.db.uow import PlanningUnitOfWork
from planning.domain.bkn import BknRhkRow, match_rhk, profile_changes
from planning.domain.koreksi import changed_subjects
from planning.domain.policy import find_periode
from planning.domain.skp import SkpStatus
from planning.domain.skp_parts import rhk_items
from planning.usecases import Deps
from planning.usecases.koreksi import close_covered
from planning.usecases.roster import pegawai_changed

T = TypeVar("T")


@dataclass(frozen=True)
class ApplyBknPegawaiChanged:
    nip: str
    changes: tuple[tuple[str, str | None], ...]  # (field, SIASN's value); None: SIASN says nothing of it
    cause: uuid.UUID | None = None  # the message it came in, when several are applied together (`answering`)


async def apply_bkn_pegawai_changes(cmds: Sequence[ApplyBknPegawaiChanged], *, uow: PlanningUnitOfWork) -> list[str]:
    """SIASN is the source of truth for data diri: apply its changes to the roster (closing the pegawai's open
    correction reports they answer), all of them in a few statements however many they are. Answers the NIPs the
    roster does not know. At most one change per NIP: a later change of one pegawai is computed against the earlier
    one's result, so it comes in a call of its own."""
    if len({cmd.nip for cmd in cmds}) < len(cmds):
        raise ValueError("two changes of one pegawai applied together")
    async with uow:
        known = await uow.roster.pegawai_of([cmd.nip for cmd in cmds])
        changed: dict[uuid.UUID, tuple[ApplyBknPegawaiChanged, dict[str, str]]] = {}
        for cmd in cmds:
            pegawai = known.get(cmd.nip)
            changes = profile_changes(pegawai, dict(cmd.changes)) if pegawai else {}
            if pegawai and changes:
                changed[pegawai.id] = (cmd, changes)
        saved = await uow.roster.save_bkn_changes({pegawai_id: changes for pegawai_id, (_, changes) in changed.items()})
        schools = await uow.roster.sekolah_by_npsns(sorted({pegawai.npsn for pegawai in saved.values()}))
        for pegawai_id, (cmd, changes) in changed.items():
            pegawai = saved[pegawai_id]
            with uow.answering(cmd.cause):
                uow.record(pegawai_changed(pegawai, schools[pegawai.npsn], list(changes)))
        covered = {pegawai_id: changed_subjects(changes) for pegawai_id, (_, changes) in changed.items()}
        await close_covered(uow, covered, at=uow.clock.now())
        await uow.commit()
    return [cmd.nip for cmd in cmds if cmd.nip not in known]


async def _answered(uow: PlanningUnitOfWork, outcome: T) -> T:
    """Nothing to change: the unit of work commits as it is, so the delivery is done in the consumer's batch as any
    other (leaving uncommitted would make the batch apply its messages again, each in a savepoint)."""
    await uow.commit()
    return outcome


@dataclass(frozen=True)
class ApplyBknSkp:
    nip: str
    periode: str | None  # None: e-Kinerja's period maps to none of planning's
    rows: tuple[BknRhkRow, ...]


async def apply_bkn_skp(cmd: ApplyBknSkp, *, uow: PlanningUnitOfWork, deps: Deps) -> str:
    """A pegawai edited their SKP in e-Kinerja: apply it to a plan they may still edit; say what happened.

    A plan that is submitted or approved is not changed here: after approval bkn_sync keeps the difference as a
    conflict.
    """
    async with uow:
        if cmd.periode is None:
            return await _answered(uow, "no_period")
        pegawai = await uow.roster.pegawai_by_nip(cmd.nip)
        if pegawai is None:
            return await _answered(uow, "unknown_pegawai")
        found = await uow.skp.find(pegawai.id, cmd.periode)
        skp = await uow.skp.get(found.id, for_update=True) if found else None
        if skp is None:
            return await _answered(uow, "no_plan")
        if skp.ended:  # a transfer ended the latest part: the new school's part is not planned yet
            return await _answered(uow, "not_editable_berakhir")
        if skp.status not in (SkpStatus.DRAFT, SkpStatus.DIKEMBALIKAN):
            return await _answered(uow, f"not_editable_{skp.status.value.lower()}")
        chosen = match_rhk(deps.catalog, cmd.rows)
        if not any(chosen.values()):
            return await _answered(uow, "nothing_matched")
        read_version = skp.version
        points_apply = find_periode(skp.periode, deps.policies).competence_points is not None
        if chosen["pengembangan_kompetensi"]:
            skp.set_pengembangan_kompetensi(
                rhk_items(
                    deps.catalog,
                    chosen["pengembangan_kompetensi"],
                    kategori="pengembangan_kompetensi",
                    field_name="rhk",
                    points_apply=points_apply,
                )
            )
        if chosen["tugas_tambahan"]:
            skp.set_tugas_tambahan(
                rhk_items(
                    deps.catalog,
                    chosen["tugas_tambahan"],
                    kategori="tugas_tambahan",
                    field_name="rhk",
                    points_apply=points_apply,
                )
            )
        await uow.skp.save(skp, expected_version=read_version)
        await uow.commit()
    return "applied"
