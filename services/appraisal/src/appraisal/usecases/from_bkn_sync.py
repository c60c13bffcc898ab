"""bkn_sync's push events: monitoring by name shows whether each pegawai's data reached BKN, and when a push waits
for someone, why and who fixes it (docs/domain.md §7).

An event older than what is held for its push changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from appraisal.db.uow import AppraisalUnitOfWork


@dataclass(frozen=True)
class ApplyPush:
    push_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    jenis: str
    bagian: str
    berhasil: bool
    kode: str | None  # a failure's typed reason
    fixer: str | None  # who fixes it
    action: str | None  # what they do
    push_version: int
    at: datetime


async def apply_push(cmd: ApplyPush, *, uow: AppraisalUnitOfWork) -> str:
    async with uow:
        await uow.monitoring_nama.apply_push(
            cmd.push_id,
            pegawai_id=cmd.pegawai_id,
            periode=cmd.periode,
            jenis=cmd.jenis,
            bagian=cmd.bagian,
            status="SUKSES" if cmd.berhasil else "GAGAL",
            kode=None if cmd.berhasil else cmd.kode,
            fixer=None if cmd.berhasil else cmd.fixer,
            action=None if cmd.berhasil else cmd.action,
            version=cmd.push_version,
            at=cmd.at,
        )
        await uow.commit()
    return "monitored"
