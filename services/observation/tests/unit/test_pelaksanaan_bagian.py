"""The part of a period a pelaksanaan covers, row by row: when a transfer's end stops new steps, whose relation
holds for reading the part, and the dates a schedule of the part may name (docs/domain.md §5)."""

from __future__ import annotations

from datetime import date

import pytest

from observation.domain import bagian
from pmm_kernel.errors import StateConflict

SELESAI = date(2024, 3, 15)  # the old school's part ends: the pegawai starts at the new school on 16 March


@pytest.mark.parametrize(
    ("selesai", "on", "ended"),
    [
        (None, date(2024, 6, 30), False),  # the whole period's part never ends early
        (SELESAI, date(2024, 3, 14), False),
        (SELESAI, SELESAI, False),  # the last day is still the part's
        (SELESAI, date(2024, 3, 16), True),  # from the next day it takes no new step
        (SELESAI, date(2024, 5, 1), True),
    ],
)
def test_a_part_ends_the_day_after_its_last_day(selesai, on, ended):
    assert bagian.is_ended(selesai, on=on) is ended
    if ended:
        with pytest.raises(StateConflict) as refused:
            bagian.check_not_ended(selesai, on=on, bagian=1)
        assert refused.value.rule == "pelaksanaan.berakhir"
        assert refused.value.extra == {"bagian": 1, "selesai": SELESAI.isoformat()}
    else:
        bagian.check_not_ended(selesai, on=on, bagian=1)


@pytest.mark.parametrize(
    ("selesai", "on", "day"),
    [
        (None, date(2024, 4, 1), date(2024, 4, 1)),  # today's atasan
        (SELESAI, date(2024, 3, 10), date(2024, 3, 10)),  # before the end: today's (still the old school's)
        (SELESAI, SELESAI, SELESAI),
        (SELESAI, date(2024, 4, 1), SELESAI),  # after the end: the atasan of the part's last day (the old KS)
    ],
)
def test_the_relation_of_a_part_is_todays_or_that_of_its_last_day(selesai, on, day):
    assert bagian.relation_day(selesai, on=on) == day


@pytest.mark.parametrize(
    ("allowed", "selesai", "expected"),
    [
        ((date(2024, 2, 5), date(2024, 5, 30)), None, (date(2024, 2, 5), date(2024, 5, 30))),
        ((date(2024, 2, 5), date(2024, 5, 30)), SELESAI, (date(2024, 2, 5), SELESAI)),
        ((date(2024, 2, 5), date(2024, 3, 1)), SELESAI, (date(2024, 2, 5), date(2024, 3, 1))),  # the close first
    ],
)
def test_a_schedule_of_a_part_lies_no_later_than_its_last_day(allowed, selesai, expected):
    assert bagian.clip_to_part(allowed, selesai) == expected
