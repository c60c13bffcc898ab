"""What finalising fixes besides the ratings (docs/domain.md §6, §7): the pegawai and the appraiser as BKN names
them, and the angka kredit, or why there is none.

Angka kredit is computed when the atasan rates (shown, not kept) and again when they finalise (kept and sent): the
jenjang is the roster's at that moment; the cumulative figure adds the final angka kredit of the same jenjang in
this system (a new jenjang starts again from zero). A pegawai who took up their jenjang during the period earns it
for the months served since their TMT jabatan, and those months are what is kept and sent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from appraisal.domain import angka_kredit as ak_rules
from appraisal.domain.penilaian import AngkaKreditHasil, Identitas, Penilai, Rentang
from appraisal.domain.predikat import Predikat
from pmm_kernel.errors import InvalidValue
from pmm_roster.records import PegawaiRecord as Pegawai
from pmm_roster.records import SekolahRecord as Sekolah

ASN = frozenset({"PNS", "PPPK"})  # who earns angka kredit, and whom BKN names an ASN appraiser
NO_JENJANG = "no jenjang jabatan in the roster"
NO_MONTH_SERVED = "the pegawai took up their jenjang too late to serve a whole month of the period"


def served(
    rentang: Rentang, tmt_jabatan: date | None, *, mulai: date | None = None, selesai: date | None = None
) -> Rentang | None:
    """The months of the period served since the TMT jabatan within the part from `mulai` to `selesai`
    (docs/domain.md §6, `angka_kredit.months_served`): the period's own months when neither the TMT nor the part
    cuts it (or they are unknown), fewer months otherwise, None when no whole month is served. Applying it to what
    it returned, with the same part, gives the same."""
    start = date(rentang.tahun_mulai, rentang.bulan_mulai, 1)
    end = _last_day(rentang.tahun_selesai, rentang.bulan_selesai)
    masa = ak_rules.months_served(start, end, tmt_jabatan, mulai=mulai, selesai=selesai)
    if masa.first_month is None:
        return None
    last = _add_months(masa.first_month, masa.months - 1)
    if masa.first_month == start and (last.year, last.month) == (end.year, end.month):
        return rentang  # the whole period: planning's count of its months stands
    return replace(
        rentang,
        bulan=masa.months,
        bulan_mulai=masa.first_month.month,
        tahun_mulai=masa.first_month.year,
        bulan_selesai=last.month,
        tahun_selesai=last.year,
    )


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _last_day(year: int, month: int) -> date:
    return _add_months(date(year, month, 1), 1) - timedelta(days=1)


def identitas(pegawai: Pegawai, sekolah: Sekolah) -> Identitas:
    """The pegawai as the roster knows them now: what the document prints after finalisation."""
    return Identitas(
        nip=pegawai.nip,
        nama=pegawai.nama,
        status=pegawai.status,
        pangkat_golongan=pegawai.pangkat_golongan,
        jenjang_jabatan=pegawai.jenjang_jabatan,
        jenis_gtk=pegawai.jenis_gtk,
        npsn=sekolah.npsn,
        sekolah=sekolah.nama,
        kode_wilayah=sekolah.kode_wilayah,
    )


def penilai(atasan: Pegawai, *, peran_atasan: str | None, sekolah: Sekolah, atasan_sekolah: str | None) -> Penilai:
    """The appraiser as BKN needs them. Assumptions (docs/domain.md §1, §7): a pengawas appraises a KS, and a
    koordinator pengawas a pengawas, for the Dinas, so their unor is the Dinas of the school's region; a KS's unor is
    their own school (`atasan_sekolah`, its name, else the appraised pegawai's school); jabatan is the roster's jenis
    GTK with the jenjang."""
    if peran_atasan in ("pengawas", "koordinator_pengawas"):
        unor = f"Dinas Pendidikan {sekolah.nama_wilayah}"
    else:
        unor = atasan_sekolah or sekolah.nama
    return Penilai(
        pegawai_id=atasan.pegawai_id,
        nip=atasan.nip,
        nama=atasan.nama,
        golongan=atasan.pangkat_golongan,
        jabatan=" ".join(x for x in (atasan.jenis_gtk, atasan.jenjang_jabatan) if x),
        unor=unor,
        status_penilai="ASN" if atasan.status in ASN else "NON ASN",
    )


def no_angka_kredit(*, menimbang_periode: bool, tahunan_earns: bool, pegawai: Pegawai | None) -> str | None:
    """Why this penilaian earns no angka kredit from who the pegawai is, or None if it may earn some.

    `tahunan_earns`: whether the annual evaluation over periods earns angka kredit of its own (evaluasi.toml)."""
    if menimbang_periode and not tahunan_earns:
        return "angka kredit is earned per period; the annual evaluation gives the year's predikat only"
    if pegawai is None:
        return "the pegawai is not in the roster yet"
    if pegawai.status not in ASN:
        return "a non-ASN pegawai earns no angka kredit"
    if not pegawai.jenjang_jabatan:
        return NO_JENJANG
    return None


def jenjang_for_angka_kredit(
    *,
    menimbang_periode: bool,
    tahunan_earns: bool,
    pegawai: Pegawai | None,
    rentang: Rentang | None,
    mulai: date | None = None,
    selesai: date | None = None,
) -> tuple[ak_rules.Jenjang | None, str | None]:
    """The jenjang the angka kredit is earned in, or None and why there is no angka kredit."""
    reason = no_angka_kredit(menimbang_periode=menimbang_periode, tahunan_earns=tahunan_earns, pegawai=pegawai)
    if reason is not None:
        return None, reason
    assert pegawai is not None and pegawai.jenjang_jabatan  # no_angka_kredit: in the roster, with a jenjang
    try:
        jenjang = ak_rules.Jenjang.parse(pegawai.jenjang_jabatan, field="jenjang_jabatan")
    except InvalidValue:
        return None, "the roster's jenjang jabatan is not a jenjang of the guru position"
    if rentang is None:
        return None, "the period has not arrived from planning yet"
    if served(rentang, pegawai.tmt_jabatan, mulai=mulai, selesai=selesai) is None:
        return None, NO_MONTH_SERVED
    return jenjang, None


def angka_kredit_hasil(
    predikat: Predikat, jenjang: ak_rules.Jenjang, rentang: Rentang, before: Decimal
) -> AngkaKreditHasil:
    """The angka kredit of the period for `predikat`, and the total with what was earned `before` in the jenjang."""
    nilai = ak_rules.angka_kredit(predikat, jenjang, rentang.bulan)
    return AngkaKreditHasil(
        jenjang=jenjang.value,
        koefisien=ak_rules.default_table().jenjang[jenjang].koefisien,
        bulan=rentang.bulan,
        nilai=nilai,
        kumulatif=ak_rules.cumulative([before, nilai]),
    )
