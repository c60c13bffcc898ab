"""BKN's periods: a range of months, and how a PMM period is cut into what e-Kinerja expects.

Kinerja periodik goes to BKN per triwulan (`periodikId` 2, docs/domain.md §7): a semester is two triwulan, a year four.
The cut follows the calendar quarters, so a range that does not start on one still yields whole-quarter pieces
clipped to the range (assumption: BKN accepts a partial first or last triwulan).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pmm_kernel.errors import InvalidValue

PERIODIK_TRIWULAN = 2  # BKN's periodikId: 1 bulanan, 2 triwulan
QUARTER_FIRST_MONTHS = (1, 4, 7, 10)


@dataclass(frozen=True, order=True)
class BknPeriode:
    tahun_mulai: int
    bulan_mulai: int
    tahun_selesai: int
    bulan_selesai: int

    def __post_init__(self) -> None:
        if not (1 <= self.bulan_mulai <= 12 and 1 <= self.bulan_selesai <= 12):
            raise InvalidValue("a month is between 1 and 12", rule="bkn.periode_month", field="bulan")
        if (self.tahun_selesai, self.bulan_selesai) < (self.tahun_mulai, self.bulan_mulai):
            raise InvalidValue("a period ends after it starts", rule="bkn.periode_order", field="bulan_selesai")

    @classmethod
    def of_dates(cls, mulai: date, selesai: date) -> BknPeriode:
        return cls(mulai.year, mulai.month, selesai.year, selesai.month)

    @property
    def months(self) -> int:
        return (self.tahun_selesai - self.tahun_mulai) * 12 + self.bulan_selesai - self.bulan_mulai + 1

    @property
    def label(self) -> str:
        """`2024-01..03`; `2024-11..2025-02` across a year end. Part of a push's key."""
        if self.tahun_mulai == self.tahun_selesai:
            return f"{self.tahun_mulai}-{self.bulan_mulai:02d}..{self.bulan_selesai:02d}"
        return f"{self.tahun_mulai}-{self.bulan_mulai:02d}..{self.tahun_selesai}-{self.bulan_selesai:02d}"


def triwulan(periode: BknPeriode) -> list[BknPeriode]:
    """The triwulan pieces of a period, in order: the calendar quarters it touches, clipped to it."""
    pieces = []
    year, month = periode.tahun_mulai, periode.bulan_mulai
    end = (periode.tahun_selesai, periode.bulan_selesai)
    while (year, month) <= end:
        quarter_end = ((month - 1) // 3) * 3 + 3
        last = (year, quarter_end) if (year, quarter_end) <= end else end
        pieces.append(BknPeriode(year, month, last[0], last[1]))
        year, month = (last[0], last[1] + 1) if last[1] < 12 else (last[0] + 1, 1)
    return pieces


def kode_of(periods: Iterable[tuple[str, BknPeriode]], months: BknPeriode) -> str | None:
    """The PMM period whose months BKN names `months` (BKN knows periods by months, PMM by code)."""
    return next((kode for kode, its_months in periods if its_months == months), None)
