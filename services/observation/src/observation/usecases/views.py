"""What the reading routes return: one cycle, the caller's own, the atasan's team, the bukti and their files, and
where an upload stands. Reads commit nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from observation.db.uow import ObservationUnitOfWork
from observation.domain import window
from observation.domain.access import Actor, require_atasan, require_uploader
from observation.domain.bukti import Bukti
from observation.domain.pelaksanaan import BELUM_DIBUKA, Pelaksanaan, is_overdue, tahap_at
from observation.domain.pelaksanaan import position as position_of
from observation.usecases import Deps
from observation.usecases.cycle import Cycle, load_cycle
from pmm_kernel.clock import today
from pmm_kernel.errors import NotFound
from pmm_kernel.windows import effective_close
from pmm_roster.records import PegawaiRecord

# --- who is calling --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PegawaiByNip:
    nip: str


async def pegawai_id_by_nip(query: PegawaiByNip, *, uow: ObservationUnitOfWork) -> uuid.UUID | None:
    """The caller's roster id, if the roster has them."""
    async with uow.reading():
        pegawai = await uow.roster.pegawai_by_nip(query.nip)
        return pegawai.pegawai_id if pegawai else None


# --- one cycle ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetPelaksanaan:
    pelaksanaan_id: uuid.UUID


async def get_pelaksanaan(query: GetPelaksanaan, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    """A cycle with its bukti: what `GET /pelaksanaan/{id}` and `GET .../bukti` show."""
    async with uow.reading():
        return await load_cycle(query.pelaksanaan_id, uow=uow, deps=deps, actor=actor)


@dataclass(frozen=True)
class MyPelaksanaan:
    periode: str
    bagian: int | None = None  # None: the latest part (the school the pegawai is in now)


async def my_pelaksanaan(query: MyPelaksanaan, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> Cycle:
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    async with uow.reading():
        pelaksanaan = await uow.pelaksanaan.find(actor.pegawai_id, query.periode, bagian=query.bagian)
        if pelaksanaan is None:
            raise NotFound(
                f"no pelaksanaan for {query.periode[:20]}: it opens when your plan is approved",
                rule="pelaksanaan.not_opened",
                field="periode",
            )
        return await load_cycle(pelaksanaan.id, uow=uow, deps=deps, actor=actor)


def position(pelaksanaan: Pelaksanaan | None) -> str:
    """Where a pegawai stands in the cycle (`domain.pelaksanaan.POSITIONS`)."""
    return position_of(pelaksanaan.tahap if pelaksanaan else None)


def summary(cycle: Cycle) -> dict[str, Any]:
    """What the cycle's reader sees of its evidence."""
    return {
        "evidence_mode": cycle.evidence_mode.value,
        "bukti_count": len(cycle.counted_bukti()),
        "dokumen_ks_kurang": cycle.dokumen_ks_kurang(),
    }


# --- the atasan's list -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    periode: str
    step: str | None  # a word of POSITIONS
    overdue: bool | None
    after: uuid.UUID | None  # the last pegawai id of the previous page
    limit: int


@dataclass(frozen=True)
class TeamRow:
    pegawai: PegawaiRecord
    pelaksanaan: Pelaksanaan | None  # the cycle of the pegawai's latest part of the period not ended today
    position: str
    overdue: bool
    closes: date


async def team(query: Team, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> list[TeamRow]:
    atasan_id = require_atasan(actor)
    on = today(deps.clock)
    async with uow.reading():
        windows = await uow.roster.periode(query.periode)
        pelaksanaan_window = windows.window(window.WINDOW)
        regions = await uow.pelaksanaan.team_regions(atasan_id=atasan_id, on=on)
        closes = {region: effective_close(pelaksanaan_window, windows.extensions, region) for region in regions}
        past = window.regions_past_close(closes, on=on)
        rows = await uow.pelaksanaan.team(
            atasan_id=atasan_id,
            on=on,
            periode=query.periode,
            tahap=tahap_at(query.step) if query.step not in (None, BELUM_DIBUKA) else None,
            unopened=query.step == BELUM_DIBUKA,
            overdue_regions=past if query.overdue else None,
            not_overdue_regions=past if query.overdue is False else None,
            after=query.after,
            limit=query.limit,
        )
    return [
        TeamRow(
            pegawai=pegawai,
            pelaksanaan=pelaksanaan,
            position=position(pelaksanaan),
            overdue=is_overdue(
                pelaksanaan.tahap if pelaksanaan else None, effective_close=closes[pegawai.kode_wilayah], on=on
            ),
            closes=closes[pegawai.kode_wilayah],
        )
        for pegawai, pelaksanaan in rows
    ]


# --- bukti dukung ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuktiContent:
    bukti_id: uuid.UUID


async def bukti_content(
    query: BuktiContent, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor
) -> tuple[Bukti, bytes]:
    """An uploaded file and its bytes: who may read the cycle may read its files."""
    async with uow.reading():
        bukti = await uow.bukti.get(query.bukti_id)
        if bukti is None or bukti.storage_key is None:
            raise NotFound("no such file", rule="bukti.not_found")
        await load_cycle(bukti.pelaksanaan_id, uow=uow, deps=deps, actor=actor)
    try:
        return bukti, await deps.storage.get(bukti.storage_key)
    except KeyError:
        raise NotFound("the file is missing from storage", rule="bukti.content_missing") from None


@dataclass(frozen=True)
class UploadState:
    upload_id: uuid.UUID
    offset: int
    length: int
    bukti: Bukti | None = None  # set once the last byte arrived


@dataclass(frozen=True)
class UploadStateOf:
    upload_id: uuid.UUID


async def upload_state(query: UploadStateOf, *, uow: ObservationUnitOfWork, actor: Actor) -> UploadState:
    """Where an upload stands (tus HEAD): the uploader's alone."""
    async with uow.reading():
        upload = require_uploader(actor, await uow.unggahan.get(query.upload_id))
        return UploadState(upload_id=upload.id, offset=upload.offset, length=upload.length)
