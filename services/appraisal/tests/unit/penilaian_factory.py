"""Penilaian in a given state, for the unit tests (a module name of its own: test directories are not packages)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from appraisal.domain.penilaian import (
    AngkaKreditHasil,
    Finalisasi,
    Identitas,
    Penilai,
    Penilaian,
    Rencana,
    Rentang,
    RhkRencana,
    Siklus,
    Status,
)
from appraisal.domain.predikat import Rating

AT = datetime(2024, 6, 10, 3, 0, tzinfo=UTC)
ATASAN = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
BERAKHLAK = {"berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"}

RENCANA = Rencana(
    skp_id=uuid.uuid4(),
    indikator_kode="D.1.3",
    indikator_nama="Kualitas pembelajaran: metode",
    rhk=(RhkRencana("PK-01", "Pelatihan mandiri", "pengembangan_kompetensi", "jumlah modul", 4, "modul"),),
    perilaku=tuple((k, k.title()) for k in sorted(BERAKHLAK)),
    disetujui_at=AT,
)
SIKLUS = Siklus(pelaksanaan_id=uuid.uuid4(), selesai_at=AT, bukti_count=2, rubrik={"efektif": 3})
FINALISASI = Finalisasi(
    at=AT,
    penilai=Penilai(ATASAN, "196001011985031001", "Kepala", "IV/a", "Kepala Sekolah Ahli Madya", "SD 1", "ASN"),
    identitas=Identitas(
        "198609262015051001", "Guru", "PNS", "III/b", "Ahli Pertama", "Guru Mapel", "20217301", "SD 1", "3273"
    ),
    rentang=Rentang("periodik", 6, 1, 6, 2024, 2024),
    angka_kredit=AngkaKreditHasil("ahli_pertama", Decimal("12.5"), 6, Decimal("6.25"), Decimal("6.25")),
)


def ready(status: Status = Status.SIAP) -> Penilaian:
    """A penilaian with its plan and cycle, put straight into `status` (as the repository would load it)."""
    p = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2024-S1", rencana=RENCANA, siklus=SIKLUS)
    p.skp_version, p.siklus_version, p.status = 4, 7, Status.SIAP
    if status in (Status.DINILAI, Status.FINAL):
        p.rate(**rating())
    if status is Status.FINAL:
        p.finalize(FINALISASI)
        p.events.clear()
    p.status = status
    if status is Status.MENUNGGU:
        p.siklus = None
    return p


def rating(hasil: Rating | None = Rating.SESUAI, perilaku: Rating = Rating.DI_ATAS, **extra) -> dict:
    return {
        "hasil_kerja": hasil,
        "perilaku_kerja": perilaku,
        "umpan_balik": {},
        "catatan": None,
        "penilai_id": ATASAN,
        "at": AT,
        "known_values": BERAKHLAK,
    } | extra
