"""Bukti dukung (evidence) by policy year, the bukti itself, and the rules of an upload (docs/domain.md §3, §5).

What a period allows is DATA: the period snapshot's `evidence_upload` flag (from planning's policy file) picks the
mode, never the year. 2024: the pegawai uploads PDF/JPEG/PNG, checked by content (magic bytes, not the name or the
declared type), a certificate dated outside the period is kept but flagged and does not count. 2025 onwards: no
uploads; the atasan confirms that the documents exist at school.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from observation.domain.events import BuktiAdded
from observation.domain.storage import bukti_key
from pmm_kernel.errors import InvalidValue, StateConflict


class EvidenceMode(StrEnum):
    UNGGAH = "unggah"  # files are uploaded
    KONFIRMASI = "konfirmasi"  # the atasan confirms the documents exist at school


# The period snapshot's `evidence_upload` flag -> the mode. One table, so a third policy is a row, not an `if`.
MODE_BY_UPLOAD_FLAG: dict[bool, EvidenceMode] = {True: EvidenceMode.UNGGAH, False: EvidenceMode.KONFIRMASI}


def evidence_mode(evidence_upload: bool) -> EvidenceMode:
    return MODE_BY_UPLOAD_FLAG[evidence_upload]


# What each mode refuses, with the rule the refusal names.
_REFUSED: dict[tuple[EvidenceMode, EvidenceMode], tuple[str, str]] = {
    (EvidenceMode.KONFIRMASI, EvidenceMode.UNGGAH): (
        "bukti.upload_not_in_policy",
        "this period's policy has no uploads: the atasan confirms the documents exist at school",
    ),
    (EvidenceMode.UNGGAH, EvidenceMode.KONFIRMASI): (
        "bukti.confirmation_not_in_policy",
        "this period's policy asks for the documents to be uploaded, not confirmed",
    ),
}


def require_mode(period_mode: EvidenceMode, wanted: EvidenceMode) -> None:
    if period_mode is wanted:
        return
    rule, detail = _REFUSED[(period_mode, wanted)]
    raise StateConflict(detail, rule=rule, field="periode", extra={"evidence_mode": period_mode.value})


class LuarPeriode(StrEnum):
    """What a document dated before the period's start means, by kind (docs/domain.md §5)."""

    DITANDAI = "ditandai"  # kept but flagged, and it does not count (a certificate from an earlier training)
    DITOLAK = "ditolak"  # refused: the document is the period's own work
    DITERIMA = "diterima"  # accepted: a school-year document signed before the period it serves (a KOSP in July)


@dataclass(frozen=True)
class Kategori:
    kode: str
    nama: str
    dated: bool  # the document carries a date (`tanggal_dokumen`), which an upload must give
    dokumen_ks: bool  # one of the kepala sekolah's four accountability documents
    sebelum_periode: LuarPeriode = LuarPeriode.DITOLAK


# Which kinds carry a document date is DATA (docs/domain.md §8): the sources only say a certificate's date decides
# whether it belongs to the period. Assumed: a modul ajar and the kepala sekolah's KOSP, RKT and laporan satuan
# pendidikan are dated when they are made or signed; the observation's own forms are dated by the cycle itself, a
# recap of attendance spans the period, and "lainnya" is anything.
KATEGORI: dict[str, Kategori] = {
    k.kode: k
    for k in (
        Kategori(
            "sertifikat",
            "Sertifikat pelatihan / pengembangan kompetensi",
            dated=True,
            dokumen_ks=False,
            sebelum_periode=LuarPeriode.DITANDAI,
        ),
        Kategori("modul_ajar", "Modul ajar / perangkat pembelajaran", dated=True, dokumen_ks=False),
        Kategori("dokumen_observasi", "Dokumen observasi dan tindak lanjut", dated=False, dokumen_ks=False),
        Kategori("lainnya", "Bukti dukung lainnya", dated=False, dokumen_ks=False),
        Kategori(
            "kosp",
            "Kurikulum Operasional Satuan Pendidikan (KOSP)",
            dated=True,
            dokumen_ks=True,
            sebelum_periode=LuarPeriode.DITERIMA,
        ),
        Kategori(
            "rkt", "Rencana Kerja Tahunan (RKT)", dated=True, dokumen_ks=True, sebelum_periode=LuarPeriode.DITERIMA
        ),
        Kategori(
            "laporan_satuan_pendidikan",
            "Laporan Satuan Pendidikan",
            dated=True,
            dokumen_ks=True,
            sebelum_periode=LuarPeriode.DITERIMA,
        ),
        Kategori("rangkuman_kehadiran_guru", "Rangkuman Kehadiran Guru", dated=False, dokumen_ks=True),
    )
}
DATED: tuple[str, ...] = tuple(k for k, v in KATEGORI.items() if v.dated)
DOKUMEN_KS: tuple[str, ...] = tuple(k for k, v in KATEGORI.items() if v.dokumen_ks)


