"""Observation's service layer: one async function per command.

Each loads what it needs through the unit of work, checks the caller's relation (from the roster projection), the
cycle's state and the period's `pelaksanaan` window (for the pegawai's region), calls the domain and commits (the
outbox rows go in the same transaction). HTTP routes and event handlers both call these; neither touches a session.

Decisions kept here, in one place:
- Only the `pelaksanaan` window (with its extensions) admits the five steps, the refleksi included: accepting a
  refleksi in the penilaian window would let a cycle finish while the atasan is already rating it; a region that
  is late gets an operator's audited extension instead, as in planning.
- An upload is window-checked when it is created; once started it may finish (a slow link at the deadline).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from observation.db.tables import BuktiRow, UnggahanRow
from observation.db.uow import ObservationUnitOfWork
from observation.domain import bukti as rules
from observation.domain.access import (
    ATASAN_ROLES,
    KONFIRMASI_BUKTI,
    READ,
    UNGGAH_BUKTI,
    Actor,
    Relation,
    relation_to,
    require_allowed,
)
from observation.domain.events import BuktiAdded, IndikatorRef
from observation.domain.pelaksanaan import (
    STEP_OF,
    Aksi,
    Pelaksanaan,
    RubrikInput,
    Step,
    Tahap,
    Upaya,
    is_overdue,
)
from observation.domain.storage import ObjectStorage, bukti_key, part_key, parts_prefix
from pmm_contracts.events.planning import SkpApprovedV1, SkpResetV1
from pmm_kernel.clock import Clock, today
from pmm_kernel.errors import Forbidden, NotFound, StateConflict
from pmm_kernel.windows import effective_close
from pmm_roster.projections import PeriodeWindows, RosterPegawai

logger = logging.getLogger(__name__)

UowFactory = Callable[[], ObservationUnitOfWork]
PELAKSANAAN = "pelaksanaan"  # the window every step is checked against


@dataclass(frozen=True)
class Deps:
    """What every use case may need besides its unit of work; built once by the bootstrap."""

    uow: UowFactory
    clock: Clock
    storage: ObjectStorage
    upload_max_bytes: int


# --- who is calling --------------------------------------------------------------------------------------


async def pegawai_id_by_nip(deps: Deps, nip: str) -> uuid.UUID | None:
    """The caller's roster id, if the roster has them."""
    async with deps.uow() as uow:
        pegawai = await uow.roster.pegawai_by_nip(nip)
        return pegawai.pegawai_id if pegawai else None


# --- planning's events: an approved plan opens the cycle, a reset closes it -----------------------------


def _indikator(data: SkpApprovedV1) -> IndikatorRef:
    return IndikatorRef(
        kode=data.indikator.kode,
        nama=data.indikator.nama,
        perilaku_dianjurkan=tuple(data.indikator.perilaku_dianjurkan),
        perilaku_dihindari=tuple(data.indikator.perilaku_dihindari),
    )


async def apply_skp_approved(uow: ObservationUnitOfWork, data: SkpApprovedV1, *, version: int) -> str:
    """Open (or re-open as a fresh cycle) the pegawai's pelaksanaan of that period. Returns what happened."""
    if not await uow.skp_seen.advance(data.skp_id, version):
        await uow.commit()  # the inbox row: this delivery is done, it just had nothing newer to say
        return "stale"
    at = uow.clock.now()
    current = await uow.pelaksanaan.find(data.pegawai_id, data.periode, for_update=True)
    if current is None:
        uow.pelaksanaan.add(
            Pelaksanaan.open(
                id=uuid.uuid4(),
                skp_id=data.skp_id,
                pegawai_id=data.pegawai_id,
                periode=data.periode,
                atasan_id=data.atasan_id,
                indikator=_indikator(data),
                skp_version=version,
                at=at,
            )
        )
        outcome = "opened"
    else:
        read_version = current.version
        if current.tahap is not Tahap.DITUTUP:
            # A newer approval of a cycle still open: the reset between them has not arrived (or never will
            # in order); the plan changed, so the old cycle is closed before the fresh one opens.
            current.tutup(reason="the plan was approved again", at=at)
        current.buka_ulang(
            skp_id=data.skp_id, atasan_id=data.atasan_id, indikator=_indikator(data), skp_version=version, at=at
        )
        await uow.pelaksanaan.save(current, expected_version=read_version)
        outcome = "reopened"
    await uow.commit()
    return outcome


