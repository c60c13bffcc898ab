"""Bukti dukung as use cases: the atasan's confirmation (2025+), resumable uploads (2024), and what a refused
upload leaves behind (nothing)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import date

import pytest

from observation.domain.bukti import UploadTooLarge
from observation.domain.events import BuktiAdded
from observation.domain.pelaksanaan import Tahap
from observation.domain.storage import part_key
from observation.usecases import bukti as evidence
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound, OutsideWindow, StateConflict
from services.observation.tests.unit.fakes import World, actor

PDF = b"%PDF-1.7\n" + b"x" * 91  # 100 bytes


# --- the atasan's confirmation (2025+) -----------------------------------------------------------------------


def confirm(pid: uuid.UUID, kategori: str = "modul_ajar", catatan: str | None = " ada di sekolah ") -> object:
    return evidence.KonfirmasiBukti(pelaksanaan_id=pid, kategori=kategori, catatan=catatan)


@pytest.fixture
def world_2025() -> World:
    world = World()
    world.today_is(date(2025, 3, 3))
    return world


async def test_the_atasan_confirms_a_document_once(world_2025: World):
    world = world_2025
    cycle = world.cycle(world.guru_id, "2025-T")
    done = await evidence.konfirmasi_bukti(confirm(cycle.id), uow=world.uow, deps=world.deps, actor=world.ks)
    assert done.new and (done.bukti.sumber, done.bukti.catatan, done.bukti.added_by) == (
        "konfirmasi",
        "ada di sekolah",
        world.ks_id,
    )
    (added,) = world.uow.published
    assert isinstance(added, BuktiAdded)
    assert (added.bukti_id, added.pelaksanaan_id, added.skp_id, added.kategori) == (
        done.bukti.id,
        cycle.id,
        cycle.skp_id,
        "modul_ajar",
    )
    assert world.uow.bukti.rows[done.bukti.id].pegawai_id == world.guru_id
    assert world.stored(cycle.id).version == cycle.version  # evidence does not move the cycle's ETag

    again = await evidence.konfirmasi_bukti(confirm(cycle.id), uow=world.uow, deps=world.deps, actor=world.ks)
    assert not again.new and again.bukti.id == done.bukti.id
    assert len(world.uow.published) == 1 and len(world.uow.bukti.rows) == 1


@pytest.mark.parametrize(
    ("who", "error", "rule"),
    [
        (lambda w: w.guru, Forbidden, "pelaksanaan.konfirmasi_bukti_forbidden"),
        (lambda w: actor(None, "operator", wilayah=""), Forbidden, "pelaksanaan.konfirmasi_bukti_forbidden"),
        (lambda w: w.pengawas, NotFound, "pelaksanaan.not_found"),
    ],
)
async def test_only_the_current_atasan_confirms(world_2025: World, who, error, rule):
    cycle = world_2025.cycle(world_2025.guru_id, "2025-T")
    with pytest.raises(error) as refused:
        await evidence.konfirmasi_bukti(
            confirm(cycle.id), uow=world_2025.uow, deps=world_2025.deps, actor=who(world_2025)
        )
    assert refused.value.rule == rule
    assert world_2025.uow.bukti.rows == {}


@pytest.mark.parametrize(
    ("periode", "tahap", "kategori", "today", "error", "rule"),
    [
        ("2024-S1", Tahap.OBSERVASI, "modul_ajar", date(2024, 2, 5), StateConflict, "bukti.confirmation_not_in_policy"),
        (
            "2025-T",
            Tahap.SELESAI,
            "modul_ajar",
            date(2025, 3, 3),
            StateConflict,
            "pelaksanaan.tambah_bukti_not_allowed_in_selesai",
        ),
        (
            "2025-T",
            Tahap.DITUTUP,
            "modul_ajar",
            date(2025, 3, 3),
            StateConflict,
            "pelaksanaan.tambah_bukti_not_allowed_in_ditutup",
        ),
        ("2025-T", Tahap.OBSERVASI, "modul_ajar", date(2025, 11, 1), OutsideWindow, "window.pelaksanaan"),
        ("2025-T", Tahap.OBSERVASI, "kosp", date(2025, 3, 3), InvalidValue, "bukti.kategori_ks_only"),
        ("2025-T", Tahap.OBSERVASI, "ijazah", date(2025, 3, 3), InvalidValue, "bukti.kategori_unknown"),
    ],
)
async def test_a_confirmation_is_refused(periode, tahap, kategori, today, error, rule):
    world = World()
    world.today_is(today)
    cycle = world.cycle(world.guru_id, periode, tahap=tahap)
    with pytest.raises(error) as refused:
        await evidence.konfirmasi_bukti(confirm(cycle.id, kategori), uow=world.uow, deps=world.deps, actor=world.ks)
    assert refused.value.rule == rule
    assert world.uow.bukti.rows == {} and world.uow.published == []


async def test_the_pengawas_confirms_a_kepala_sekolahs_own_documents(world_2025: World):
    cycle = world_2025.cycle(world_2025.ks_id, "2025-T")
    done = await evidence.konfirmasi_bukti(
        confirm(cycle.id, "kosp"), uow=world_2025.uow, deps=world_2025.deps, actor=world_2025.pengawas
    )
    assert done.new and done.bukti.kategori == "kosp"


# --- resumable uploads (2024) --------------------------------------------------------------------------------


MODUL_DATE = date(2024, 1, 15)


def start(pid: uuid.UUID, **given) -> evidence.StartUpload:
    values = {"length": len(PDF), "filename": "modul.pdf", "kategori": "modul_ajar", "tanggal": MODUL_DATE, **given}
    return evidence.StartUpload(pelaksanaan_id=pid, **values)


async def started(world: World, pid: uuid.UUID, **given) -> uuid.UUID:
    state = await evidence.start_upload(start(pid, **given), uow=world.uow, deps=world.deps, actor=world.guru)
    return state.upload_id


async def append(world: World, upload_id: uuid.UUID, offset: int, data: bytes, who=None):
    command = evidence.AppendUpload(upload_id=upload_id, offset=offset, data=data)
    return await evidence.append_upload(command, uow=world.uow, deps=world.deps, actor=who or world.guru)


async def test_an_upload_in_two_chunks_becomes_a_bukti_with_its_digest():
    world = World()
    cycle = world.cycle(world.guru_id, tahap=Tahap.OBSERVASI)
    upload_id = await started(world, cycle.id)
    assert world.uow.unggahan.rows[upload_id].offset == 0 and world.uow.published == []

    half = await append(world, upload_id, 0, PDF[:60])
    assert (half.offset, half.length, half.bukti) == (60, 100, None)
    assert world.uow.unggahan.rows[upload_id].media_type == "application/pdf"  # judged on the first bytes
    assert part_key(str(upload_id), 0) in world.storage.objects

    done = await append(world, upload_id, 60, PDF[60:])
    assert done.offset == 100 and done.bukti is not None
    bukti = world.uow.bukti.rows[done.bukti.id]
    assert (bukti.sha256, bukti.size_bytes, bukti.media_type, bukti.nama_file, bukti.sumber) == (
        hashlib.sha256(PDF).hexdigest(),
        100,
        "application/pdf",
        "modul.pdf",
        "unggah",
    )
    assert world.storage.objects == {bukti.storage_key: PDF}  # the parts are gone, the file is whole
    assert world.uow.unggahan.rows == {}
    (added,) = world.uow.published
    assert isinstance(added, BuktiAdded) and added.bukti_id == bukti.id and added.skp_id == cycle.skp_id


async def test_an_empty_chunk_changes_nothing():
    world = World()
    cycle = world.cycle(world.guru_id)
    upload_id = await started(world, cycle.id)
    state = await append(world, upload_id, 0, b"")
    assert (state.offset, state.bukti) == (0, None) and world.storage.objects == {}


@pytest.mark.parametrize(
    ("given", "error", "rule"),
    [
        ({"length": 1025}, UploadTooLarge, "bukti.too_large"),
        ({"length": 0}, InvalidValue, "bukti.empty"),
        ({"filename": "../modul.pdf"}, InvalidValue, "bukti.filename_path"),
        ({"kategori": None}, InvalidValue, "bukti.kategori_unknown"),
        ({"kategori": "rkt"}, InvalidValue, "bukti.kategori_ks_only"),
        ({"kategori": "sertifikat", "tanggal": None}, InvalidValue, "bukti.tanggal_required"),
        ({"kategori": "modul_ajar", "tanggal": None}, InvalidValue, "bukti.tanggal_required"),
        ({"tanggal": date(2024, 2, 6)}, InvalidValue, "bukti.tanggal_future"),
        ({"tanggal": date(2023, 12, 31)}, InvalidValue, "bukti.tanggal_before_period"),
    ],
)
async def test_an_upload_that_cannot_be_evidence_does_not_start(given, error, rule):
    world = World()
    cycle = world.cycle(world.guru_id)
    with pytest.raises(error) as refused:
        await started(world, cycle.id, **given)
    assert refused.value.rule == rule
    assert world.uow.unggahan.rows == {}


@pytest.mark.parametrize(
    ("who", "periode", "today", "error", "rule"),
    [
        (lambda w: w.ks, "2024-S1", date(2024, 2, 5), Forbidden, "pelaksanaan.unggah_bukti_forbidden"),
        (lambda w: w.pengawas, "2024-S1", date(2024, 2, 5), NotFound, "pelaksanaan.not_found"),
        (lambda w: w.guru, "2025-T", date(2025, 3, 3), StateConflict, "bukti.upload_not_in_policy"),
        (lambda w: w.guru, "2024-S1", date(2024, 6, 1), OutsideWindow, "window.pelaksanaan"),
    ],
)
async def test_only_the_pegawai_uploads_under_a_policy_with_uploads_inside_the_window(who, periode, today, error, rule):
    world = World()
    world.today_is(today)
    cycle = world.cycle(world.guru_id, periode)
    command = start(cycle.id)
    with pytest.raises(error) as refused:
        await evidence.start_upload(command, uow=world.uow, deps=world.deps, actor=who(world))
    assert refused.value.rule == rule


async def test_an_upload_started_in_time_may_finish_after_the_close():
    world = World()
    cycle = world.cycle(world.guru_id)
    world.today_is(date(2024, 5, 30))
    upload_id = await started(world, cycle.id)
    world.today_is(date(2024, 6, 2))
    assert (await append(world, upload_id, 0, PDF)).bukti is not None


@pytest.mark.parametrize(
    ("tanggal", "outside"),
    [(date(2024, 2, 5), False), (date(2023, 12, 31), True), (date(2024, 1, 1), False), (date(2022, 7, 1), True)],
)
async def test_a_certificate_dated_outside_the_period_is_kept_but_does_not_count(tanggal, outside):
    world = World()
    cycle = world.cycle(world.guru_id)
    upload_id = await started(world, cycle.id, kategori="sertifikat", tanggal=tanggal)
    done = await append(world, upload_id, 0, PDF)
    assert done.bukti is not None and done.bukti.outside_period is outside and done.bukti.counts is not outside
    assert world.uow.published[0].tanggal_dokumen == tanggal


async def test_a_modul_ajar_keeps_its_document_date():
    world = World()
    cycle = world.cycle(world.guru_id)
    upload_id = await started(world, cycle.id)
    done = await append(world, upload_id, 0, PDF)
    assert done.bukti is not None and done.bukti.tanggal_dokumen == MODUL_DATE and done.bukti.counts
    assert world.uow.bukti.rows[done.bukti.id].tanggal_dokumen == MODUL_DATE


async def test_a_chunk_at_the_wrong_offset_or_past_the_end_is_refused_and_the_upload_stays():
    world = World()
    cycle = world.cycle(world.guru_id)
    upload_id = await started(world, cycle.id)
    await append(world, upload_id, 0, PDF[:10])
    with pytest.raises(StateConflict) as mismatch:
        await append(world, upload_id, 5, PDF[5:20])
    assert (mismatch.value.rule, mismatch.value.extra) == ("tus.offset_mismatch", {"upload_offset": 10})
    with pytest.raises(UploadTooLarge) as beyond:
        await append(world, upload_id, 10, PDF[10:] + b"more")
    assert beyond.value.rule == "tus.beyond_length"
    assert world.uow.unggahan.rows[upload_id].offset == 10


async def test_someone_elses_upload_does_not_exist():
    world = World()
    upload_id = await started(world, world.cycle(world.guru_id).id)
    with pytest.raises(NotFound) as refused:
        await append(world, upload_id, 0, PDF, who=world.ks)
    assert refused.value.rule == "unggahan.not_found"
    with pytest.raises(NotFound):
        await append(world, uuid.uuid4(), 0, PDF)


async def test_content_that_is_no_evidence_is_refused_and_leaves_nothing_behind():
    world = World()
    upload_id = await started(world, world.cycle(world.guru_id).id)
    await append(world, upload_id, 0, b"MZ")  # too short to judge yet
    with pytest.raises(InvalidValue) as refused:
        await append(world, upload_id, 2, b"\x90\x00\x03\x00\x00\x00" + b"x" * 92)
    assert refused.value.rule == "bukti.type_not_allowed"
    assert world.uow.unggahan.rows == {} and world.storage.objects == {} and world.uow.published == []


async def test_a_cycle_closed_while_the_bytes_travelled_refuses_the_last_one():
    world = World()
    cycle = world.cycle(world.guru_id)
    upload_id = await started(world, cycle.id)
    world.stored(cycle.id).tahap = Tahap.DITUTUP  # planning's reset arrived meanwhile
    with pytest.raises(StateConflict) as refused:
        await append(world, upload_id, 0, PDF)
    assert refused.value.rule == "pelaksanaan.tambah_bukti_not_allowed_in_ditutup"
    assert world.uow.unggahan.rows == {} and world.storage.objects == {} and world.uow.bukti.rows == {}


async def test_a_lost_part_means_uploading_again():
    world = World()
    upload_id = await started(world, world.cycle(world.guru_id).id)
    await append(world, upload_id, 0, PDF[:50])
    del world.storage.objects[part_key(str(upload_id), 0)]
    with pytest.raises(KeyError):
        await append(world, upload_id, 50, PDF[50:])
    assert world.uow.unggahan.rows == {} and world.uow.bukti.rows == {}


async def test_parts_that_do_not_add_up_are_refused():
    world = World()
    upload_id = await started(world, world.cycle(world.guru_id).id)
    await append(world, upload_id, 0, PDF[:50])
    world.storage.objects[part_key(str(upload_id), 0)] = PDF[:40]  # a part shorter than what was acknowledged
    with pytest.raises(StateConflict) as refused:
        await append(world, upload_id, 50, PDF[50:])
    assert refused.value.rule == "tus.parts_lost"
    assert world.uow.unggahan.rows == {} and world.uow.bukti.rows == {}


async def test_parts_that_cannot_be_removed_are_left_with_a_warning(caplog):
    world = World()
    upload_id = await started(world, world.cycle(world.guru_id).id)
    world.storage.fail_listing = True
    with caplog.at_level(logging.WARNING, logger="observation.usecases.bukti"):
        done = await append(world, upload_id, 0, PDF)
    assert done.bukti is not None and world.uow.bukti.rows
    assert "could not remove the parts" in caplog.text


async def test_a_part_a_transfer_ended_takes_no_new_bukti(world_2025: World):
    cycle = world_2025.cycle(world_2025.guru_id, "2025-T", tahap=Tahap.OBSERVASI, selesai=date(2025, 3, 1))
    with pytest.raises(StateConflict) as refused:
        await evidence.konfirmasi_bukti(
            confirm(cycle.id), uow=world_2025.uow, deps=world_2025.deps, actor=world_2025.ks
        )
    assert refused.value.rule == "pelaksanaan.berakhir"
    assert world_2025.uow.bukti.rows == {}
