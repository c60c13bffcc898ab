"""Evidence rules: content by magic bytes, certificate dates, the policy's mode, names, lengths, offsets."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from observation.domain import bukti
from observation.domain.events import BuktiAdded
from pmm_kernel.errors import InvalidValue, StateConflict

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
AT = datetime(2024, 2, 5, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"\xff\xd8\xff\xdb", "image/jpeg"),  # JPEG without JFIF
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows executable
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"PK\x03\x04\x14\x00", None),  # a zip (or .docx) is not accepted evidence
        (b"GIF89a\x01\x00", None),
        (b"<html><script>", None),
        (b"", None),  # empty
        (b"%PDF", None),  # cut before the magic is complete
        (b" %PDF-1.7", None),  # the magic must be at the start
        (b"\x89PNG\r\n", None),
    ],
)
def test_the_media_type_is_read_from_the_content(head: bytes, media_type: str | None):
    assert bukti.detect_media_type(head) == media_type
    if media_type is None:
        with pytest.raises(InvalidValue) as refused:
            bukti.require_allowed_content(head)
        assert (refused.value.rule, refused.value.field) == ("bukti.type_not_allowed", "file")
    else:
        assert bukti.require_allowed_content(head) == media_type


def test_a_pdf_named_png_is_a_pdf_the_name_plays_no_part():
    # The name never reaches detection: only the bytes do. A PDF sent as "scan.png" is stored as a PDF.
    assert bukti.check_filename("scan.png") == "scan.png"
    assert bukti.detect_media_type(PDF) == "application/pdf"


def test_sniffing_needs_no_more_than_the_longest_magic():
    assert bukti.SNIFF_BYTES == 8


MULAI, SELESAI = date(2024, 1, 1), date(2024, 6, 30)


@pytest.mark.parametrize(
    ("kategori", "tanggal", "outside"),
    [
        ("sertifikat", date(2024, 1, 1), False),  # first day of the period
        ("sertifikat", date(2024, 6, 30), False),  # last day
        ("sertifikat", date(2023, 12, 31), True),
        ("sertifikat", date(2024, 7, 1), True),
        ("modul_ajar", date(2020, 1, 1), False),  # only a certificate is flagged (a modul ajar is refused instead)
        ("modul_ajar", None, False),
        ("kosp", None, False),
    ],
)
def test_a_certificate_outside_the_period_is_flagged(kategori, tanggal, outside):
    kind = bukti.kategori(kategori, is_kepala_sekolah=True)
    assert bukti.outside_period(kind, tanggal, mulai=MULAI, selesai=SELESAI) is outside


TODAY = date(2024, 2, 5)


@pytest.mark.parametrize(
    ("kategori", "tanggal", "expected"),
    [
        ("sertifikat", None, "bukti.tanggal_required"),
        ("modul_ajar", None, "bukti.tanggal_required"),
        ("kosp", None, "bukti.tanggal_required"),
        ("rkt", None, "bukti.tanggal_required"),
        ("laporan_satuan_pendidikan", None, "bukti.tanggal_required"),
        ("lainnya", None, None),  # no document date for this kind
        ("dokumen_observasi", None, None),
        ("rangkuman_kehadiran_guru", None, None),
        ("modul_ajar", TODAY, TODAY),  # today is not the future
        ("modul_ajar", date(2024, 2, 6), "bukti.tanggal_future"),
        ("sertifikat", date(2024, 2, 6), "bukti.tanggal_future"),
        ("lainnya", date(2024, 2, 6), "bukti.tanggal_future"),  # a date given is checked all the same
        ("lainnya", date(2024, 1, 3), date(2024, 1, 3)),  # ... and kept
        ("modul_ajar", MULAI, MULAI),  # the period's first day
        ("modul_ajar", date(2023, 12, 31), "bukti.tanggal_before_period"),
        # The school year's KOSP, signed in July, serves the January-June period: accepted, not flagged.
        ("kosp", date(2023, 7, 17), date(2023, 7, 17)),
        ("rkt", date(2023, 12, 20), date(2023, 12, 20)),
        ("sertifikat", date(2023, 12, 31), date(2023, 12, 31)),  # kept, and flagged as outside the period
    ],
)
def test_the_document_date_by_kind(kategori, tanggal, expected):
    kind = bukti.KATEGORI[kategori]
    if isinstance(expected, str):
        with pytest.raises(InvalidValue) as refused:
            bukti.check_tanggal_dokumen(kind, tanggal, mulai=MULAI, today=TODAY)
        assert (refused.value.rule, refused.value.field) == (expected, "tanggal_dokumen")
        return
    assert bukti.check_tanggal_dokumen(kind, tanggal, mulai=MULAI, today=TODAY) == expected


def test_the_kinds_with_a_document_date_are_data():
    assert bukti.DATED == ("sertifikat", "modul_ajar", "kosp", "rkt", "laporan_satuan_pendidikan")


@pytest.mark.parametrize(
    ("evidence_upload", "wanted", "rule"),
    [
        (True, bukti.EvidenceMode.UNGGAH, None),
        (True, bukti.EvidenceMode.KONFIRMASI, "bukti.confirmation_not_in_policy"),
        (False, bukti.EvidenceMode.KONFIRMASI, None),
        (False, bukti.EvidenceMode.UNGGAH, "bukti.upload_not_in_policy"),
    ],
)
def test_the_policy_flag_decides_the_evidence_mode(evidence_upload, wanted, rule):
    mode = bukti.evidence_mode(evidence_upload)
    if rule is None:
        bukti.require_mode(mode, wanted)
        return
    with pytest.raises(StateConflict) as refused:
        bukti.require_mode(mode, wanted)
    assert refused.value.rule == rule


@pytest.mark.parametrize(
    ("kategori", "is_ks", "rule"),
    [
        ("kosp", True, None),
        ("rangkuman_kehadiran_guru", True, None),
        ("kosp", False, "bukti.kategori_ks_only"),
        ("modul_ajar", False, None),
        ("ijazah", False, "bukti.kategori_unknown"),
    ],
)
def test_categories(kategori, is_ks, rule):
    if rule is None:
        assert bukti.kategori(kategori, is_kepala_sekolah=is_ks).kode == kategori
        return
    with pytest.raises(InvalidValue) as refused:
        bukti.kategori(kategori, is_kepala_sekolah=is_ks)
    assert (refused.value.rule, refused.value.field) == (rule, "kategori")


def test_the_four_accountability_documents_of_a_principal():
    assert bukti.DOKUMEN_KS == ("kosp", "rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru")
    assert bukti.missing_dokumen_ks({"kosp", "rkt", "modul_ajar"}) == [
        "laporan_satuan_pendidikan",
        "rangkuman_kehadiran_guru",
    ]
    assert bukti.missing_dokumen_ks(set(bukti.DOKUMEN_KS)) == []
    assert bukti.is_kepala_sekolah("Kepala Sekolah") and not bukti.is_kepala_sekolah("Guru Mapel")


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("modul ajar (final).pdf", None),
        ("Sertifikat_Guru_Penggerak.PDF", None),
        ("", "bukti.filename_required"),
        ("   ", "bukti.filename_required"),
        ("../modul.pdf", "bukti.filename_path"),
        ("a/b.pdf", "bukti.filename_path"),
        ("C:\\dokumen\\b.pdf", "bukti.filename_path"),
        ("..", "bukti.filename_path"),
        ("modul\x00.pdf", "bukti.filename_invalid"),
        ("x" * 201, "bukti.filename_invalid"),
    ],
)
def test_file_names(name, rule):
    if rule is None:
        assert bukti.check_filename(name) == name.strip()
        return
    with pytest.raises(InvalidValue) as refused:
        bukti.check_filename(name)
    assert (refused.value.rule, refused.value.field) == (rule, "filename")


@pytest.mark.parametrize(
    ("length", "error", "rule"),
    [
        (1, None, None),
        (100, None, None),
        (0, InvalidValue, "bukti.empty"),
        (101, bukti.UploadTooLarge, "bukti.too_large"),
    ],
)
def test_lengths(length, error, rule):
    if error is None:
        bukti.check_length(length, max_bytes=100)
        return
    with pytest.raises(error) as refused:
        bukti.check_length(length, max_bytes=100)
    assert refused.value.rule == rule and refused.value.field == "Upload-Length"


def test_offsets_and_chunks_past_the_end():
    bukti.check_offset(10, 10)
    with pytest.raises(StateConflict) as wrong:
        bukti.check_offset(0, 10)
    assert wrong.value.rule == "tus.offset_mismatch" and wrong.value.extra == {"upload_offset": 10}
    bukti.check_within_length(90, 10, 100)
    with pytest.raises(bukti.UploadTooLarge) as past:
        bukti.check_within_length(90, 11, 100)
    assert past.value.rule == "tus.beyond_length"


def _bukti(kategori: str, *, outside: bool = False) -> bukti.Bukti:
    return bukti.Bukti(
        id=uuid.uuid4(),
        pelaksanaan_id=uuid.uuid4(),
        pegawai_id=uuid.uuid4(),
        periode="2024-S1",
        kategori=kategori,
        sumber="unggah",
        added_by=uuid.uuid4(),
        created_at=AT,
        outside_period=outside,
    )


@pytest.mark.parametrize(
    ("given", "is_ks", "counted", "kurang"),
    [
        ([], False, 0, []),
        ([], True, 0, list(bukti.DOKUMEN_KS)),
        ([("kosp", False), ("rkt", True)], True, 1, ["rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru"]),
        ([(k, False) for k in bukti.DOKUMEN_KS], True, 4, []),
        ([("sertifikat", True), ("modul_ajar", False)], False, 1, []),  # a guru lacks no principal's document
    ],
)
def test_what_counts_and_what_a_principal_still_lacks(given, is_ks, counted, kurang):
    items = [_bukti(k, outside=o) for k, o in given]
    assert len(bukti.counted(items)) == counted
    assert bukti.dokumen_ks_kurang(items, is_kepala_sekolah=is_ks) == kurang


def test_a_bukti_says_it_was_added_with_references_and_plain_values():
    ids = {"id": uuid.uuid4(), "pelaksanaan_id": uuid.uuid4(), "skp_id": uuid.uuid4(), "pegawai_id": uuid.uuid4()}
    uploaded = bukti.Bukti.uploaded(
        **ids,
        periode="2024-S1",
        kind=bukti.KATEGORI["sertifikat"],
        nama_file="s.pdf",
        media_type="application/pdf",
        size_bytes=10,
        sha256="ab" * 32,
        tanggal_dokumen=date(2023, 12, 1),
        mulai=date(2024, 1, 1),
        selesai=date(2024, 6, 30),
        at=AT,
    )
    assert uploaded.storage_key == f"bukti/{ids['pelaksanaan_id']}/{ids['id']}"
    assert uploaded.outside_period and not uploaded.counts and uploaded.added_by == ids["pegawai_id"]
    (added,) = uploaded.events
    assert (added.bukti_id, added.skp_id, added.outside_period, added.sha256, added.at) == (
        ids["id"],
        ids["skp_id"],
        True,
        "ab" * 32,
        AT,
    )
    confirmed = bukti.Bukti.confirmed(
        **ids,
        periode="2025-T",
        kind=bukti.KATEGORI["kosp"],
        catatan="   ",
        atasan_id=ids["pegawai_id"],
        at=AT,
    )
    assert (confirmed.sumber, confirmed.catatan, confirmed.storage_key, confirmed.counts) == (
        "konfirmasi",
        None,
        None,
        True,
    )
    assert [type(e) for e in confirmed.events] == [BuktiAdded]