async def apply_skp_reset(uow: ObservationUnitOfWork, data: SkpResetV1, *, version: int) -> str:
    if not await uow.skp_seen.advance(data.skp_id, version):
        await uow.commit()
        return "stale"
    current = await uow.pelaksanaan.find(data.pegawai_id, data.periode, for_update=True)
    if current is None or current.tahap is Tahap.DITUTUP:
        await uow.commit()  # the version is remembered: an approval older than this reset will not open
        return "nothing_open"
    read_version = current.version
    current.tutup(reason=data.alasan, at=uow.clock.now())
    await uow.pelaksanaan.save(current, expected_version=read_version)
    await uow.commit()
    return "closed"


# --- reading a cycle ---------------------------------------------------------------------------------------


@dataclass
class Context:
    """A cycle with what the caller's rights, the window and the evidence rules depend on."""

    pelaksanaan: Pelaksanaan
    pegawai: RosterPegawai
    relation: Relation
    atasan_id: uuid.UUID | None  # the current atasan, from the projection
    periode: PeriodeWindows
    bukti: list[BuktiRow] = field(default_factory=list)

    @property
    def evidence_mode(self) -> rules.EvidenceMode:
        return rules.evidence_mode(bool(self.periode.snapshot["evidence_upload"]))

    @property
    def is_kepala_sekolah(self) -> bool:
        return rules.is_kepala_sekolah(self.pegawai.jenis_gtk)

    def counted_bukti(self) -> list[BuktiRow]:
        return [b for b in self.bukti if not b.outside_period]

    def dokumen_ks_kurang(self) -> list[str]:
        if not self.is_kepala_sekolah:
            return []
        return rules.missing_dokumen_ks({b.kategori for b in self.counted_bukti()})


async def _load(
    uow: ObservationUnitOfWork, deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID, *, for_update: bool = False
) -> Context:
    pelaksanaan = await uow.pelaksanaan.get(pelaksanaan_id, for_update=for_update)
    if pelaksanaan is None:
        raise NotFound("no such pelaksanaan", rule="pelaksanaan.not_found")
    return await _context(uow, deps, actor, pelaksanaan)


async def _context(uow: ObservationUnitOfWork, deps: Deps, actor: Actor, pelaksanaan: Pelaksanaan) -> Context:
    pegawai = await uow.roster.pegawai(pelaksanaan.pegawai_id)
    if pegawai is None:
        # The plan's approval overtook the roster event (different aggregates are not ordered): nobody can be
        # told who owns this cycle yet, so it is not shown to anyone.
        raise NotFound("no such pelaksanaan", rule="pelaksanaan.not_found")
    atasan_id = await uow.roster.current_atasan(pegawai.pegawai_id, today(deps.clock))
    relation = relation_to(
        actor, owner_id=pegawai.pegawai_id, current_atasan_id=atasan_id, kode_wilayah=pegawai.kode_wilayah
    )
    require_allowed(relation, READ)
    periode = await uow.roster.periode(pelaksanaan.periode)
    context = Context(pelaksanaan=pelaksanaan, pegawai=pegawai, relation=relation, atasan_id=atasan_id, periode=periode)
    context.bukti = await uow.bukti.of(pelaksanaan.id)
    return context


async def get_pelaksanaan(deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID) -> Context:
    async with deps.uow() as uow:
        return await _load(uow, deps, actor, pelaksanaan_id)


async def my_pelaksanaan(deps: Deps, actor: Actor, *, periode: str) -> Context:
    if actor.pegawai_id is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    async with deps.uow() as uow:
        pelaksanaan = await uow.pelaksanaan.find(actor.pegawai_id, periode)
        if pelaksanaan is None:
            raise NotFound(
                f"no pelaksanaan for {periode[:20]}: it opens when your plan is approved",
                rule="pelaksanaan.not_opened",
                field="periode",
            )
        return await _context(uow, deps, actor, pelaksanaan)


# --- windows --------------------------------------------------------------------------------------------


def _check_window(deps: Deps, context: Context) -> None:
    context.periode.check_open(PELAKSANAAN, today(deps.clock), region_code=context.pegawai.kode_wilayah)


def _close(context: Context) -> date:
    window = context.periode.window(PELAKSANAAN)
    return effective_close(window, context.periode.extensions, context.pegawai.kode_wilayah)


def _ahead(deps: Deps, context: Context) -> tuple[date, date]:
    """Dates a schedule may name: from today (or the window's opening) to the window's effective close."""
    window = context.periode.window(PELAKSANAAN)
    return max(today(deps.clock), window.opens), _close(context)