def kategori(kode: str, *, is_kepala_sekolah: bool, field: str = "kategori") -> Kategori:
    found = KATEGORI.get(kode)
    if found is None:
        raise InvalidValue(f"kategori must be one of {', '.join(KATEGORI)}", rule="bukti.kategori_unknown", field=field)
    if found.dokumen_ks and not is_kepala_sekolah:
        raise InvalidValue(
            "this document is a kepala sekolah's accountability document", rule="bukti.kategori_ks_only", field=field
        )
    return found


def missing_dokumen_ks(counted_kategori: set[str]) -> list[str]:
    """The accountability documents a kepala sekolah still lacks (uploaded and counted, or confirmed)."""
    return [k for k in DOKUMEN_KS if k not in counted_kategori]


KEPALA_SEKOLAH = "Kepala Sekolah"  # the roster's jenis_gtk of a principal (the same rule as planning's peran)


def is_kepala_sekolah(jenis_gtk: str) -> bool:
    return jenis_gtk == KEPALA_SEKOLAH


# --- a bukti: one piece of evidence of a pegawai's period ----------------------------------------------------


@dataclass
class Bukti:
    """An uploaded file (`sumber` unggah) or the atasan's confirmation that a document exists (konfirmasi).

    Its own aggregate, added once and never changed (version 1): adding evidence must not move the cycle's ETag.
    It belongs to the pegawai's period, so it stays when a plan's reset closes the cycle.
    """

    id: UUID
    pelaksanaan_id: UUID
    pegawai_id: UUID
    periode: str
    kategori: str
    sumber: str  # unggah | konfirmasi
    added_by: UUID
    created_at: datetime
    nama_file: str | None = None
    media_type: str | None = None  # detected from the content, never the declared type
    size_bytes: int | None = None
    sha256: str | None = None
    storage_key: str | None = None
    tanggal_dokumen: date | None = None
    outside_period: bool = False
    catatan: str | None = None
    events: list[Any] = field(default_factory=list, compare=False, repr=False)

    @property
    def counts(self) -> bool:
        """An out-of-period certificate is kept for the record but counts for nothing."""
        return not self.outside_period

    @classmethod
    def confirmed(
        cls,
        *,
        id: UUID,
        pelaksanaan_id: UUID,
        skp_id: UUID,
        pegawai_id: UUID,
        periode: str,
        kind: Kategori,
        catatan: str | None,
        atasan_id: UUID,
        at: datetime,
    ) -> Bukti:
        bukti = cls(
            id=id,
            pelaksanaan_id=pelaksanaan_id,
            pegawai_id=pegawai_id,
            periode=periode,
            kategori=kind.kode,
            sumber=EvidenceMode.KONFIRMASI.value,
            catatan=(catatan or "").strip() or None,
            added_by=atasan_id,
            created_at=at,
        )
        bukti._added(skp_id)
        return bukti

    @classmethod
    def uploaded(
        cls,
        *,
        id: UUID,
        pelaksanaan_id: UUID,
        skp_id: UUID,
        pegawai_id: UUID,
        periode: str,
        kind: Kategori,
        nama_file: str,
        media_type: str,
        size_bytes: int,
        sha256: str,
        tanggal_dokumen: date | None,
        mulai: date,
        selesai: date,
        at: datetime,
    ) -> Bukti:
        bukti = cls(
            id=id,
            pelaksanaan_id=pelaksanaan_id,
            pegawai_id=pegawai_id,
            periode=periode,
            kategori=kind.kode,
            sumber=EvidenceMode.UNGGAH.value,
            nama_file=nama_file,
            media_type=media_type,
            size_bytes=size_bytes,
            sha256=sha256,
            storage_key=bukti_key(str(pelaksanaan_id), str(id)),
            tanggal_dokumen=tanggal_dokumen,
            outside_period=outside_period(kind, tanggal_dokumen, mulai=mulai, selesai=selesai),
            added_by=pegawai_id,
            created_at=at,
        )
        bukti._added(skp_id)
        return bukti

    def _added(self, skp_id: UUID) -> None:
        self.events.append(
            BuktiAdded(
                bukti_id=self.id,
                pelaksanaan_id=self.pelaksanaan_id,
                skp_id=skp_id,
                pegawai_id=self.pegawai_id,
                periode=self.periode,
                kategori=self.kategori,
                media_type=self.media_type,
                size_bytes=self.size_bytes,
                sha256=self.sha256,
                tanggal_dokumen=self.tanggal_dokumen,
                outside_period=self.outside_period,
                at=self.created_at,
            )
        )


