"""What planning's events do here: an approved plan opens the pegawai's cycle of that part of the period, a reset
closes it, a transfer's end (skp.ended) sets the part's last day.

Each is applied only when it is newer than the plan's last applied version (`skp_seen`), so a redelivery, a
producer's retry or an approval overtaken by its reset changes nothing. Each returns what happened, for the log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from observation.db.uow import ObservationUnitOfWork
from observation.domain.events import IndikatorRef
from observation.domain.pelaksanaan import Pelaksanaan, Tahap


@dataclass(frozen=True)
class OpenPelaksanaan:
    skp_id: uuid.UUID
    skp_version: int  # the plan's aggregate version this approval made
    pegawai_id: uuid.UUID
    periode: str
    atasan_id: uuid.UUID | None
    indikator_kode: str
    indikator_nama: str
    perilaku_dianjurkan: tuple[str, ...]
    perilaku_dihindari: tuple[str, ...]
    bagian: int = 1  # the part of the period (a transfer splits it: one part per school)
    npsn: str | None = None
    mulai: date | None = None
    selesai: date | None = None
    cause: uuid.UUID | None = None  # the message it came in, when several are applied together (`answering`)

    def indikator(self) -> IndikatorRef:
        return IndikatorRef(
            kode=self.indikator_kode,
            nama=self.indikator_nama,
            perilaku_dianjurkan=self.perilaku_dianjurkan,
            perilaku_dihindari=self.perilaku_dihindari,
        )


async def open_pelaksanaan(cmds: Sequence[OpenPelaksanaan], *, uow: ObservationUnitOfWork) -> list[str]:
    """Open (or re-open as a fresh cycle) each pegawai's pelaksanaan of that part of the period; each one's outcome,
    in order. Another part's cycle is left as it is: a part is the work at one school, and a transfer does not undo
    the old school's. Many approvals (a kepala sekolah approving a school's plans in one sitting) cost a few
    statements however many they are. At most one approval per plan and per part: a later one is decided on what the
    earlier one made, so it comes in a call of its own."""
    parts = [(cmd.pegawai_id, cmd.periode, cmd.bagian) for cmd in cmds]
    if len(set(parts)) < len(parts) or len({cmd.skp_id for cmd in cmds}) < len(cmds):
        raise ValueError("two approvals of one plan or one part applied together")
    async with uow:
        newer = await uow.skp_seen.advance_many({cmd.skp_id: cmd.skp_version for cmd in cmds})
        fresh = [cmd for cmd in cmds if cmd.skp_id in newer]
        current = await uow.pelaksanaan.find_parts(
            [(cmd.pegawai_id, cmd.periode, cmd.bagian) for cmd in fresh], for_update=True
        )
        at = uow.clock.now()
        outcomes: dict[uuid.UUID, str] = {}
        for cmd in fresh:
            with uow.answering(cmd.cause):
                found = current.get((cmd.pegawai_id, cmd.periode, cmd.bagian))
                outcomes[cmd.skp_id] = await _open(cmd, found, uow=uow, at=at)
        # Committed even when every approval was stale: the inbox rows say these deliveries are done.
        await uow.commit()
    return [outcomes.get(cmd.skp_id, "stale") for cmd in cmds]


async def _open(cmd: OpenPelaksanaan, current: Pelaksanaan | None, *, uow: ObservationUnitOfWork, at: datetime) -> str:
    if current is None:
        uow.pelaksanaan.add(
            Pelaksanaan.open(
                id=uuid.uuid4(),
                skp_id=cmd.skp_id,
                pegawai_id=cmd.pegawai_id,
                periode=cmd.periode,
                atasan_id=cmd.atasan_id,
                indikator=cmd.indikator(),
                skp_version=cmd.skp_version,
                at=at,
                bagian=cmd.bagian,
                npsn=cmd.npsn,
                mulai=cmd.mulai,
                selesai=cmd.selesai,
            )
        )
        return "opened"
    read_version = current.version
    if current.tahap is not Tahap.DITUTUP:
        # A newer approval of a cycle still open: the reset between them has not arrived (or never will in order);
        # the plan changed, so the old cycle is closed before the fresh one opens.
        current.tutup(reason="the plan was approved again", at=at)
    current.buka_ulang(
        skp_id=cmd.skp_id,
        atasan_id=cmd.atasan_id,
        indikator=cmd.indikator(),
        skp_version=cmd.skp_version,
        at=at,
        npsn=cmd.npsn,
        mulai=cmd.mulai,
        selesai=cmd.selesai,
    )
    await uow.pelaksanaan.save(current, expected_version=read_version)
    return "reopened"


@dataclass(frozen=True)
class ClosePelaksanaan:
    skp_id: uuid.UUID
    skp_version: int  # the plan's aggregate version this reset made
    pegawai_id: uuid.UUID
    periode: str
    alasan: str
    bagian: int = 1


async def close_pelaksanaan(cmd: ClosePelaksanaan, *, uow: ObservationUnitOfWork) -> str:
    """Close the cycle opened from the plan an operator reset."""
    async with uow:
        if not await uow.skp_seen.advance(cmd.skp_id, cmd.skp_version):
            await uow.commit()
            return "stale"
        current = await uow.pelaksanaan.find(cmd.pegawai_id, cmd.periode, bagian=cmd.bagian, for_update=True)
        if current is None or current.tahap is Tahap.DITUTUP:
            await uow.commit()  # the version is remembered: an approval older than this reset will not open
            return "nothing_open"
        read_version = current.version
        current.tutup(reason=cmd.alasan, at=uow.clock.now())
        await uow.pelaksanaan.save(current, expected_version=read_version)
        await uow.commit()
    return "closed"


@dataclass(frozen=True)
class EndPelaksanaan:
    skp_id: uuid.UUID
    skp_version: int  # the plan's aggregate version the transfer's end made
    pegawai_id: uuid.UUID
    periode: str
    bagian: int
    selesai: date | None  # the part's last day (None: the period's, so nothing ends early)


async def end_pelaksanaan(cmd: EndPelaksanaan, *, uow: ObservationUnitOfWork) -> str:
    """A transfer ended this part of the period: its cycle (if the plan was approved) stops taking steps after
    `selesai` and keeps what it recorded. The plan's version is remembered either way, so an older approval that
    arrives late opens nothing."""
    async with uow:
        if not await uow.skp_seen.advance(cmd.skp_id, cmd.skp_version):
            await uow.commit()
            return "stale"
        current = await uow.pelaksanaan.find(cmd.pegawai_id, cmd.periode, bagian=cmd.bagian, for_update=True)
        if current is None or cmd.selesai is None:
            await uow.commit()
            return "nothing_open"
        read_version = current.version
        current.akhiri(selesai=cmd.selesai)
        await uow.pelaksanaan.save(current, expected_version=read_version)
        await uow.commit()
    return "ended"