def _past(deps: Deps, context: Context) -> tuple[date, date]:
    """Dates an effort may carry: done inside the window, not in the future."""
    return context.periode.window(PELAKSANAAN).opens, today(deps.clock)


# --- the five steps ------------------------------------------------------------------------------------------


async def _act(
    deps: Deps,
    actor: Actor,
    pelaksanaan_id: uuid.UUID,
    aksi: Aksi,
    check_version: Callable[[int], None],
    change: Callable[[Context], None],
) -> Context:
    """The shape of every step: load, authorise by relation, check version and window, change, save."""
    async with deps.uow() as uow:
        context = await _load(uow, deps, actor, pelaksanaan_id, for_update=True)
        require_allowed(context.relation, aksi)
        check_version(context.pelaksanaan.version)
        _check_window(deps, context)
        read_version = context.pelaksanaan.version
        change(context)
        await uow.pelaksanaan.save(context.pelaksanaan, expected_version=read_version)
        await uow.commit()
    return context


async def susun_persiapan(
    deps: Deps,
    actor: Actor,
    pelaksanaan_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    target_perilaku: list[str],
    upaya: str,
    jadwal: date,
) -> Context:
    def change(c: Context) -> None:
        c.pelaksanaan.susun_persiapan(
            target_perilaku=target_perilaku, upaya=upaya, jadwal=jadwal, jadwal_range=_ahead(deps, c)
        )

    return await _act(deps, actor, pelaksanaan_id, Aksi.SUSUN_PERSIAPAN, check_version, change)


async def setujui_jadwal(
    deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID, check_version: Callable[[int], None]
) -> Context:
    return await _act(
        deps,
        actor,
        pelaksanaan_id,
        Aksi.SETUJUI_JADWAL,
        check_version,
        lambda c: c.pelaksanaan.setujui_jadwal(at=deps.clock.now()),
    )


async def usulkan_jadwal_lain(
    deps: Deps,
    actor: Actor,
    pelaksanaan_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    jadwal: date,
    catatan: str | None,
) -> Context:
    def change(c: Context) -> None:
        c.pelaksanaan.usulkan_jadwal_lain(jadwal=jadwal, catatan=catatan, jadwal_range=_ahead(deps, c))

    return await _act(deps, actor, pelaksanaan_id, Aksi.USULKAN_JADWAL_LAIN, check_version, change)


async def terima_jadwal(
    deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID, check_version: Callable[[int], None]
) -> Context:
    return await _act(
        deps,
        actor,
        pelaksanaan_id,
        Aksi.TERIMA_JADWAL,
        check_version,
        lambda c: c.pelaksanaan.terima_jadwal(at=deps.clock.now()),
    )


async def catat_observasi(
    deps: Deps,
    actor: Actor,
    pelaksanaan_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    mode: str,
    items: list[RubrikInput],
    catatan: str | None,
) -> Context:
    def change(c: Context) -> None:
        assert actor.pegawai_id is not None  # require_allowed: only the current atasan gets here
        c.pelaksanaan.catat_observasi(
            atasan_id=actor.pegawai_id, mode=mode, items=items, catatan=catatan, at=deps.clock.now()
        )

    return await _act(deps, actor, pelaksanaan_id, Aksi.CATAT_OBSERVASI, check_version, change)


async def catat_diskusi_atasan(
    deps: Deps,
    actor: Actor,
    pelaksanaan_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    catatan: str,
    tujuan: str,
    langkah: str,
    jadwal: date,
) -> Context:
    def change(c: Context) -> None:
        c.pelaksanaan.catat_diskusi_atasan(
            catatan=catatan,
            tujuan=tujuan,
            langkah=langkah,
            jadwal=jadwal,
            jadwal_range=_ahead(deps, c),
            at=deps.clock.now(),
        )

    return await _act(deps, actor, pelaksanaan_id, Aksi.CATAT_DISKUSI_ATASAN, check_version, change)


async def catat_diskusi_guru(
    deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID, check_version: Callable[[int], None], *, catatan: str
) -> Context:
    return await _act(
        deps,
        actor,
        pelaksanaan_id,
        Aksi.CATAT_DISKUSI_GURU,
        check_version,
        lambda c: c.pelaksanaan.catat_diskusi_guru(catatan=catatan, at=deps.clock.now()),
    )


