"""Bukti dukung: the atasan's confirmation (2025+ policy) and resumable uploads (tus 1.0, 2024 policy).

Which of the two a period allows is the period's policy flag (`domain/bukti.evidence_mode`), never the year. An
upload is window-checked when it is created; once started it may finish after the close (a slow link at the
deadline). A refused upload leaves nothing behind: neither its row nor its parts.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date

from observation.db.uow import ObservationUnitOfWork
from observation.domain import bukti as rules
from observation.domain.access import KONFIRMASI_BUKTI, UNGGAH_BUKTI, Actor, require_allowed, require_uploader
from observation.domain.bukti import Bukti
from observation.domain.storage import part_key, parts_prefix
from observation.domain.unggahan import Unggahan
from observation.usecases import Deps
from observation.usecases.cycle import load_cycle, period_dates
from observation.usecases.views import UploadState
from pmm_kernel.clock import today
from pmm_kernel.errors import InvalidValue

logger = logging.getLogger(__name__)


# --- the atasan's confirmation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KonfirmasiBukti:
    pelaksanaan_id: uuid.UUID
    kategori: str
    catatan: str | None


@dataclass(frozen=True)
class Confirmation:
    bukti: Bukti
    new: bool  # False: the document was confirmed before, and that confirmation stands


async def konfirmasi_bukti(
    cmd: KonfirmasiBukti, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor
) -> Confirmation:
    """The atasan confirms a document exists at school. Confirming it again changes nothing."""
    async with uow:
        cycle = await load_cycle(cmd.pelaksanaan_id, uow=uow, deps=deps, actor=actor, for_update=True)
        require_allowed(cycle.relation, KONFIRMASI_BUKTI)
        cycle.pelaksanaan.check_can_add_bukti()
        rules.require_mode(cycle.evidence_mode, rules.EvidenceMode.KONFIRMASI)
        cycle.check_window(today(deps.clock))
        kind = rules.kategori(cmd.kategori, is_kepala_sekolah=cycle.is_kepala_sekolah)
        existing = await uow.bukti.confirmation(cmd.pelaksanaan_id, kind.kode)
        if existing is not None:
            return Confirmation(existing, new=False)
        assert actor.pegawai_id is not None  # require_allowed: only the current atasan gets here
        bukti = Bukti.confirmed(
            id=uuid.uuid4(),
            pelaksanaan_id=cycle.pelaksanaan.id,
            skp_id=cycle.pelaksanaan.skp_id,
            pegawai_id=cycle.pegawai.pegawai_id,
            periode=cycle.pelaksanaan.periode,
            kind=kind,
            catatan=cmd.catatan,
            atasan_id=actor.pegawai_id,
            at=deps.clock.now(),
        )
        uow.bukti.add(bukti)
        await uow.commit()
    return Confirmation(bukti, new=True)


# --- resumable uploads (tus 1.0) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StartUpload:
    pelaksanaan_id: uuid.UUID
    length: int
    filename: str | None
    kategori: str | None
    tanggal: date | None  # the document date (docs/domain.md §5): required for the kinds that carry one


async def start_upload(cmd: StartUpload, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> UploadState:
    async with uow:
        cycle = await load_cycle(cmd.pelaksanaan_id, uow=uow, deps=deps, actor=actor)
        require_allowed(cycle.relation, UNGGAH_BUKTI)
        cycle.pelaksanaan.check_can_add_bukti()
        rules.require_mode(cycle.evidence_mode, rules.EvidenceMode.UNGGAH)
        cycle.check_window(today(deps.clock))
        kind = rules.kategori(cmd.kategori or "", is_kepala_sekolah=cycle.is_kepala_sekolah)
        mulai, _ = cycle.period_dates()
        upload = Unggahan.start(
            id=uuid.uuid4(),
            pelaksanaan_id=cycle.pelaksanaan.id,
            pegawai_id=cycle.pegawai.pegawai_id,
            kind=kind,
            filename=cmd.filename,
            tanggal=cmd.tanggal,
            length=cmd.length,
            max_bytes=deps.upload_max_bytes,
            mulai=mulai,
            today=today(deps.clock),
        )
        uow.unggahan.add(upload)
        await uow.commit()
    return UploadState(upload_id=upload.id, offset=upload.offset, length=upload.length)


@dataclass(frozen=True)
class AppendUpload:
    upload_id: uuid.UUID
    offset: int
    data: bytes


async def append_upload(cmd: AppendUpload, *, uow: ObservationUnitOfWork, deps: Deps, actor: Actor) -> UploadState:
    """Store one chunk at `offset`; the chunk that completes the file turns the upload into a bukti."""
    drop_parts = False
    try:
        async with uow:
            upload = require_uploader(actor, await uow.unggahan.get(cmd.upload_id, for_update=True))
            upload.check_chunk(cmd.offset, len(cmd.data))
            if not cmd.data:
                return UploadState(upload_id=upload.id, offset=upload.offset, length=upload.length)
            try:
                upload.receive(cmd.offset, cmd.data)  # what is checked already passed: only the content is left
            except InvalidValue:
                await _discard(uow, upload.id)
                drop_parts = True
                raise
            await deps.storage.put(part_key(str(upload.id), cmd.offset), cmd.data)
            if not upload.complete:
                await uow.unggahan.save(upload)
                await uow.commit()
                return UploadState(upload_id=upload.id, offset=upload.offset, length=upload.length)
            try:
                bukti = await _finish(upload, uow=uow, deps=deps)
            except Exception:
                await _discard(uow, upload.id)
                drop_parts = True
                raise
            drop_parts = True
            return UploadState(upload_id=upload.id, offset=upload.offset, length=upload.length, bukti=bukti)
    finally:
        if drop_parts:
            await _drop_parts(deps, cmd.upload_id)


async def _finish(upload: Unggahan, *, uow: ObservationUnitOfWork, deps: Deps) -> Bukti:
    pelaksanaan = await uow.pelaksanaan.get(upload.pelaksanaan_id)
    assert pelaksanaan is not None  # foreign key
    pelaksanaan.check_can_add_bukti()  # closed or completed while the bytes were travelling: refused
    digest = hashlib.sha256()
    chunks = []
    for offset in sorted(upload.parts):
        chunk = await deps.storage.get(part_key(str(upload.id), offset))
        digest.update(chunk)
        chunks.append(chunk)
    upload.check_assembled(sum(len(chunk) for chunk in chunks))
    mulai, selesai = period_dates(await uow.roster.periode(pelaksanaan.periode))
    assert upload.media_type is not None  # sniffed at the latest with the last byte
    bukti = Bukti.uploaded(
        id=uuid.uuid4(),
        pelaksanaan_id=upload.pelaksanaan_id,
        skp_id=pelaksanaan.skp_id,
        pegawai_id=upload.pegawai_id,
        periode=pelaksanaan.periode,
        kind=rules.KATEGORI[upload.kategori],
        nama_file=upload.nama_file,
        media_type=upload.media_type,
        size_bytes=upload.length,
        sha256=digest.hexdigest(),
        tanggal_dokumen=upload.tanggal_dokumen,
        mulai=mulai,
        selesai=selesai,
        at=deps.clock.now(),
    )
    assert bukti.storage_key is not None
    await deps.storage.put(bukti.storage_key, b"".join(chunks))
    uow.bukti.add(bukti)
    await uow.unggahan.remove(upload.id)
    await uow.commit()
    return bukti


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
