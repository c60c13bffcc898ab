"""A period as appraisal reads it from planning's snapshot, and the months a penilaian covers (docs/domain.md §6).

Planning says what a period is (its months, its jenis, the year's penilaian tahunan window); appraisal counts the
months as BKN does and prorates angka kredit by the months planning counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from appraisal.domain.evaluasi import EvaluasiRules, Jenis
from appraisal.domain.penilaian import Rentang
from pmm_kernel.windows import Window


@dataclass(frozen=True)
class Periode:
    kode: str  # "2024-S1", "2025-T"
    tahun: int
    jenis: str  # planning's jenis of the period: semester | tahunan
    mulai: date
    selesai: date
    bulan: int  # the months planning counts, which prorate angka kredit
    penilaian_tahunan: Window | None = None  # the year's penilaian tahunan over its periods, if the policy has one


def months(jenis: Jenis, mulai: date, selesai: date) -> Rentang:
    """The months from `mulai` to `selesai`, both counted whole, as BKN's kinerja periodik names them."""
    return Rentang(
        jenis=jenis.value,
        bulan=(selesai.year - mulai.year) * 12 + selesai.month - mulai.month + 1,
        bulan_mulai=mulai.month,
        bulan_selesai=selesai.month,
        tahun_mulai=mulai.year,
        tahun_selesai=selesai.year,
    )


def rentang_periode(periode: Periode, rules: EvaluasiRules) -> Rentang:
    """A period's own penilaian: its months as the snapshot gives them; `bulan` is planning's count."""
    return replace(months(rules.jenis_of(periode.jenis), periode.mulai, periode.selesai), bulan=periode.bulan)


def tahun_kode(kode: str) -> int:
    """The year a period or annual evaluation code starts with ("2024-S1", "2024-T")."""
    return int(kode[:4])


def tahun_of(kode: str, rentang: Rentang | None) -> int | None:
    """The year whose predikat organisasi a period's distribution is compared with: the period's first year, or
    the year its code names while the period has not arrived; None for a code that names no year."""
    if rentang is not None:
        return rentang.tahun_mulai
    return tahun_kode(kode) if kode[:4].isdigit() else None