async def catat_upaya(
    deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID, check_version: Callable[[int], None], *, items: list[Upaya]
) -> Context:
    def change(c: Context) -> None:
        c.pelaksanaan.catat_upaya(items=items, tanggal_range=_past(deps, c), at=deps.clock.now())

    return await _act(deps, actor, pelaksanaan_id, Aksi.CATAT_UPAYA, check_version, change)


async def catat_refleksi(
    deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID, check_version: Callable[[int], None], *, refleksi: str
) -> Context:
    def change(c: Context) -> None:
        c.pelaksanaan.catat_refleksi(
            refleksi=refleksi,
            dokumen_kurang=c.dokumen_ks_kurang(),
            bukti_count=len(c.counted_bukti()),
            at=deps.clock.now(),
        )

    return await _act(deps, actor, pelaksanaan_id, Aksi.CATAT_REFLEKSI, check_version, change)


# --- the atasan's list -------------------------------------------------------------------------------------

BELUM_DIBUKA = "belum_dibuka"  # the plan is not approved yet: no cycle
SELESAI, DITUTUP = "selesai", "ditutup"
LIST_STEPS = (BELUM_DIBUKA, *(s.value for s in Step), SELESAI, DITUTUP)


def position(pelaksanaan: Pelaksanaan | None) -> str:
    """Where a pegawai stands in the cycle, in one word of LIST_STEPS."""
    if pelaksanaan is None:
        return BELUM_DIBUKA
    step = STEP_OF[pelaksanaan.tahap]
    if step is not None:
        return step.value
    return SELESAI if pelaksanaan.tahap is Tahap.SELESAI else DITUTUP


def _tahap_of(step: str) -> list[Tahap]:
    if step == SELESAI:
        return [Tahap.SELESAI]
    if step == DITUTUP:
        return [Tahap.DITUTUP]
    return [t for t, s in STEP_OF.items() if s is not None and s.value == step]


@dataclass(frozen=True)
class TeamRow:
    pegawai: RosterPegawai
    pelaksanaan: Pelaksanaan | None
    position: str
    overdue: bool
    closes: date


