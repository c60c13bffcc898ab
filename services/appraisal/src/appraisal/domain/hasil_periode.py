"""The result of a period split into parts by a transfer (docs/domain.md §6, parts of a period).

Each part is appraised on its own, by the atasan of its last day, for the months it covers, and its angka kredit is
rounded on its own (as every period's is). The period's result combines them:

- the angka kredit of the period is the sum of the parts' rounded angka kredit, as a PAK adds rounded figures;
- the predikat of the period is the last part's (**assumption**: PermenPANRB 6/2022 has the pejabat penilai of the
  last position appraise the period, taking the earlier position's result into account; this system shows the
  earlier parts beside it and takes no weighted mean, which no source defines).

A part a transfer ended before its plan was approved is not appraised and counts for nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from appraisal.domain.angka_kredit import cumulative
from appraisal.domain.predikat import Predikat

PREDIKAT_RULE = "predikat of the last part (PermenPANRB 6/2022: the pejabat penilai of the last position appraises)"


@dataclass(frozen=True)
class HasilBagian:
    """One part as the period's result reads it."""

    bagian: int
    npsn: str | None
    mulai: date | None
    selesai: date | None
    dinilai: bool  # False: ended before its plan was approved, not appraised
    final: bool
    bulan: int | None  # the months it covers (None while the period is unknown)
    predikat: Predikat | None  # rated or final
    angka_kredit: Decimal | None  # as rated or finalised, rounded per part; None: none earned (or not rated yet)


@dataclass(frozen=True)
class HasilPeriode:
    bulan: int  # the months of the appraised parts
    angka_kredit: Decimal | None  # the sum of the parts' rounded figures; None when no part earned any
    predikat: Predikat | None  # the last appraised part's; None while it is not rated
    predikat_bagian: int | None  # which part gave it
    lengkap: bool  # every appraised part is final
    aturan_predikat: str = PREDIKAT_RULE


def hasil_periode(parts: Sequence[HasilBagian]) -> HasilPeriode:
    """The period's combined result from its parts, in any order."""
    appraised = sorted((p for p in parts if p.dinilai), key=lambda p: p.bagian)
    amounts = [p.angka_kredit for p in appraised if p.angka_kredit is not None]
    last = appraised[-1] if appraised else None
    return HasilPeriode(
        bulan=sum(p.bulan or 0 for p in appraised),
        angka_kredit=cumulative(amounts) if amounts else None,
        predikat=last.predikat if last else None,
        predikat_bagian=last.bagian if last else None,
        lengkap=bool(appraised) and all(p.final for p in appraised),
    )