def counted(bukti: Iterable[Bukti]) -> list[Bukti]:
    """The evidence that counts (for `bukti_count` and for a kepala sekolah's documents)."""
    return [b for b in bukti if b.counts]


def dokumen_ks_kurang(bukti: Iterable[Bukti], *, is_kepala_sekolah: bool) -> list[str]:
    """What a kepala sekolah's refleksi still waits for; nothing for anyone else."""
    if not is_kepala_sekolah:
        return []
    return missing_dokumen_ks({b.kategori for b in counted(bukti)})


def outside_period(kind: Kategori, tanggal: date | None, *, mulai: date, selesai: date) -> bool:
    """A certificate counts only if dated inside the period; one outside is kept but flagged."""
    if kind.sebelum_periode is not LuarPeriode.DITANDAI or tanggal is None:
        return False
    return not mulai <= tanggal <= selesai


TANGGAL_FIELD = "tanggal_dokumen"


def check_tanggal_dokumen(kind: Kategori, tanggal: date | None, *, mulai: date, today: date) -> date | None:
    """The document date of an upload (docs/domain.md §5): required for a kind that carries one, never in the future,
    and not before the period's start unless the kind is kept and flagged then (a certificate). A date given for a
    kind without one is checked and kept all the same."""
    if tanggal is None:
        if kind.dated:
            raise InvalidValue(
                f"a {kind.kode} upload needs its document date ({TANGGAL_FIELD}, YYYY-MM-DD)",
                rule="bukti.tanggal_required",
                field=TANGGAL_FIELD,
            )
        return None
    if tanggal > today:
        raise InvalidValue(
            f"{TANGGAL_FIELD} must not be in the future (today is {today.isoformat()})",
            rule="bukti.tanggal_future",
            field=TANGGAL_FIELD,
            extra={"until": today.isoformat()},
        )
    if tanggal < mulai and kind.sebelum_periode is LuarPeriode.DITOLAK:
        raise InvalidValue(
            f"{TANGGAL_FIELD} must not be before the period's start ({mulai.isoformat()})",
            rule="bukti.tanggal_before_period",
            field=TANGGAL_FIELD,
            extra={"from": mulai.isoformat()},
        )
    return tanggal


# --- the content of an upload ------------------------------------------------------------------------------

# Magic bytes -> media type. Only these three are bukti dukung; a name or a declared type proves nothing.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
SNIFF_BYTES = max(len(magic) for magic, _ in MAGIC)


def detect_media_type(head: bytes) -> str | None:
    for magic, media_type in MAGIC:
        if head.startswith(magic):
            return media_type
    return None


def require_allowed_content(head: bytes) -> str:
    media_type = detect_media_type(head)
    if media_type is None:
        raise InvalidValue(
            "the file is not a PDF, JPEG or PNG (checked by its content, not its name)",
            rule="bukti.type_not_allowed",
            field="file",
            extra={"allowed": [m for _, m in MAGIC]},
        )
    return media_type


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_FILENAME = 200


def check_filename(name: str | None) -> str:
    """A bare file name: kept for the teacher's eyes only (storage keys never use it)."""
    text = (name or "").strip()
    if not text:
        raise InvalidValue("the upload needs a file name", rule="bukti.filename_required", field="filename")
    if "/" in text or "\\" in text or text in (".", "..") or text.startswith(".."):
        raise InvalidValue("the file name must not contain a path", rule="bukti.filename_path", field="filename")
    if _CONTROL.search(text) or len(text) > MAX_FILENAME:
        raise InvalidValue(
            f"the file name must be at most {MAX_FILENAME} printable characters",
            rule="bukti.filename_invalid",
            field="filename",
        )
    return text


class UploadTooLarge(InvalidValue):
    """More bytes than allowed: the upload routes answer it with 413, as tus expects, not 422."""


def check_length(length: int, *, max_bytes: int) -> None:
    if length <= 0:
        raise InvalidValue("an empty file is no evidence", rule="bukti.empty", field="Upload-Length")
    if length > max_bytes:
        raise UploadTooLarge(
            f"a bukti dukung is limited to {max_bytes} bytes",
            rule="bukti.too_large",
            field="Upload-Length",
            extra={"max_bytes": max_bytes},
        )


def check_within_length(offset: int, size: int, length: int) -> None:
    if offset + size > length:
        raise UploadTooLarge(
            f"the upload was declared as {length} bytes; this chunk goes past its end",
            rule="tus.beyond_length",
            field="Upload-Length",
            extra={"upload_length": length},
        )


def check_offset(offset: int, current: int) -> None:
    """tus: a PATCH must continue exactly where the stored bytes end."""
    if offset != current:
        raise StateConflict(
            f"the upload is at offset {current}; continue from there (HEAD tells the offset)",
            rule="tus.offset_mismatch",
            field="Upload-Offset",
            extra={"upload_offset": current},
        )
