"""Periods and their windows (docs/domain.md §3): opened from the policy files, extended by operators (audited,
published so every service accepts the step until the new date in that region)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from planning.db.uow import PlanningUnitOfWork
from planning.domain import events
from planning.domain.access import Actor
from planning.domain.periode import (
    check_extension_later,
    check_tahun,
    extension_reason,
    extension_scope,
    periode_snapshot,
    require_national_operator,
)
from planning.domain.policy import find_periode, periods_for_year, policy_for_year
from planning.usecases import Deps
from pmm_kernel.errors import NotFound


@dataclass(frozen=True)
class OpenPeriods:
    year: int


async def open_periods(cmd: OpenPeriods, *, uow: PlanningUnitOfWork, deps: Deps) -> list[str]:
    """Create the periods of a year from its policy file; idempotent. Returns the codes newly opened. Planning
    opens the current year's itself when it starts."""
    opened = []
    async with uow:
        known = await uow.periode.known_codes()
        annual = policy_for_year(cmd.year, deps.policies).annual_evaluation_window(cmd.year)
        for periode in periods_for_year(cmd.year, deps.policies):
            if periode.kode in known:
                continue
            snapshot = periode_snapshot(periode, annual)
            uow.periode.add_periode(kode=periode.kode, tahun=periode.tahun, snapshot=snapshot)
            uow.record(events.PeriodeOpened(kode=periode.kode, snapshot=snapshot))
            opened.append(periode.kode)
        await uow.commit()
    return opened


@dataclass(frozen=True)
class OpenYear:
    tahun: int


async def open_year(cmd: OpenYear, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> list[str]:
    """A national operator opens a year's periods ahead of time."""
    require_national_operator(actor)
    check_tahun(cmd.tahun)
    return await open_periods(OpenPeriods(year=cmd.tahun), uow=uow, deps=deps)


@dataclass(frozen=True)
class ExtendWindow:
    kode: str
    step: str
    until: date
    wilayah: str | None  # a province or kab/kota within the operator's region; None: their whole region
    alasan: str


@dataclass(frozen=True)
class ExtensionGranted:
    extension_id: uuid.UUID
    kode: str
    step: str
    until: date
    wilayah: str | None  # None: everyone


async def extend_window(cmd: ExtendWindow, *, uow: PlanningUnitOfWork, deps: Deps, actor: Actor) -> ExtensionGranted:
    target = extension_scope(actor, cmd.wilayah)
    alasan = extension_reason(cmd.alasan)
    async with uow:
        if not await uow.periode.exists(cmd.kode):
            raise NotFound(f"no period {cmd.kode}", rule="periode.unknown", field="kode")
        check_extension_later(find_periode(cmd.kode, deps.policies).window(cmd.step), cmd.until)
        version = len(await uow.periode.extensions(cmd.kode)) + 2  # the period itself is version 1
        extension_id = uow.periode.add_extension(
            kode=cmd.kode, step=cmd.step, until=cmd.until, wilayah=target, alasan=alasan, operator=actor.subject
        )
        uow.audit.record(
            actor=actor.subject,
            action="periode.extend_window",
            target=cmd.kode,
            detail={"step": cmd.step, "until": cmd.until.isoformat(), "wilayah": target, "alasan": alasan},
        )
        uow.record(
            events.WindowExtended(
                extension_id=extension_id,
                kode=cmd.kode,
                step=cmd.step,
                until=cmd.until,
                wilayah=target,
                alasan=alasan,
                version=version,
            )
        )
        await uow.commit()
    return ExtensionGranted(extension_id=extension_id, kode=cmd.kode, step=cmd.step, until=cmd.until, wilayah=target)
