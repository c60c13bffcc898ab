"""A penilaian opened on first news and saved when it changed, and the year's penilaian tahunan over its periods
(2024) kept in step with the periodic penilaian it weighs (docs/domain.md §6).

The annual evaluation is opened by the first periodic penilaian of the year that is finalised, for a year whose
period snapshots carry a `penilaian_tahunan` window, and is ratable while every periodic penilaian of the pegawai
that year is final. Every change of a periodic penilaian (an event applied, a finalisation, a reopen) refreshes it
in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import tahunan
from appraisal.domain.penilaian import Penilaian
from appraisal.domain.periode import Periode
from appraisal.usecases import Deps


async def load_or_open(uow: AppraisalUnitOfWork, pegawai_id: uuid.UUID, periode: str, bagian: int = 1) -> Penilaian:
    """The penilaian of this pegawai, period and part, locked; opened now if this is the first news of it."""
    existing = await uow.penilaian.find(pegawai_id, periode, bagian=bagian, for_update=True)
    if existing is not None:
        return existing
    return await uow.penilaian.add(Penilaian(id=uuid.uuid4(), pegawai_id=pegawai_id, periode=periode, bagian=bagian))


async def find_for_skp(
    uow: AppraisalUnitOfWork, pegawai_id: uuid.UUID, periode: str, skp_id: uuid.UUID | None
) -> Penilaian | None:
    """The part whose plan is `skp_id`, locked; without a plan id, or for a period never split whose penilaian
    does not know its plan yet, the first part."""
    if skp_id is not None:
        found = await uow.penilaian.find_by_skp(pegawai_id, periode, skp_id)
        if found is not None or (await uow.penilaian.latest_bagian(pegawai_id, periode) or 1) > 1:
            return found
    found = await uow.penilaian.find(pegawai_id, periode, for_update=True)
    return found if found is None or skp_id is None or found.skp_id in (None, skp_id) else None


async def bagian_of_plans(
    uow: AppraisalUnitOfWork, plans: Sequence[tuple[uuid.UUID, str, uuid.UUID | None]]
) -> list[int]:
    """For each (pegawai, periode, skp_id), in order, the part whose plan it is (unlocked, for the read models); the
    latest part while none knows the plan, or without a plan id; the first before any part is open."""
    parts = await uow.penilaian.parts_of_plans(set(plans))
    return [named or latest or 1 for named, latest in (parts[plan] for plan in plans)]


async def load_or_open_for_skp(
    uow: AppraisalUnitOfWork, pegawai_id: uuid.UUID, periode: str, skp_id: uuid.UUID | None
) -> Penilaian:
    """The part whose plan is `skp_id` (observation's events name the plan): the part planning's events said it
    feeds; before any did, the latest part, or a new one after it when a transfer ended the latest. Locked."""
    if skp_id is None:
        return await load_or_open(uow, pegawai_id, periode)
    found = await uow.penilaian.find_by_skp(pegawai_id, periode, skp_id)
    if found is not None:
        return found
    latest = await uow.penilaian.latest_bagian(pegawai_id, periode)
    if latest is None:
        penilaian = await load_or_open(uow, pegawai_id, periode)
    else:
        penilaian = await load_or_open(uow, pegawai_id, periode, latest)
        if penilaian.berakhir or (penilaian.skp_id is not None and penilaian.skp_id != skp_id):
            penilaian = await load_or_open(uow, pegawai_id, periode, latest + 1)
    return penilaian


async def save_if_changed(uow: AppraisalUnitOfWork, penilaian: Penilaian, *, read_version: int) -> None:
    """An event that changed nothing (stale, or arriving at a FINAL penilaian) writes nothing."""
    if penilaian.version != read_version:
        await uow.penilaian.save(penilaian, expected_version=read_version)


async def refresh_tahunan(uow: AppraisalUnitOfWork, deps: Deps, pegawai_id: uuid.UUID, periode: str) -> None:
    """Bring the year's penilaian tahunan of `periode`'s year up to date with the pegawai's periodic penilaian."""
    await refresh_tahunan_of(uow, deps, [(pegawai_id, periode)])


async def refresh_tahunan_of(uow: AppraisalUnitOfWork, deps: Deps, changed: Collection[tuple[uuid.UUID, str]]) -> None:
    """`refresh_tahunan` for every (pegawai, periode) whose penilaian changed (a run of approved plans): once per
    pegawai and year, their annual penilaian locked in one statement, then each year's periodic ones read in one.

    Locked before the periodic ones are read: a change of another of the year's periods that is committing now
    (an atasan's finalisation) holds its year's annual row, so this waits for it and then reads it."""
    years: dict[int, tuple[list[Periode], set[uuid.UUID]]] = {}
    for pegawai_id, periode in sorted(set(changed)):
        current = await uow.roster_extra.find_periode(periode)
        if current is None:
            continue  # the period's snapshot has not arrived: the next change of this penilaian tries again
        year = await uow.roster_extra.periods_of_year(current.tahun)
        if tahunan.has_penilaian_tahunan(year):
            years.setdefault(current.tahun, (year, set()))[1].add(pegawai_id)
    kode = {tahun: deps.rules.penilaian_tahunan.kode(tahun) for tahun in years}
    await uow.penilaian.lock_keys([(p, kode[tahun], 1) for tahun, (_, ids) in years.items() for p in ids])
    for tahun, (year, ids) in sorted(years.items()):
        periodic = await uow.penilaian.of_years(sorted(ids), [p.kode for p in year])
        for pegawai_id in sorted(ids):
            await _refresh_one(uow, pegawai_id, kode[tahun], periodic.get(pegawai_id, []))


async def _refresh_one(uow: AppraisalUnitOfWork, pegawai_id: uuid.UUID, kode: str, periodic: list[Penilaian]) -> None:
    hasil, menunggu = tahunan.hasil_periodik(periodic)
    annual = await uow.penilaian.find(pegawai_id, kode, for_update=True)
    if annual is None:
        if not hasil:
            return
        annual = await uow.penilaian.add(
            Penilaian(id=uuid.uuid4(), pegawai_id=pegawai_id, periode=kode, menimbang_periode=True)
        )
    read_version = annual.version
    annual.apply_hasil_periodik(hasil, menunggu=menunggu)
    await save_if_changed(uow, annual, read_version=read_version)
