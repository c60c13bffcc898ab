from __future__ import annotations

from datetime import date

import pytest

from pmm_kernel.errors import InvalidValue, OutsideWindow
from pmm_kernel.windows import Extension, Window, check_open, effective_close

PLANNING = Window("perencanaan_guru", opens=date(2024, 1, 1), closes=date(2024, 1, 31), late_until=date(2024, 3, 31))
BANDUNG = "3273"  # Kota Bandung, Jawa Barat (32)


def ext(until: date, region: str | None, step: str = "perencanaan_guru") -> Extension:
    return Extension(step=step, until=until, region=region, reason="Surat Dinas")


@pytest.mark.parametrize(
    ("case", "on", "extensions", "is_open", "closes"),
    [
        ("before opens", date(2023, 12, 31), [], False, date(2024, 3, 31)),
        ("on opens", date(2024, 1, 1), [], True, date(2024, 3, 31)),
        ("on closes", date(2024, 1, 31), [], True, date(2024, 3, 31)),
        ("in late period", date(2024, 3, 31), [], True, date(2024, 3, 31)),
        ("after", date(2024, 4, 2), [], False, date(2024, 3, 31)),
        ("extension for all", date(2024, 4, 15), [ext(date(2024, 4, 30), None)], True, date(2024, 4, 30)),
        (
            "extension for own province",
            date(2024, 4, 15),
            [ext(date(2024, 4, 20), "32")],
            True,
            date(2024, 4, 20),
        ),
        (
            "extension for own kab/kota",
            date(2024, 4, 15),
            [ext(date(2024, 4, 16), "3273")],
            True,
            date(2024, 4, 16),
        ),
        (
            "extension for another province",
            date(2024, 4, 15),
            [ext(date(2024, 4, 30), "33")],
            False,
            date(2024, 3, 31),
        ),
        (
            "extension for another kab/kota",
            date(2024, 4, 15),
            [ext(date(2024, 4, 30), "3204")],
            False,
            date(2024, 3, 31),
        ),
        (
            "extension for another step",
            date(2024, 4, 15),
            [ext(date(2024, 4, 30), None, "pelaksanaan")],
            False,
            date(2024, 3, 31),
        ),
        (
            "extension earlier than late period",
            date(2024, 3, 15),
            [ext(date(2024, 2, 15), None)],
            True,
            date(2024, 3, 31),
        ),
        (
            "latest of several extensions",
            date(2024, 5, 10),
            [ext(date(2024, 4, 30), None), ext(date(2024, 5, 10), "32"), ext(date(2024, 6, 30), "33")],
            True,
            date(2024, 5, 10),
        ),
        ("after the extension", date(2024, 5, 1), [ext(date(2024, 4, 30), None)], False, date(2024, 4, 30)),
    ],
)
def test_window(case: str, on: date, extensions: list[Extension], is_open: bool, closes: date) -> None:
    assert effective_close(PLANNING, extensions, BANDUNG) == closes
    if is_open:
        check_open(PLANNING, on, region_code=BANDUNG, extensions=extensions, period_label="2024-S1")
        return
    with pytest.raises(OutsideWindow) as err:
        check_open(PLANNING, on, region_code=BANDUNG, extensions=extensions, period_label="2024-S1")
    assert err.value.rule == "window.perencanaan_guru"
    assert err.value.field is None
    assert err.value.extra == {
        "step": "perencanaan_guru",
        "opens": "2024-01-01",
        "closes": closes.isoformat(),
    }
    assert err.value.detail == (
        f"perencanaan_guru for 2024-S1 is open 2024-01-01 to {closes.isoformat()}; today is {on.isoformat()}"
    )


def test_window_without_late_period_closes_on_its_close_date() -> None:
    penilaian = Window("penilaian", opens=date(2024, 6, 1), closes=date(2024, 6, 30))
    check_open(penilaian, date(2024, 6, 30), region_code=BANDUNG)
    with pytest.raises(OutsideWindow) as err:
        check_open(penilaian, date(2024, 7, 1), region_code=BANDUNG)
    assert err.value.detail == "penilaian is open 2024-06-01 to 2024-06-30; today is 2024-07-01"
    assert err.value.rule == "window.penilaian"


@pytest.mark.parametrize(
    ("opens", "closes", "late_until"),
    [
        (date(2024, 2, 1), date(2024, 1, 31), None),
        (date(2024, 1, 1), date(2024, 1, 31), date(2024, 1, 30)),
    ],
)
def test_window_dates_must_be_ordered(opens: date, closes: date, late_until: date | None) -> None:
    with pytest.raises(InvalidValue) as err:
        Window("pelaksanaan", opens, closes, late_until)
    assert err.value.rule == "window.dates"


@pytest.mark.parametrize("region", ["", "3", "327", "32731", "3a", "٣٢"])
def test_extension_region_must_be_a_province_or_kabupaten_code(region: str) -> None:
    with pytest.raises(InvalidValue) as err:
        ext(date(2024, 4, 30), region)
    assert err.value.rule == "window.extension_region"
