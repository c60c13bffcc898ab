"""The pelaksanaan window's date rules and where a cycle stands, row by row."""

from __future__ import annotations

from datetime import date

import pytest

from observation.domain import window
from observation.domain.pelaksanaan import POSITIONS, STEP_OF, Tahap, position, tahap_at

OPENS, CLOSES = date(2024, 2, 1), date(2024, 5, 30)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 1, 20), (OPENS, CLOSES)),  # before the window: from its opening
        (date(2024, 2, 1), (OPENS, CLOSES)),
        (date(2024, 3, 10), (date(2024, 3, 10), CLOSES)),  # never a date in the past
        (CLOSES, (CLOSES, CLOSES)),
    ],
)
def test_a_schedule_names_a_date_from_today_to_the_close(today, expected):
    assert window.jadwal_range(today=today, opens=OPENS, closes=CLOSES) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2024, 3, 10), (OPENS, date(2024, 3, 10))), (OPENS, (OPENS, OPENS))],
)
def test_an_effort_is_dated_from_the_opening_to_today(today, expected):
    assert window.upaya_range(today=today, opens=OPENS) == expected


@pytest.mark.parametrize(
    ("on", "past"),
    [
        (date(2024, 5, 30), []),  # the close itself is still inside
        (date(2024, 5, 31), ["3273"]),
        (date(2024, 6, 10), ["3273"]),  # the extension's last day
        (date(2024, 6, 11), ["3273", "3501"]),
    ],
)
def test_regions_past_their_close(on, past):
    closes = {"3273": CLOSES, "3501": date(2024, 6, 10)}
    assert window.regions_past_close(closes, on=on) == past


@pytest.mark.parametrize(
    ("tahap", "where"),
    [
        (None, "belum_dibuka"),
        (Tahap.PERSIAPAN, "persiapan"),
        (Tahap.JADWAL_DIUSULKAN, "persiapan"),
        (Tahap.JADWAL_DIUSULKAN_ATASAN, "persiapan"),
        (Tahap.OBSERVASI, "observasi"),
        (Tahap.DISKUSI, "diskusi"),
        (Tahap.DISKUSI_MENUNGGU_GURU, "diskusi"),
        (Tahap.DISKUSI_MENUNGGU_ATASAN, "diskusi"),
        (Tahap.UPAYA, "upaya"),
        (Tahap.REFLEKSI, "refleksi"),
        (Tahap.SELESAI, "selesai"),
        (Tahap.DITUTUP, "ditutup"),
    ],
)
def test_where_a_cycle_stands(tahap, where):
    assert position(tahap) == where
    assert where in POSITIONS


def test_every_tahap_has_a_position_and_is_found_again_by_it():
    assert set(STEP_OF) == set(Tahap)
    assert [t for where in POSITIONS for t in tahap_at(where)] == sorted(
        Tahap, key=lambda t: POSITIONS.index(position(t))
    )
    assert tahap_at("belum_dibuka") == []
    assert tahap_at("diskusi") == [Tahap.DISKUSI, Tahap.DISKUSI_MENUNGGU_GURU, Tahap.DISKUSI_MENUNGGU_ATASAN]
