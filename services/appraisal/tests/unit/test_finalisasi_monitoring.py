"""What finalising fixes (the appraiser, the pegawai, the angka kredit or why none), the operator's reason, and who
monitors what (docs/domain.md §6, §7), row by row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from appraisal.domain import finalisasi, monitoring
from appraisal.domain.angka_kredit import Jenjang
from appraisal.domain.evaluasi import Jenis
from appraisal.domain.penilaian import MIN_ALASAN, Rentang, require_alasan
from appraisal.domain.periode import months
from appraisal.domain.predikat import Predikat
from pmm_kernel.access import Actor
from pmm_kernel.errors import Forbidden, InvalidValue


@dataclass(frozen=True)
class Orang:
    status: str = "PNS"
    jenjang_jabatan: str | None = "Ahli Pertama"
    jenis_gtk: str = "Guru Kelas"
    pangkat_golongan: str | None = "III/a"
    nip: str = "198609262015051001"
    nama: str = "Siti"
    npsn: str = "20217301"
    pegawai_id: uuid.UUID = uuid.UUID(int=7)
    tmt_jabatan: date | None = None


@dataclass(frozen=True)
class Sekolah:
    npsn: str = "20217301"
    nama: str = "SD Negeri 1"
    kode_wilayah: str = "3273"
    nama_wilayah: str = "Kota Bandung"


SEMESTER = months(Jenis.PERIODIK, date(2024, 1, 1), date(2024, 6, 30))


@pytest.mark.parametrize(
    ("peran", "atasan", "atasan_sekolah", "unor", "jabatan", "status_penilai"),
    [
        ("kepala_sekolah", Orang(jenis_gtk="Kepala Sekolah", jenjang_jabatan="Ahli Madya"), "SD Negeri 1",
         "SD Negeri 1", "Kepala Sekolah Ahli Madya", "ASN"),
        ("plt_kepala_sekolah", Orang(jenis_gtk="Guru Kelas", status="PPPK"), "SD Negeri 2",
         "SD Negeri 2", "Guru Kelas Ahli Pertama", "ASN"),
        ("kepala_sekolah", Orang(jenis_gtk="Kepala Sekolah", jenjang_jabatan=None, status="Honorer"), None,
         "SD Negeri 1", "Kepala Sekolah", "NON ASN"),
        ("pengawas", Orang(jenis_gtk="Pengawas Sekolah", jenjang_jabatan="Ahli Muda"), "Dinas",
         "Dinas Pendidikan Kota Bandung", "Pengawas Sekolah Ahli Muda", "ASN"),
    ],
)  # fmt: skip
def test_the_appraiser_as_bkn_names_them(
    peran: str, atasan: Orang, atasan_sekolah: str | None, unor: str, jabatan: str, status_penilai: str
) -> None:
    p = finalisasi.penilai(atasan, peran_atasan=peran, sekolah=Sekolah(), atasan_sekolah=atasan_sekolah)
    assert (p.unor, p.jabatan, p.status_penilai, p.nip, p.golongan) == (
        unor,
        jabatan,
        status_penilai,
        atasan.nip,
        atasan.pangkat_golongan,
    )


def test_the_pegawai_as_the_document_prints_them() -> None:
    i = finalisasi.identitas(Orang(), Sekolah())
    assert (i.nip, i.status, i.jenjang_jabatan, i.npsn, i.sekolah, i.kode_wilayah) == (
        "198609262015051001",
        "PNS",
        "Ahli Pertama",
        "20217301",
        "SD Negeri 1",
        "3273",
    )


@pytest.mark.parametrize(
    ("menimbang", "earns", "pegawai", "rentang", "jenjang", "catatan"),
    [
        (False, False, Orang(), SEMESTER, Jenjang.AHLI_PERTAMA, None),
        (False, False, Orang(status="PPPK", jenjang_jabatan="ahli_muda"), SEMESTER, Jenjang.AHLI_MUDA, None),
        (True, False, Orang(), SEMESTER, None,
         "angka kredit is earned per period; the annual evaluation gives the year's predikat only"),
        (True, True, Orang(), SEMESTER, Jenjang.AHLI_PERTAMA, None),
        (False, False, None, SEMESTER, None, "the pegawai is not in the roster yet"),
        (False, False, Orang(status="Honorer"), SEMESTER, None, "a non-ASN pegawai earns no angka kredit"),
        (False, False, Orang(jenjang_jabatan=None), SEMESTER, None, "no jenjang jabatan in the roster"),
        (False, False, Orang(jenjang_jabatan="Terampil"), SEMESTER, None,
         "the roster's jenjang jabatan is not a jenjang of the guru position"),
        (False, False, Orang(), None, None, "the period has not arrived from planning yet"),
    ],
)  # fmt: skip
def test_the_jenjang_angka_kredit_is_earned_in_or_why_none(
    menimbang: bool, earns: bool, pegawai: Orang | None, rentang: Rentang | None, jenjang, catatan
) -> None:
    found = finalisasi.jenjang_for_angka_kredit(
        menimbang_periode=menimbang, tahunan_earns=earns, pegawai=pegawai, rentang=rentang
    )
    assert found == (jenjang, catatan)


@pytest.mark.parametrize(
    ("predikat", "jenjang", "before", "nilai", "kumulatif"),
    [
        (Predikat.BAIK, Jenjang.AHLI_PERTAMA, Decimal("0.00"), Decimal("6.25"), Decimal("6.25")),
        (Predikat.SANGAT_BAIK, Jenjang.AHLI_PERTAMA, Decimal("6.25"), Decimal("9.38"), Decimal("15.63")),
        (Predikat.BAIK, Jenjang.AHLI_MUDA, Decimal("12.50"), Decimal("12.50"), Decimal("25.00")),
    ],
)
def test_the_angka_kredit_of_the_period_and_the_total_in_the_jenjang(
    predikat: Predikat, jenjang: Jenjang, before: Decimal, nilai: Decimal, kumulatif: Decimal
) -> None:
    hasil = finalisasi.angka_kredit_hasil(predikat, jenjang, SEMESTER, before)
    assert (hasil.jenjang, hasil.bulan, hasil.nilai, hasil.kumulatif) == (jenjang.value, 6, nilai, kumulatif)


@pytest.mark.parametrize(
    ("alasan", "kept"),
    [("salah input", "salah input"), ("  rating keliru  ", "rating keliru"), ("abcde", "abcde"),
     ("abcd", None), ("   ab   ", None), ("", None), (None, None)],
)  # fmt: skip
def test_an_operators_reason_an_auditor_can_read(alasan: str | None, kept: str | None) -> None:
    if kept is None:
        with pytest.raises(InvalidValue) as refused:
            require_alasan(alasan, message="say why")
        assert (refused.value.rule, refused.value.field) == ("penilaian.alasan_required", "alasan")
    else:
        assert require_alasan(alasan, message="say why") == kept
    assert MIN_ALASAN == 5


def actor(*roles: str, pegawai: bool = True, wilayah: str | None = None) -> Actor:
    return Actor("x", frozenset(roles), uuid.UUID(int=1) if pegawai else None, wilayah)


@pytest.mark.parametrize(
    ("caller", "cakupan"),
    [
        (actor("operator", pegawai=False, wilayah="32"), monitoring.Cakupan(wilayah="32")),
        (actor("operator", pegawai=False, wilayah=""), monitoring.Cakupan(wilayah="")),  # the whole country
        (actor("kepala_sekolah"), monitoring.Cakupan(own_school=True)),
        (actor("operator", "kepala_sekolah", wilayah="3273"), monitoring.Cakupan(wilayah="3273")),
        (actor("guru"), None),
        (actor("pengawas"), None),
        (actor("operator", pegawai=False), None),  # an operator without a region
        (actor("kepala_sekolah", pegawai=False), None),  # not in the roster: no school of their own
    ],
)
def test_who_monitors_what(caller: Actor, cakupan: monitoring.Cakupan | None) -> None:
    if cakupan is None:
        with pytest.raises(Forbidden) as refused:
            monitoring.cakupan(caller)
        assert refused.value.rule == "monitoring.forbidden"
    else:
        assert monitoring.cakupan(caller) == cakupan


@pytest.mark.parametrize(("tingkat", "known"), [("sekolah", True), ("kabupaten", True), ("provinsi", True),
                                                ("kecamatan", False), ("", False)])  # fmt: skip
def test_the_levels_of_monitoring(tingkat: str, known: bool) -> None:
    if known:
        monitoring.require_tingkat(tingkat)
    else:
        with pytest.raises(InvalidValue) as refused:
            monitoring.require_tingkat(tingkat)
        assert (refused.value.rule, refused.value.field) == ("monitoring.tingkat", "tingkat")


# docs/domain.md §6, part of a period: the months kept and sent are the ones served since the TMT jabatan.
@pytest.mark.parametrize(
    ("tmt", "bulan", "bulan_mulai"),
    [
        (None, 6, 1),
        (date(2023, 8, 1), 6, 1),
        (date(2024, 3, 1), 4, 3),
        (date(2024, 3, 2), 3, 4),
        (date(2024, 6, 1), 1, 6),
    ],
)
def test_the_months_served_since_the_tmt(tmt: date | None, bulan: int, bulan_mulai: int) -> None:
    rentang = finalisasi.served(SEMESTER, tmt)
    assert rentang is not None
    assert (rentang.bulan, rentang.bulan_mulai, rentang.bulan_selesai, rentang.tahun_mulai) == (
        bulan,
        bulan_mulai,
        6,
        2024,
    )
    assert finalisasi.served(rentang, tmt) == rentang  # applied to what it gave, it changes nothing


@pytest.mark.parametrize("tmt", [date(2024, 6, 2), date(2024, 7, 1)])
def test_no_whole_month_served_earns_no_angka_kredit(tmt: date) -> None:
    assert finalisasi.served(SEMESTER, tmt) is None
    found = finalisasi.jenjang_for_angka_kredit(
        menimbang_periode=False, tahunan_earns=False, pegawai=Orang(tmt_jabatan=tmt), rentang=SEMESTER
    )
    assert found == (None, finalisasi.NO_MONTH_SERVED)
