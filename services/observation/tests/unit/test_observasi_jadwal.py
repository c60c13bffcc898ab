"""The observation happens on or after the date both parties agreed, earlier only with the atasan's reason
(docs/domain.md §5)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from observation.domain.events import IndikatorRef
from observation.domain.pelaksanaan import (
    MIN_ALASAN_PINDAH,
    Pelaksanaan,
    Persiapan,
    RubrikInput,
    Tahap,
    check_observasi_date,
)
from pmm_kernel.errors import InvalidValue, StateConflict

AGREED = date(2024, 2, 12)
AT = datetime(2024, 2, 12, 2, 0, tzinfo=UTC)
REASON = "Guru dinas luar pada tanggal itu"

# (day observed, alasan_pindah) -> the reason kept, or the refusal's (error, rule, field).
CASES = [
    (date(2024, 2, 12), None, None),  # on the agreed day
    (date(2024, 2, 13), None, None),  # after it
    (date(2024, 2, 13), "  ", None),  # a blank reason is no reason, and none is needed
    (date(2024, 2, 14), REASON, REASON),  # a reason given after the date is kept, not dropped
    (date(2024, 2, 11), None, (StateConflict, "observasi.sebelum_jadwal", "alasan_pindah")),
    (date(2024, 2, 1), "   ", (StateConflict, "observasi.sebelum_jadwal", "alasan_pindah")),
    (date(2024, 2, 11), "rapat", "rapat"),  # exactly the minimum
    (date(2024, 2, 11), f"  {REASON}  ", REASON),  # kept stripped
    (date(2024, 2, 11), "rapa", (InvalidValue, "observasi.alasan_pindah_too_short", "alasan_pindah")),
    (date(2024, 2, 20), "x", (InvalidValue, "observasi.alasan_pindah_too_short", "alasan_pindah")),
]


@pytest.mark.parametrize(("on", "alasan", "expected"), CASES)
def test_the_observation_day_against_the_agreed_date(on: date, alasan: str | None, expected):
    if isinstance(expected, tuple):
        error, rule, field = expected
        with pytest.raises(error) as refused:
            check_observasi_date(AGREED, on=on, alasan_pindah=alasan)
        assert (refused.value.rule, refused.value.field) == (rule, field)
        return
    assert check_observasi_date(AGREED, on=on, alasan_pindah=alasan) == expected


def test_the_refusal_names_the_agreed_date():
    with pytest.raises(StateConflict) as refused:
        check_observasi_date(AGREED, on=date(2024, 2, 5), alasan_pindah=None)
    assert refused.value.extra == {"jadwal_disepakati": "2024-02-12"}
    assert "2024-02-12" in str(refused.value)


def test_the_minimum_is_five_characters():
    assert MIN_ALASAN_PINDAH == 5


INDIKATOR = IndikatorRef(kode="D.1", nama="Pembelajaran", perilaku_dianjurkan=("tujuan",), perilaku_dihindari=())


def agreed_cycle() -> Pelaksanaan:
    p = Pelaksanaan(
        id=uuid.uuid4(),
        skp_id=uuid.uuid4(),
        pegawai_id=uuid.uuid4(),
        periode="2024-S1",
        atasan_id=uuid.uuid4(),
        indikator=INDIKATOR,
        skp_version=1,
        opened_at=AT,
        tahap=Tahap.OBSERVASI,
        persiapan=Persiapan(("tujuan",), "Menyiapkan LKPD", AGREED, jadwal_disepakati=AGREED),
    )
    return p


def record(p: Pelaksanaan, on: date, alasan: str | None = None) -> None:
    assert p.atasan_id is not None
    p.catat_observasi(
        atasan_id=p.atasan_id,
        mode="langsung",
        items=[RubrikInput("tujuan", "efektif")],
        catatan=None,
        at=AT,
        on=on,
        alasan_pindah=alasan,
    )


def test_an_early_observation_without_a_reason_changes_nothing():
    p = agreed_cycle()
    with pytest.raises(StateConflict):
        record(p, date(2024, 2, 9))
    assert (p.tahap, p.version, p.observasi, p.events) == (Tahap.OBSERVASI, 1, None, [])


def test_an_early_observation_keeps_its_reason():
    p = agreed_cycle()
    record(p, date(2024, 2, 9), REASON)
    assert p.tahap is Tahap.DISKUSI and p.observasi is not None and p.observasi.alasan_pindah == REASON


def test_an_observation_on_the_day_needs_no_reason():
    p = agreed_cycle()
    record(p, AGREED)
    assert p.observasi is not None and p.observasi.alasan_pindah is None


def test_a_reset_keeps_the_reason_with_the_closed_cycle():
    p = agreed_cycle()
    record(p, date(2024, 2, 9), REASON)
    p.tutup(reason="Salah indikator", at=AT)
    p.buka_ulang(skp_id=uuid.uuid4(), atasan_id=p.atasan_id, indikator=INDIKATOR, skp_version=2, at=AT)
    assert p.observasi is None and p.riwayat[0]["alasan_pindah"] == REASON
