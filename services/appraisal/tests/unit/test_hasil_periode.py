"""docs/domain.md §6, the parts of a split period: each part's months, and the period's combined result."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from appraisal.domain import tahunan
from appraisal.domain.finalisasi import served
from appraisal.domain.hasil_periode import HasilBagian, hasil_periode
from appraisal.domain.penilaian import Penilaian, Rentang, Status
from appraisal.domain.predikat import Predikat
from services.appraisal.tests.unit.penilaian_factory import RENCANA, ready

D = Decimal
SB, B, BP = Predikat.SANGAT_BAIK, Predikat.BAIK, Predikat.BUTUH_PERBAIKAN
YEAR = Rentang("tahunan", 12, 1, 12, 2025, 2025)


def part(
    bagian: int,
    predikat: Predikat | None,
    ak: str | None,
    *,
    bulan: int = 6,
    final: bool = True,
    dinilai: bool = True,
) -> HasilBagian:
    return HasilBagian(
        bagian=bagian,
        npsn=f"2021730{bagian}",
        mulai=None,
        selesai=None,
        dinilai=dinilai,
        final=final,
        bulan=bulan,
        predikat=predikat,
        angka_kredit=D(ak) if ak is not None else None,
    )


@pytest.mark.parametrize(
    ("parts", "bulan", "ak", "predikat", "from_part", "lengkap"),
    [
        # One part: the period's own result.
        ([part(1, B, "12.50", bulan=12)], 12, D("12.50"), B, 1, True),
        # 2025-T split on 15 April, Ahli Pertama, Baik then Sangat Baik: 4.17 + 12.50 = 16.67; the last part's predikat.
        ([part(1, B, "4.17", bulan=4), part(2, SB, "12.50", bulan=8)], 12, D("16.67"), SB, 2, True),
        # Any order in, the same result out.
        ([part(2, BP, "6.25", bulan=8), part(1, SB, "6.25", bulan=4)], 12, D("12.50"), BP, 2, True),
        # The sum adds the parts' rounded figures: 2.08 + 2.08, never the rounding of 4.1666...
        ([part(1, B, "2.08", bulan=2), part(2, B, "2.08", bulan=2)], 4, D("4.16"), B, 2, True),
        # The last part not rated yet: no predikat of the period; the first part's AK still counts.
        ([part(1, B, "4.17", bulan=4), part(2, None, None, bulan=8, final=False)], 12, D("4.17"), None, 2, False),
        # A part ended before its plan was approved is not appraised: it counts for nothing.
        (
            [part(1, None, None, bulan=3, final=False, dinilai=False), part(2, B, "9.38", bulan=9)],
            9,
            D("9.38"),
            B,
            2,
            True,
        ),
        # A non-ASN pegawai earns no angka kredit in any part.
        ([part(1, B, None, bulan=4), part(2, SB, None, bulan=8)], 12, None, SB, 2, True),
        # Nothing appraised at all.
        ([], 0, None, None, None, False),
    ],
)
def test_the_period_result_adds_the_parts_and_takes_the_last_predikat(parts, bulan, ak, predikat, from_part, lengkap):
    result = hasil_periode(parts)
    assert (result.bulan, result.angka_kredit, result.predikat) == (bulan, ak, predikat)
    assert (result.predikat_bagian, result.lengkap) == (from_part, lengkap)
    assert "PermenPANRB 6/2022" in result.aturan_predikat


@pytest.mark.parametrize(
    ("mulai", "selesai", "tmt", "expected"),
    [
        (None, None, None, YEAR),  # not split: the period's own months, planning's count
        (None, date(2025, 4, 14), None, Rentang("tahunan", 4, 1, 4, 2025, 2025)),  # part 1: Jan-Apr
        (date(2025, 4, 15), None, None, Rentang("tahunan", 8, 5, 12, 2025, 2025)),  # part 2: May-Dec
        (None, date(2025, 3, 31), None, Rentang("tahunan", 3, 1, 3, 2025, 2025)),  # transfer on 1 April: 3 + 9
        (date(2025, 4, 1), None, None, Rentang("tahunan", 9, 4, 12, 2025, 2025)),
        (date(2025, 4, 15), None, date(2025, 7, 1), Rentang("tahunan", 6, 7, 12, 2025, 2025)),  # and a TMT inside
        (None, date(2025, 4, 14), date(2025, 6, 1), None),  # a TMT after the part: no month served in it
    ],
)
def test_the_months_of_a_part(mulai, selesai, tmt, expected) -> None:
    rentang = served(YEAR, tmt, mulai=mulai, selesai=selesai)
    assert rentang == expected
    if rentang is not None:  # applied again to what it gave, with the same part, it changes nothing
        assert served(rentang, tmt, mulai=mulai, selesai=selesai) == rentang


# --- the part in the penilaian's state machine -------------------------------------------------------------------


def test_an_approved_part_a_transfer_ended_is_ratable_without_its_cycle() -> None:
    p = ready(Status.MENUNGGU)  # the plan, no completed cycle
    assert p.missing() == ["siklus"]
    assert p.apply_berakhir(selesai=date(2025, 4, 14), disetujui=True, skp_version=p.skp_version + 1) == "ready"
    assert (p.status, p.berakhir, p.selesai, p.missing()) == (Status.SIAP, True, date(2025, 4, 14), [])


def test_a_part_that_ended_before_approval_is_not_appraised() -> None:
    p = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2025-T")
    p.apply_berakhir(selesai=date(2025, 4, 14), disetujui=False, skp_version=3)
    assert (p.status, p.missing(), p.dinilai_bagian) == (Status.MENUNGGU, ["bagian"], False)


def test_the_end_of_an_approved_part_before_its_approval_arrives_waits_for_the_plan() -> None:
    # Events may arrive in any order: the end (version 9) before the approval (version 7) it follows.
    p = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2025-T")
    assert p.apply_berakhir(selesai=date(2025, 4, 14), disetujui=True, skp_version=9) == "applied"
    assert (p.status, p.missing(), p.dinilai_bagian) == (Status.MENUNGGU, ["skp"], True)
    assert p.apply_rencana(RENCANA, skp_version=7) == "ready"
    assert (p.status, p.missing()) == (Status.SIAP, [])
    version = p.version
    assert p.apply_berakhir(selesai=date(2025, 4, 14), disetujui=True, skp_version=9) == "unchanged"
    assert p.version == version


def test_an_ended_part_ignores_an_older_event_and_a_final_one_any() -> None:
    p = ready(Status.SIAP)
    assert p.apply_berakhir(selesai=date(2025, 4, 14), disetujui=True, skp_version=p.skp_version) == "stale"
    ended = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2025-T")
    ended.apply_berakhir(selesai=date(2025, 4, 14), disetujui=False, skp_version=9)
    assert ended.apply_rencana(RENCANA, skp_version=7) == "stale"  # approved, then reset, then ended as a draft
    final = ready(Status.FINAL)
    assert final.apply_berakhir(selesai=date(2025, 4, 14), disetujui=True, skp_version=99) == "final"
    assert not final.berakhir


def test_the_day_whose_atasan_appraises_a_part() -> None:
    p = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2025-T", rencana=RENCANA)
    today = date(2025, 12, 1)
    assert p.hari_penilai(today) == today  # the current part: today's atasan
    p.selesai = date(2025, 12, 31)
    assert p.hari_penilai(today) == today  # a planned last day is not an end
    p.apply_berakhir(selesai=date(2025, 4, 14), disetujui=True, skp_version=1)
    assert p.hari_penilai(today) == date(2025, 4, 14)  # ended: the atasan of its last day


def test_where_a_part_runs_is_kept_until_it_is_final() -> None:
    p = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2025-T", bagian=2)
    skp = uuid.uuid4()
    assert p.apply_bagian(npsn="20217302", mulai=date(2025, 4, 15), selesai=None, skp_id=skp)
    assert (p.npsn, p.mulai, p.selesai, p.skp_id) == ("20217302", date(2025, 4, 15), None, skp)
    # An event without them keeps them.
    assert not p.apply_bagian(npsn=None, mulai=None, selesai=None, skp_id=None)
    assert p.npsn == "20217302"
    # The event applied with the move counts the version once; a move alone counts it too.
    p.keep_bagian(True, read_version=p.version)
    assert p.version == 2
    p.keep_bagian(True, read_version=1)
    assert p.version == 2
    final = ready(Status.FINAL)
    assert not final.apply_bagian(npsn="99999999", mulai=None, selesai=None, skp_id=None)
    assert final.npsn is None


def test_the_annual_evaluation_waits_for_no_part_that_is_not_appraised() -> None:
    ended = Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2024-S1")
    ended.apply_berakhir(selesai=date(2024, 3, 14), disetujui=False, skp_version=2)
    second = ready(Status.FINAL)
    second.bagian = 2
    hasil, menunggu = tahunan.hasil_periodik([second, ended])
    assert ([(h.periode, h.predikat) for h in hasil], menunggu) == ([("2024-S1", second.nilai.predikat)], 0)  # type: ignore[union-attr]