async def team(
    deps: Deps,
    actor: Actor,
    *,
    periode: str,
    step: str | None,
    overdue: bool | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[TeamRow]:
    if actor.pegawai_id is None or not actor.roles & ATASAN_ROLES:
        raise Forbidden("only a kepala sekolah or a pengawas has a team to follow", rule="role.atasan_required")
    on = today(deps.clock)
    async with deps.uow() as uow:
        windows = await uow.roster.periode(periode)
        window = windows.window(PELAKSANAAN)
        regions = await uow.pelaksanaan.team_regions(atasan_id=actor.pegawai_id, on=on)
        closes = {region: effective_close(window, windows.extensions, region) for region in regions}
        past = [region for region, close in closes.items() if on > close]
        rows = await uow.pelaksanaan.team(
            atasan_id=actor.pegawai_id,
            on=on,
            periode=periode,
            tahap=_tahap_of(step) if step not in (None, BELUM_DIBUKA) else None,
            unopened=step == BELUM_DIBUKA,
            overdue_regions=past if overdue else None,
            not_overdue_regions=past if overdue is False else None,
            after=after,
            limit=limit,
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


async def list_bukti(deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID) -> Context:
    return await get_pelaksanaan(deps, actor, pelaksanaan_id)


async def bukti_content(deps: Deps, actor: Actor, bukti_id: uuid.UUID) -> tuple[BuktiRow, bytes]:
    async with deps.uow() as uow:
        row = await uow.bukti.get(bukti_id)
        if row is None or row.storage_key is None:
            raise NotFound("no such file", rule="bukti.not_found")
        await _load(uow, deps, actor, row.pelaksanaan_id)  # who may read the cycle may read its files
    try:
        return row, await deps.storage.get(row.storage_key)
    except KeyError:
        raise NotFound("the file is missing from storage", rule="bukti.content_missing") from None


async def konfirmasi_bukti(
    deps: Deps, actor: Actor, pelaksanaan_id: uuid.UUID, *, kategori: str, catatan: str | None
) -> tuple[Context, BuktiRow, bool]:
    """2025+: the atasan confirms a document exists at school. Confirming it again changes nothing (False)."""
    async with deps.uow() as uow:
        context = await _load(uow, deps, actor, pelaksanaan_id, for_update=True)
        require_allowed(context.relation, KONFIRMASI_BUKTI)
        context.pelaksanaan.check_can_add_bukti()
        rules.require_mode(context.evidence_mode, rules.EvidenceMode.KONFIRMASI)
        _check_window(deps, context)
        kind = rules.kategori(kategori, is_kepala_sekolah=context.is_kepala_sekolah)
        existing = await uow.bukti.confirmation(pelaksanaan_id, kind.kode)
        if existing is not None:
            return context, existing, False
        assert actor.pegawai_id is not None
        at = deps.clock.now()
        row = BuktiRow(
            id=uuid.uuid4(),
            pelaksanaan_id=pelaksanaan_id,
            pegawai_id=context.pegawai.pegawai_id,
            periode=context.pelaksanaan.periode,
            kategori=kind.kode,
            sumber="konfirmasi",
            catatan=(catatan or "").strip() or None,
            added_by=actor.pegawai_id,
            created_at=at,
        )
        uow.bukti.add(row)
        uow.record(_bukti_added(context.pelaksanaan, row, at))
        await uow.commit()
        context.bukti.append(row)
    return context, row, True


def _bukti_added(pelaksanaan: Pelaksanaan, row: BuktiRow, at: datetime) -> BuktiAdded:
    return BuktiAdded(
        bukti_id=row.id,
        pelaksanaan_id=pelaksanaan.id,
        skp_id=pelaksanaan.skp_id,
        pegawai_id=pelaksanaan.pegawai_id,
        periode=pelaksanaan.periode,
        kategori=row.kategori,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        tanggal_dokumen=row.tanggal_dokumen,
        outside_period=row.outside_period,
        at=at,
    )


# --- resumable uploads (tus 1.0) --------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadState:
    upload_id: uuid.UUID
    offset: int
    length: int
    bukti: BuktiRow | None = None  # set once the last byte arrived


def _state(row: UnggahanRow, bukti: BuktiRow | None = None) -> UploadState:
    return UploadState(upload_id=row.id, offset=row.offset, length=row.length, bukti=bukti)


async def create_upload(
    deps: Deps,
    actor: Actor,
    pelaksanaan_id: uuid.UUID,
    *,
    length: int,
    filename: str | None,
    kategori: str | None,
    tanggal: date | None,
) -> UploadState:
    async with deps.uow() as uow:
        context = await _load(uow, deps, actor, pelaksanaan_id)
        require_allowed(context.relation, UNGGAH_BUKTI)
        context.pelaksanaan.check_can_add_bukti()
        rules.require_mode(context.evidence_mode, rules.EvidenceMode.UNGGAH)
        _check_window(deps, context)
        kind = rules.kategori(kategori or "", is_kepala_sekolah=context.is_kepala_sekolah)
        name = rules.check_filename(filename)
        rules.check_length(length, max_bytes=deps.upload_max_bytes)
        mulai, selesai = _period_dates(context)
        rules.outside_period(kind, tanggal, mulai=mulai, selesai=selesai)  # a certificate must say its date
        row = UnggahanRow(
            id=uuid.uuid4(),
            pelaksanaan_id=pelaksanaan_id,
            pegawai_id=context.pegawai.pegawai_id,
            kategori=kind.kode,
            nama_file=name,
            tanggal_dokumen=tanggal if kind.dated else None,
            length=length,
        )
        uow.unggahan.add(row)
        await uow.commit()
    return _state(row)


def _period_dates(context: Context) -> tuple[date, date]:
    snapshot = context.periode.snapshot
    return date.fromisoformat(snapshot["mulai"]), date.fromisoformat(snapshot["selesai"])


async def _own_upload(uow: ObservationUnitOfWork, actor: Actor, upload_id: uuid.UUID, *, lock: bool) -> UnggahanRow:
    row = await uow.unggahan.get(upload_id, for_update=lock)
    if row is None or actor.pegawai_id is None or row.pegawai_id != actor.pegawai_id:
        raise NotFound("no such upload", rule="unggahan.not_found")
    return row


async def upload_state(deps: Deps, actor: Actor, upload_id: uuid.UUID) -> UploadState:
    async with deps.uow() as uow:
        return _state(await _own_upload(uow, actor, upload_id, lock=False))


async def append_upload(deps: Deps, actor: Actor, upload_id: uuid.UUID, *, offset: int, data: bytes) -> UploadState:
    """Store one chunk at `offset`; the chunk that completes the file turns the upload into a bukti."""
    drop_parts = False
    try:
        async with deps.uow() as uow:
            row = await _own_upload(uow, actor, upload_id, lock=True)
            rules.check_offset(offset, row.offset)
            rules.check_within_length(offset, len(data), row.length)
            if not data:
                return _state(row)
            head = row.head if len(row.head) >= rules.SNIFF_BYTES else (row.head + data)[: rules.SNIFF_BYTES]
            end = offset + len(data)
            media_type = row.media_type
            if media_type is None and (len(head) >= rules.SNIFF_BYTES or end == row.length):
                try:
                    media_type = rules.require_allowed_content(head)
                except Exception:
                    await _discard(uow, upload_id)
                    drop_parts = True
                    raise
            await deps.storage.put(part_key(str(upload_id), offset), data)
            parts = [*row.parts, offset]
            if end < row.length:
                await uow.unggahan.advance(upload_id, offset=end, head=head, media_type=media_type, parts=parts)
                await uow.commit()
                return UploadState(upload_id=upload_id, offset=end, length=row.length)
            assert media_type is not None  # sniffed at the latest with the last byte
            try:
                bukti = await _finish(uow, deps, row, parts=parts, media_type=media_type)
            except Exception:
                await _discard(uow, upload_id)
                drop_parts = True
                raise
            drop_parts = True
            return UploadState(upload_id=upload_id, offset=end, length=row.length, bukti=bukti)
    finally:
        if drop_parts:
            await _drop_parts(deps, upload_id)


async def _discard(uow: ObservationUnitOfWork, upload_id: uuid.UUID) -> None:
    """A refused upload leaves nothing behind: its row goes in its own commit, its parts right after."""
    await uow.rollback()
    await uow.unggahan.remove(upload_id)
    await uow.commit()


async def _drop_parts(deps: Deps, upload_id: uuid.UUID) -> None:
    try:
        for key in await deps.storage.keys(parts_prefix(str(upload_id))):
            await deps.storage.delete(key)
    except Exception:  # a leftover part costs space, never correctness: the row is what counts
        logger.warning("could not remove the parts of an upload", extra={"upload_id": str(upload_id)}, exc_info=True)


async def _finish(
    uow: ObservationUnitOfWork, deps: Deps, row: UnggahanRow, *, parts: list[int], media_type: str
) -> BuktiRow:
    pelaksanaan = await uow.pelaksanaan.get(row.pelaksanaan_id)
    assert pelaksanaan is not None  # foreign key
    pelaksanaan.check_can_add_bukti()  # closed or completed while the bytes were travelling: refused
    digest = hashlib.sha256()
    size = 0
    chunks = []
    for offset in sorted(parts):
        chunk = await deps.storage.get(part_key(str(row.id), offset))
        digest.update(chunk)
        size += len(chunk)
        chunks.append(chunk)
    if size != row.length:
        raise StateConflict(
            "the stored parts do not add up to the file; upload it again",
            rule="tus.parts_lost",
            field="Upload-Offset",
        )
    periode = await uow.roster.periode(pelaksanaan.periode)
    mulai, selesai = date.fromisoformat(periode.snapshot["mulai"]), date.fromisoformat(periode.snapshot["selesai"])
    kind = rules.KATEGORI[row.kategori]
    at = deps.clock.now()
    bukti = BuktiRow(
        id=uuid.uuid4(),
        pelaksanaan_id=row.pelaksanaan_id,
        pegawai_id=row.pegawai_id,
        periode=pelaksanaan.periode,
        kategori=row.kategori,
        sumber="unggah",
        nama_file=row.nama_file,
        media_type=media_type,
        size_bytes=size,
        sha256=digest.hexdigest(),
        tanggal_dokumen=row.tanggal_dokumen,
        outside_period=rules.outside_period(kind, row.tanggal_dokumen, mulai=mulai, selesai=selesai),
        added_by=row.pegawai_id,
        created_at=at,
    )
    bukti.storage_key = bukti_key(str(row.pelaksanaan_id), str(bukti.id))
    await deps.storage.put(bukti.storage_key, b"".join(chunks))
    uow.bukti.add(bukti)
    uow.record(_bukti_added(pelaksanaan, bukti, at))
    await uow.unggahan.remove(row.id)
    await uow.commit()
    return bukti


def summary(context: Context) -> dict[str, Any]:
    """What the cycle's reader sees of its evidence."""
    return {
        "evidence_mode": context.evidence_mode.value,
        "bukti_count": len(context.counted_bukti()),
        "dokumen_ks_kurang": context.dokumen_ks_kurang(),
    }
