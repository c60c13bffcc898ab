"""An upload in progress: where it may go on, when its content is judged, and what starting one requires."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from observation.domain.bukti import KATEGORI, UploadTooLarge
from observation.domain.unggahan import Unggahan
from pmm_kernel.errors import InvalidValue, StateConflict

PDF = b"%PDF-1.7\n"  # 9 bytes: more than the 8 sniffed


def upload(length: int = 20, **given) -> Unggahan:
    return Unggahan(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "modul_ajar", "m.pdf", None, length=length, **given)


@pytest.mark.parametrize(
    ("chunks", "media_type", "head"),
    [
        ([PDF + b"x" * 11], "application/pdf", PDF[:8]),  # judged on the first chunk
        ([b"%PD", b"F-1.7\n" + b"x" * 11], "application/pdf", PDF[:8]),  # judged once 8 bytes are in
        ([b"%PD"], None, b"%PD"),  # not yet: too few bytes
    ],
)
def test_the_content_is_judged_as_soon_as_enough_bytes_are_in(chunks, media_type, head):
    u = upload()
    for chunk in chunks:
        u.receive(u.offset, chunk)
    assert (u.media_type, u.head, u.offset) == (media_type, head, sum(map(len, chunks)))
    assert u.parts == tuple(sum(map(len, chunks[:i])) for i in range(len(chunks)))


def test_a_file_shorter_than_the_sniffed_bytes_is_judged_with_its_last_byte():
    u = upload(length=4)
    with pytest.raises(InvalidValue) as refused:
        u.receive(0, b"%PDF")
    assert refused.value.rule == "bukti.type_not_allowed"
    assert (u.offset, u.parts, u.media_type) == (0, (), None)  # nothing moved


@pytest.mark.parametrize(
    ("offset", "size", "error", "rule"),
    [
        (3, 1, StateConflict, "tus.offset_mismatch"),
        (0, 21, UploadTooLarge, "tus.beyond_length"),
    ],
)
def test_a_chunk_continues_where_the_stored_bytes_end_within_the_length(offset, size, error, rule):
    with pytest.raises(error) as refused:
        upload().check_chunk(offset, size)
    assert refused.value.rule == rule


def test_complete_and_assembled():
    u = upload(length=9)
    assert not u.complete
    u.receive(0, PDF)
    assert u.complete
    u.check_assembled(9)
    with pytest.raises(StateConflict) as lost:
        u.check_assembled(8)
    assert lost.value.rule == "tus.parts_lost"


@pytest.mark.parametrize(
    ("kategori", "tanggal", "kept"),
    [
        ("sertifikat", date(2024, 2, 1), date(2024, 2, 1)),
        ("modul_ajar", date(2024, 2, 1), date(2024, 2, 1)),
        ("lainnya", None, None),
    ],
)
def test_the_upload_keeps_its_document_date(kategori, tanggal, kept):
    started = Unggahan.start(
        id=uuid.uuid4(),
        pelaksanaan_id=uuid.uuid4(),
        pegawai_id=uuid.uuid4(),
        kind=KATEGORI[kategori],
        filename=" m.pdf ",
        tanggal=tanggal,
        length=10,
        max_bytes=10,
        mulai=date(2024, 1, 1),
        today=date(2024, 2, 5),
    )
    assert (started.tanggal_dokumen, started.nama_file, started.offset, started.kategori) == (
        kept,
        "m.pdf",
        0,
        kategori,
    )
