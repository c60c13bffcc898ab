"""NIP (PNS) and NI PPPK: the 18-digit identifiers of ASN teachers (docs/domain.md §2).

A number is read by the rules of the pegawai's status, because the two layouts share their length and
cannot be told apart by looking at the digits. Error details name the positions, never the number:
a NIP is personal data (UU 27/2022) and details travel into logs and problem responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pmm_kernel.errors import InvalidValue


class AsnStatus(StrEnum):
    PNS = "PNS"
    PPPK = "PPPK"
    NON_ASN = "NON_ASN"


NIP_LENGTH = 18
# Assumption (docs/domain.md §2): nobody born before 1940 is still in service.
MIN_BIRTH_YEAR = 1940
# Assumption: an appointment needs the person to be an adult.
MIN_AGE_AT_APPOINTMENT = 18
# The PPPK scheme for teachers started with the 2019 intake.
MIN_PPPK_YEAR = 2019

_ASCII_DIGITS = frozenset("0123456789")
# Spreadsheets turn the printed grouping into non-breaking spaces, so those count as spaces too.
_SEPARATORS = str.maketrans("", "", " .\u00a0")


@dataclass(frozen=True)
class Nip:
    digits: str
    status: AsnStatus
    birth_date: date
    sex: int  # 1 male, 2 female
    sequence: int
    appointed: date  # PNS: TMT CPNS (first of the month); PPPK: 1 January of the appointment year
    pppk_code: str | None  # PPPK positions 13-14: stored, not interpreted (docs/domain.md §2)

    def grouped(self) -> str:
        """The printed form: `19860926 201505 1 001` (PNS) or `19860926 2021 21 1 001` (PPPK)."""
        d = self.digits
        if self.status is AsnStatus.PPPK:
            return f"{d[:8]} {d[8:12]} {d[12:14]} {d[14]} {d[15:]}"
        return f"{d[:8]} {d[8:14]} {d[14]} {d[15:]}"

    def __repr__(self) -> str:
        # A repr ends up in tracebacks and logs; the number must not.
        return f"Nip(status={self.status.value}, digits=<masked>)"


def parse_nip(raw: str, status: AsnStatus, *, today: date, field: str = "nip") -> Nip:
    """Read an 18-digit NIP or NI PPPK by the rules of `status`; raise `InvalidValue` naming the rule."""

    def fail(rule: str, detail: str) -> InvalidValue:
        return InvalidValue(detail, rule=rule, field=field)

    if status is AsnStatus.NON_ASN:
        raise fail("nip.status", "a non-ASN pegawai has no NIP or NI PPPK")
    label = "NI PPPK" if status is AsnStatus.PPPK else "NIP"
    digits = raw.strip().translate(_SEPARATORS) if isinstance(raw, str) else ""
    if len(digits) != NIP_LENGTH or not _ASCII_DIGITS.issuperset(digits):
        raise fail("nip.format", f"a {label} has exactly {NIP_LENGTH} digits (spaces and dots are ignored)")

    try:
        birth_date = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        detail = f"{label} positions 1-8 (birth date YYYYMMDD) are not a real date"
        raise fail("nip.birth_date", detail) from None
    if birth_date.year < MIN_BIRTH_YEAR:
        raise fail("nip.birth_year", f"{label} positions 1-4 (birth year) are before {MIN_BIRTH_YEAR}")

    sex = int(digits[14])
    if sex not in (1, 2):
        raise fail("nip.sex", f"{label} position 15 (sex) must be 1 or 2")
    sequence = int(digits[15:18])
    if sequence == 0:
        raise fail("nip.sequence", f"{label} positions 16-18 (sequence) must be 001-999")

    year = int(digits[8:12])
    pppk_code: str | None
    if status is AsnStatus.PPPK:
        if year < MIN_PPPK_YEAR:
            detail = f"NI PPPK positions 9-12 (appointment year) are before {MIN_PPPK_YEAR}"
            raise fail("nip.pppk_year", detail)
        appointed = date(year, 1, 1)
        pppk_code = digits[12:14]
        positions = "9-12 (appointment year)"
        # The number carries only the year, so age is judged by whole years.
        old_enough = year - birth_date.year >= MIN_AGE_AT_APPOINTMENT
    else:
        month = int(digits[12:14])
        if not 1 <= month <= 12:
            raise fail("nip.tmt_month", "NIP positions 13-14 (TMT CPNS month) must be 01-12")
        appointed = date(year, month, 1)
        pppk_code = None
        positions = "9-14 (TMT CPNS YYYYMM)"
        # The number carries only year and month, so age is judged by whole months.
        months = (year - birth_date.year) * 12 + (month - birth_date.month)
        old_enough = months >= MIN_AGE_AT_APPOINTMENT * 12

    if not old_enough:
        raise fail(
            "nip.tmt_age",
            f"{label} positions {positions} are less than {MIN_AGE_AT_APPOINTMENT} years after the birth date",
        )
    if appointed > today:
        raise fail("nip.tmt_future", f"{label} positions {positions} are in the future")

    return Nip(
        digits=digits,
        status=status,
        birth_date=birth_date,
        sex=sex,
        sequence=sequence,
        appointed=appointed,
        pppk_code=pppk_code,
    )
