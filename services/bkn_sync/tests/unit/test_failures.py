"""Every failure type says who can fix it and how the push retries (docs/domain.md §7), row by row."""

import pytest

from bkn_sync.domain.failures import FAILURES, Fixer, Retry, failure_type

EXPECTED = [
    ("PEGAWAI_TIDAK_DITEMUKAN", Fixer.OPERATOR_SEKOLAH, Retry.ON_CHANGE),
    ("NIP_TIDAK_SESUAI", Fixer.OPERATOR_SEKOLAH, Retry.ON_CHANGE),
    ("UNOR_TIDAK_SESUAI", Fixer.OPERATOR_SEKOLAH, Retry.ON_CHANGE),
    ("JABATAN_TIDAK_SESUAI", Fixer.DINAS, Retry.ON_CHANGE),
    ("ATASAN_BERBEDA", Fixer.DINAS, Retry.ON_CHANGE),
    ("PERIODE_TIDAK_ADA", Fixer.BKN, Retry.ON_CHANGE),
    ("SKP_BELUM_DISETUJUI", Fixer.GURU, Retry.AFTER_SKP),
    ("VALIDASI_GAGAL", Fixer.PMM, Retry.MANUAL),
    ("DITOLAK_BKN", Fixer.PMM, Retry.MANUAL),
    ("BKN_TIDAK_TERSEDIA", Fixer.BKN, Retry.BACKOFF),
    ("BKN_MEMBATASI", Fixer.BKN, Retry.BACKOFF),
    ("RESPONS_TIDAK_DIKENALI", Fixer.PMM, Retry.ON_CHANGE),
    ("KREDENSIAL_DITOLAK", Fixer.PMM, Retry.ON_CHANGE),
    ("PEGAWAI_BELUM_DI_ROSTER", Fixer.DINAS, Retry.ON_CHANGE),
    ("PERIODE_BELUM_DIKENAL", Fixer.PMM, Retry.ON_CHANGE),
]


@pytest.mark.parametrize(("kode", "fixer", "retry"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_each_failure_type(kode, fixer, retry):
    failure = FAILURES[kode]
    assert (failure.fixer, failure.retry) == (fixer, retry)
    assert failure.transient is (retry is Retry.BACKOFF)
    assert len(failure.action) > 40  # says what to do, not just what went wrong


def test_the_table_has_no_row_without_a_test():
    assert set(FAILURES) == {e[0] for e in EXPECTED}


@pytest.mark.parametrize(
    ("kode", "status", "typed_as"),
    [
        ("UNOR_TIDAK_SESUAI", 422, "UNOR_TIDAK_SESUAI"),  # BKN's code wins
        ("SOMETHING_NEW", 422, "DITOLAK_BKN"),  # an unknown 4xx: a refusal the platform team reads
        (None, 400, "DITOLAK_BKN"),
        (None, 401, "KREDENSIAL_DITOLAK"),
        (None, 429, "BKN_MEMBATASI"),
        (None, 408, "BKN_TIDAK_TERSEDIA"),
        (None, 500, "BKN_TIDAK_TERSEDIA"),
        ("SOMETHING_NEW", 503, "BKN_TIDAK_TERSEDIA"),
        (None, None, "BKN_TIDAK_TERSEDIA"),  # no answer at all (refused connection, timeout)
    ],
)
def test_typing_by_code_then_status(kode, status, typed_as):
    assert failure_type(kode, status).kode == typed_as
