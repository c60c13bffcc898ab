"""What differs between an approved plan and BKN's version of it: paths only, never values."""

import pytest

from bkn_sync.domain.conflict import differences

ROW = {"nama": "Pelatihan", "rhk_atasan": None, "aspek": "kuantitas", "indikator_kinerja_individu": "modul",
       "target_kuantitas": 4, "satuan": "modul"}  # fmt: skip


@pytest.mark.parametrize(
    ("bkn", "fields"),
    [
        ([ROW], []),
        ([{**ROW, "nama": "  pelatihan "}], []),  # case and spacing are no difference
        ([{**ROW, "target_kuantitas": 6}], ["rhk[0].target_kuantitas"]),
        ([{**ROW, "satuan": "jam", "aspek": "waktu"}], ["rhk[0].aspek", "rhk[0].satuan"]),
        ([ROW, ROW], ["rhk"]),
        ([], ["rhk"]),
    ],
)
def test_differences(bkn, fields):
    assert differences([ROW], bkn) == fields
