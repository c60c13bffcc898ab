"""Domain events -> contract events: what bkn_sync receives (docs/domain.md §7), field by field."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from appraisal.domain.penilaian import Status
from appraisal.domain.predikat import Rating
from appraisal.integration import to_contract
from pmm_contracts import decode, encode
from pmm_contracts.events.appraisal import PenilaianFinalizedV1, PenilaianReopenedV1

sys.path.insert(0, str(Path(__file__).parent))
from penilaian_factory import AT, FINALISASI, rating, ready  # noqa: E402


@pytest.mark.parametrize(
    ("hasil", "perilaku", "codes", "predikat", "predikat_kode"),
    [
        (Rating.DI_ATAS, Rating.DI_ATAS, (1, 1), "sangat_baik", 1),
        (Rating.SESUAI, Rating.DI_ATAS, (2, 1), "baik", 2),
        (Rating.DI_BAWAH, Rating.SESUAI, (3, 2), "butuh_perbaikan", 3),
        (Rating.SESUAI, Rating.DI_BAWAH, (2, 3), "kurang", 4),
        (Rating.DI_BAWAH, Rating.DI_BAWAH, (3, 3), "sangat_kurang", 5),
    ],
)
def test_finalized_carries_bkn_codes(hasil, perilaku, codes, predikat, predikat_kode) -> None:
    p = ready(Status.SIAP)
    p.rate(**rating(hasil, perilaku))
    p.finalize(FINALISASI)
    out = to_contract(p.events[0])
    data = out.data
    assert isinstance(data, PenilaianFinalizedV1)
    assert (out.aggregate_id, out.aggregate_version) == (f"penilaian:{p.id}", p.version)
    assert (data.hasil_kerja_kode, data.perilaku_kerja_kode) == codes
    assert (data.predikat, data.predikat_kode) == (predikat, predikat_kode)
    assert (data.bulan_mulai, data.bulan_selesai, data.tahun_mulai, data.tahun_selesai) == (1, 6, 2024, 2024)
    assert (data.jenis, data.nip, data.jenjang, data.koefisien) == (
        "periodik",
        "198609262015051001",
        "ahli_pertama",
        Decimal("12.5"),
    )
    assert (data.angka_kredit, data.angka_kredit_kumulatif) == (Decimal("6.25"), Decimal("6.25"))
    assert (data.penilai.status_penilai, data.penilai.unor, data.hanya_perilaku) == ("ASN", "SD 1", False)
    # It survives the wire: encoded, decoded by the catalogue, the same model.
    body = encode(data, event_id=p.id, occurred_at=AT, aggregate_id=out.aggregate_id, aggregate_version=1)
    assert decode(body).data == data


def test_reopened() -> None:
    p = ready(Status.FINAL)
    p.reopen(at=AT, alasan="rating salah input")
    data = to_contract(p.events[0]).data
    assert isinstance(data, PenilaianReopenedV1)
    assert (data.penilaian_id, data.jenis, data.alasan, data.reopened_at) == (
        p.id,
        "periodik",
        "rating salah input",
        AT,
    )


def test_what_was_finalised_is_what_goes_out_whatever_the_penilaian_becomes_later() -> None:
    p = ready(Status.DINILAI)
    p.finalize(FINALISASI)
    finalized, final_version = p.events[0], p.version
    p.reopen(at=AT, alasan="rating salah input")
    p.rate(**rating(Rating.DI_BAWAH, Rating.DI_BAWAH))
    out = to_contract(finalized)
    assert isinstance(out.data, PenilaianFinalizedV1)
    assert (out.aggregate_version, out.data.predikat, out.data.angka_kredit) == (final_version, "baik", Decimal("6.25"))
    reopened = to_contract(p.events[1])
    assert (reopened.aggregate_id, reopened.aggregate_version) == (f"penilaian:{p.id}", final_version + 1)
