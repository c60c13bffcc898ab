"""The parts of a period at BKN (docs/domain.md §7): e-Kinerja keeps one SKP per school, so a pegawai transferred
in the middle of a period has one SKP, and one set of penilaian records, per part.

A push's key here is (pegawai, kind, PMM period, `bagian`): the period's only part (1) keeps the key every push had
before there were parts ("" for the whole period, the triwulan's label for a piece), so nothing already queued or
sent changes; a later part's key is prefixed with its number ("2/", "2/2024-04..06"). A part's BKN period is the
months it covers: from its first day's month to its last day's month, inside the period.
"""

from __future__ import annotations

from datetime import date

from bkn_sync.domain.periods import BknPeriode
from pmm_kernel.errors import InvalidValue

BAGIAN_PERTAMA = 1


def push_bagian(bagian: int, piece: str = "") -> str:
    """The `bagian` of a push's key: `piece` ("" or a triwulan's label) as it always was for part 1, prefixed with
    the part's number for a later part."""
    if bagian < BAGIAN_PERTAMA:
        raise InvalidValue("a part of a period is numbered from 1", rule="bkn.bagian_invalid", field="bagian")
    return piece if bagian == BAGIAN_PERTAMA else f"{bagian}/{piece}"


def bagian_of(key: str) -> int:
    """The part a push's `bagian` key belongs to (the inverse of `push_bagian`)."""
    number, slash, _ = key.partition("/")
    return int(number) if slash and number.isdigit() else BAGIAN_PERTAMA


def unit_npsn(roster_npsn: str, *, part_npsn: str | None, part_ended: bool) -> str:
    """The school whose unit a push names: for a part a transfer ended, the part's own school (the roster names the
    new one by then); otherwise the school the roster names at attempt time, so that a corrected roster heals a
    `UNOR_TIDAK_SESUAI` (docs/domain.md §7)."""
    return part_npsn if part_ended and part_npsn else roster_npsn


def part_months(period: BknPeriode, mulai: date | None, selesai: date | None) -> BknPeriode:
    """The months a part covers: its first and last day's months (None: the period's), never outside the period."""
    first = max((period.tahun_mulai, period.bulan_mulai), (mulai.year, mulai.month) if mulai else (0, 0))
    last = min((period.tahun_selesai, period.bulan_selesai), (selesai.year, selesai.month) if selesai else (9999, 12))
    if last < first:
        raise InvalidValue("the part's days lie outside its period", rule="bkn.bagian_outside_periode", field="selesai")
    return BknPeriode(first[0], first[1], last[0], last[1])
