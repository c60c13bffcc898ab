"""Dates as the ministry states them: WIB, Indonesian month names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.formatting import tanggal, tenggat, waktu


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-31", "31 Januari 2024"),
        (date(2024, 8, 17), "17 Agustus 2024"),
        ("2024-03-31T17:30:00Z", "1 April 2024"),  # 00.30 WIB on the next day
        ("2024-03-31T16:59:00+00:00", "31 Maret 2024"),
        (None, "-"),
        ("bukan tanggal", "-"),
    ],
)
def test_tanggal(value, expected):
    assert tanggal(value) == expected


def test_waktu_is_in_wib():
    assert waktu(datetime(2024, 1, 31, 16, 59, tzinfo=UTC)) == "31 Januari 2024 pukul 23.59 WIB"


def test_a_deadline_ends_at_the_end_of_its_day_in_jakarta():
    assert tenggat("2024-03-31") == "31 Maret 2024 pukul 23.59 WIB"
    assert tenggat(None) == "-"
