from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmm_kernel.errors import InvalidValue
from pmm_kernel.nip import AsnStatus, Nip, parse_nip

PNS = AsnStatus.PNS
PPPK = AsnStatus.PPPK
TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("raw", "status", "digits", "birth", "sex", "sequence", "appointed", "code", "grouped"),
    [
        (
            "19860926 201505 1 001",
            PNS,
            "198609262015051001",
            date(1986, 9, 26),
            1,
            1,
            date(2015, 5, 1),
            None,
            "19860926 201505 1 001",
        ),
        (
            "198609262015051001",
            PNS,
            "198609262015051001",
            date(1986, 9, 26),
            1,
            1,
            date(2015, 5, 1),
            None,
            "19860926 201505 1 001",
        ),
        (
            "19920229 201412 2 999",
            PNS,
            "199202292014122999",
            date(1992, 2, 29),
            2,
            999,
            date(2014, 12, 1),
            None,
            "19920229 201412 2 999",
        ),
        (
            "19860926\u00a0202406 1 001",
            PNS,
            "198609262024061001",
            date(1986, 9, 26),
            1,
            1,
            date(2024, 6, 1),
            None,
            "19860926 202406 1 001",
        ),  # TMT in the current month is not future
        (
            "19860926 2021 21 1 001",
            PPPK,
            "198609262021211001",
            date(1986, 9, 26),
            1,
            1,
            date(2021, 1, 1),
            "21",
            "19860926 2021 21 1 001",
        ),
        (
            "19700101.2019.24.2.042",
            PPPK,
            "197001012019242042",
            date(1970, 1, 1),
            2,
            42,
            date(2019, 1, 1),
            "24",
            "19700101 2019 24 2 042",
        ),
        (
            "19400101 195801 1 001",
            PNS,
            "194001011958011001",
            date(1940, 1, 1),
            1,
            1,
            date(1958, 1, 1),
            None,
            "19400101 195801 1 001",
        ),  # 18 years to the month
    ],
)
def test_valid_numbers(raw, status, digits, birth, sex, sequence, appointed, code, grouped) -> None:
    nip = parse_nip(raw, status, today=TODAY)
    assert nip == Nip(digits, status, birth, sex, sequence, appointed, code)
    assert nip.grouped() == grouped


@pytest.mark.parametrize(
    ("raw", "status", "rule", "positions"),
    [
        ("1986092620150510", PNS, "nip.format", "18 digits"),
        ("1986092620150510011", PNS, "nip.format", "18 digits"),
        ("19860926-201505-1-001", PNS, "nip.format", "18 digits"),
        ("19860926 201505 1 00a", PNS, "nip.format", "18 digits"),
        ("١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١", PNS, "nip.format", "18 digits"),
        ("", PPPK, "nip.format", "18 digits"),
        ("19860931 201505 1 001", PNS, "nip.birth_date", "1-8"),
        ("19861326 201505 1 001", PNS, "nip.birth_date", "1-8"),
        ("  19900229.201012.2.999 ", PNS, "nip.birth_date", "1-8"),  # 1990 is not a leap year
        ("19390926 201505 1 001", PNS, "nip.birth_year", "1-4"),
        ("19860926 201513 1 001", PNS, "nip.tmt_month", "13-14"),
        ("19860926 201500 1 001", PNS, "nip.tmt_month", "13-14"),
        ("19860926 200408 1 001", PNS, "nip.tmt_age", "9-14"),  # one month short of 18 years
        ("19860926 202407 1 001", PNS, "nip.tmt_future", "9-14"),
        ("19860926 2025 21 1 001", PPPK, "nip.tmt_future", "9-12"),
        ("20060926 2023 21 1 001", PPPK, "nip.tmt_age", "9-12"),
        ("19860926 2018 21 1 001", PPPK, "nip.pppk_year", "9-12"),
        ("19860926 201505 3 001", PNS, "nip.sex", "15"),
        ("19860926 2021 21 0 001", PPPK, "nip.sex", "15"),
        ("19860926 201505 1 000", PNS, "nip.sequence", "16-18"),
        ("19860926 201505 1 001", AsnStatus.NON_ASN, "nip.status", "non-ASN"),
    ],
)
def test_broken_rules(raw: str, status: AsnStatus, rule: str, positions: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_nip(raw, status, today=TODAY, field="nip_atasan")
    assert err.value.rule == rule
    assert err.value.field == "nip_atasan"
    assert positions in err.value.detail
    # The detail reaches logs and responses: it must not carry the number.
    assert "201505" not in err.value.detail


def test_pns_layout_read_as_pppk_is_judged_by_pppk_rules() -> None:
    # 2015 as a PPPK year is before the scheme existed, even though the PNS reading is fine.
    with pytest.raises(InvalidValue) as err:
        parse_nip("19860926 201505 1 001", PPPK, today=TODAY)
    assert err.value.rule == "nip.pppk_year"


def test_repr_does_not_leak_the_number() -> None:
    nip = parse_nip("19860926 201505 1 001", PNS, today=TODAY)
    assert "19860926" not in repr(nip)


@given(
    raw=st.text(max_size=60) | st.text(alphabet="0123456789 .\x00١٢", max_size=40),
    status=st.sampled_from(list(AsnStatus)),
)
def test_arbitrary_text_only_ever_raises_invalid_value(raw: str, status: AsnStatus) -> None:
    try:
        nip = parse_nip(raw, status, today=TODAY)
    except InvalidValue as err:
        assert err.rule.startswith("nip.")
    else:
        assert len(nip.digits) == 18 and nip.digits.isascii()


@pytest.mark.parametrize("raw", ["\x00" * 18, "1" * 1_000_000, "１９８６０９２６２０１５０５１００１"])
def test_hostile_text_is_a_format_error(raw: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_nip(raw, PNS, today=TODAY)
    assert err.value.rule == "nip.format"
