"""Observation's cycle events: a completed cycle makes the penilaian ratable (its rubric is evidence, never a
score); a cycle closed by a plan reset takes it, and the ratings, away again.

Each returns what happened, for the consumer's log; an event older than what the penilaian holds changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain.monitoring import LANGKAH
from appraisal.domain.penilaian import Siklus
from appraisal.usecases import Deps
from appraisal.usecases.tahunan import (
    bagian_of_plans,
    find_for_skp,
    load_or_open_for_skp,
    refresh_tahunan,
    save_if_changed,
)
from pmm_kernel.errors import InvalidValue


@dataclass(frozen=True)
class ApplyPelaksanaanCompleted:
    pegawai_id: uuid.UUID
    periode: str
    pelaksanaan_version: int
    pelaksanaan_id: uuid.UUID
    completed_at: datetime
    bukti_count: int
    rubrik: Mapping[str, Any] | None  # the rubric summary as observation sent it (JSON values)
    skp_id: uuid.UUID | None = None  # the plan the cycle was opened from: it names the part; None: the first


async def apply_pelaksanaan_completed(cmd: ApplyPelaksanaanCompleted, *, uow: AppraisalUnitOfWork, deps: Deps) -> str:
    """The completed cycle makes the penilaian ratable; it may arrive before the plan's approval does."""
    siklus = Siklus(
        pelaksanaan_id=cmd.pelaksanaan_id,
        selesai_at=cmd.completed_at,
        bukti_count=cmd.bukti_count,
        rubrik=cmd.rubrik,
    )
    async with uow:
        penilaian = await load_or_open_for_skp(uow, cmd.pegawai_id, cmd.periode, cmd.skp_id)
        await uow.monitoring_nama.apply_langkah(
            cmd.pegawai_id, cmd.periode, langkah="selesai", version=cmd.pelaksanaan_version, bagian=penilaian.bagian
        )
        read_version = penilaian.version
        moved = penilaian.apply_bagian(npsn=None, mulai=None, selesai=None, skp_id=cmd.skp_id)
        outcome = penilaian.apply_siklus(siklus, version=cmd.pelaksanaan_version)
        penilaian.keep_bagian(moved, read_version=read_version)
        await save_if_changed(uow, penilaian, read_version=read_version)
        await refresh_tahunan(uow, deps, cmd.pegawai_id, cmd.periode)
        await uow.commit()
    return outcome


@dataclass(frozen=True)
class ApplyPelaksanaanClosed:
    pegawai_id: uuid.UUID
    periode: str
    pelaksanaan_version: int
    skp_id: uuid.UUID | None = None  # the plan the cycle was opened from; None: the period's first part


async def apply_pelaksanaan_closed(cmd: ApplyPelaksanaanClosed, *, uow: AppraisalUnitOfWork, deps: Deps) -> str:
    async with uow:
        penilaian = await find_for_skp(uow, cmd.pegawai_id, cmd.periode, cmd.skp_id)
        await uow.monitoring_nama.apply_langkah(
            cmd.pegawai_id,
            cmd.periode,
            langkah="ditutup",
            version=cmd.pelaksanaan_version,
            bagian=penilaian.bagian if penilaian is not None else 1,
        )
        outcome = "no_penilaian"
        if penilaian is not None:
            read_version = penilaian.version
            outcome = penilaian.apply_siklus_ditutup(version=cmd.pelaksanaan_version)
            await save_if_changed(uow, penilaian, read_version=read_version)
            await refresh_tahunan(uow, deps, cmd.pegawai_id, cmd.periode)
        await uow.commit()
    return outcome


@dataclass(frozen=True)
class ApplyLangkah:
    pegawai_id: uuid.UUID
    periode: str
    langkah: str  # a step of the cycle, "selesai" or "ditutup" (appraisal.domain.monitoring.LANGKAH)
    pelaksanaan_version: int
    skp_id: uuid.UUID | None = None  # the plan the cycle was opened from: it names the part; None: the latest


async def apply_langkah(cmds: Sequence[ApplyLangkah], *, uow: AppraisalUnitOfWork) -> str:
    """Monitoring by name: the step each pegawai's cycle reached (a later part, a newer cycle version, or the same
    further along). A run of them, as the cycles of a school move on together: their parts read in one statement,
    the steps upserted in one."""
    for cmd in cmds:
        if cmd.langkah not in LANGKAH:
            raise InvalidValue(f"unknown step {cmd.langkah}", rule="monitoring.langkah", field="step")
    async with uow:
        parts = await bagian_of_plans(uow, [(cmd.pegawai_id, cmd.periode, cmd.skp_id) for cmd in cmds])
        await uow.monitoring_nama.apply_langkah_many(
            [
                (cmd.pegawai_id, cmd.periode, cmd.langkah, cmd.pelaksanaan_version, bagian)
                for cmd, bagian in zip(cmds, parts, strict=True)
            ]
        )
        await uow.commit()
    return "monitored"
