"""Triwulan: a period cut at the calendar quarters (docs/domain.md §7: a semester goes as two triwulan)."""

import pytest

from bkn_sync.domain.periods import BknPeriode, kode_of, triwulan
from pmm_kernel.errors import InvalidValue


def P(*months: int) -> BknPeriode:  # noqa: N802
    return BknPeriode(*months)


@pytest.mark.parametrize(
    ("periode", "pieces"),
    [
        (P(2024, 1, 2024, 6), [P(2024, 1, 2024, 3), P(2024, 4, 2024, 6)]),  # semester 1
        (P(2024, 7, 2024, 12), [P(2024, 7, 2024, 9), P(2024, 10, 2024, 12)]),  # semester 2
        (P(2025, 1, 2025, 12), [P(2025, 1, 2025, 3), P(2025, 4, 2025, 6), P(2025, 7, 2025, 9), P(2025, 10, 2025, 12)]),
        (P(2024, 4, 2024, 6), [P(2024, 4, 2024, 6)]),  # one quarter
        (P(2024, 2, 2024, 6), [P(2024, 2, 2024, 3), P(2024, 4, 2024, 6)]),  # starts mid-quarter: clipped
        (P(2024, 1, 2024, 2), [P(2024, 1, 2024, 2)]),  # two months (Peraturan BKN 3/2023: proportional)
        (P(2024, 11, 2025, 2), [P(2024, 11, 2024, 12), P(2025, 1, 2025, 2)]),  # across a year end
        (P(2024, 5, 2024, 5), [P(2024, 5, 2024, 5)]),
    ],
    ids=lambda v: v.label if isinstance(v, BknPeriode) else None,
)
def test_triwulan_split(periode, pieces):
    assert triwulan(periode) == pieces
    assert sum(p.months for p in pieces) == periode.months


@pytest.mark.parametrize(
    ("periode", "label"),
    [(P(2024, 1, 2024, 3), "2024-01..03"), (P(2024, 11, 2025, 2), "2024-11..2025-02")],
)
def test_labels(periode, label):
    assert periode.label == label


@pytest.mark.parametrize(
    ("months", "rule"), [((2024, 0, 2024, 3), "bkn.periode_month"), ((2024, 6, 2024, 1), "bkn.periode_order")]
)
def test_invalid_periods_are_refused(months, rule):
    with pytest.raises(InvalidValue) as refused:
        BknPeriode(*months)
    assert refused.value.rule == rule


PERIODS = [("2024-S1", P(2024, 1, 2024, 6)), ("2024-S2", P(2024, 7, 2024, 12)), ("2025-T", P(2025, 1, 2025, 12))]


@pytest.mark.parametrize(
    ("months", "kode"),
    [(P(2024, 1, 2024, 6), "2024-S1"), (P(2025, 1, 2025, 12), "2025-T"), (P(2024, 1, 2024, 3), None)],
)
def test_the_pmm_period_bkn_means_by_its_months(months, kode):
    assert kode_of(PERIODS, months) == kode
