"""The parts of a period at BKN, row by row: the push key of each part (part 1's unchanged) and the months a part
covers (docs/domain.md §7)."""

from __future__ import annotations

from datetime import date

import pytest

from bkn_sync.domain.bagian import bagian_of, part_months, push_bagian, unit_npsn
from bkn_sync.domain.periods import BknPeriode
from pmm_kernel.errors import InvalidValue

S1 = BknPeriode(2024, 1, 2024, 6)
TAHUNAN = BknPeriode(2025, 1, 2025, 12)


@pytest.mark.parametrize(
    ("bagian", "piece", "key"),
    [
        (1, "", ""),  # the period's only part: the key every push had before parts
        (1, "2024-01..03", "2024-01..03"),
        (2, "", "2/"),
        (2, "2024-04..06", "2/2024-04..06"),
        (3, "2025-10..12", "3/2025-10..12"),
    ],
)
def test_part_one_keeps_its_key_and_a_later_part_is_prefixed(bagian, piece, key):
    assert push_bagian(bagian, piece) == key
    assert bagian_of(key) == bagian


def test_a_part_is_numbered_from_one():
    with pytest.raises(InvalidValue) as refused:
        push_bagian(0)
    assert refused.value.rule == "bkn.bagian_invalid"


@pytest.mark.parametrize(
    ("period", "mulai", "selesai", "months"),
    [
        (S1, None, None, S1),  # the whole period
        (S1, None, date(2024, 3, 15), BknPeriode(2024, 1, 2024, 3)),  # ended by a transfer in March
        (S1, date(2024, 3, 16), None, BknPeriode(2024, 3, 2024, 6)),  # the new school's part, from March
        (S1, date(2024, 3, 16), date(2024, 5, 31), BknPeriode(2024, 3, 2024, 5)),
        (S1, date(2023, 12, 1), date(2024, 9, 30), S1),  # never outside the period
        (TAHUNAN, date(2025, 8, 1), None, BknPeriode(2025, 8, 2025, 12)),
    ],
)
def test_a_part_covers_the_months_of_its_first_and_last_day(period, mulai, selesai, months):
    assert part_months(period, mulai, selesai) == months


@pytest.mark.parametrize(
    ("part_npsn", "ended", "unit"),
    [
        (None, False, "20200002"),  # a plan without parts: the roster's school at attempt time
        ("20200001", False, "20200002"),  # the current part: the roster's, so a corrected roster heals the push
        ("20200001", True, "20200001"),  # a part a transfer ended: its own school, the roster names the new one
        (None, True, "20200002"),  # an ended part that named no school: the roster's
    ],
)
def test_the_unit_a_push_names(part_npsn, ended, unit):
    assert unit_npsn("20200002", part_npsn=part_npsn, part_ended=ended) == unit


def test_a_part_outside_its_period_is_refused():
    with pytest.raises(InvalidValue) as refused:
        part_months(S1, date(2024, 8, 1), None)
    assert refused.value.rule == "bkn.bagian_outside_periode"
