"""What follows an attempt, and which arrivals heal which failures."""

import pytest

from bkn_sync.domain.bkn import Accepted, Refused
from bkn_sync.domain.push import PushStatus, RetryPolicy, Trigger, codes_healed_by, decide
from bkn_sync.domain.resilience import Backoff

F, P, S = PushStatus.FAILED, PushStatus.PENDING, PushStatus.SUCCEEDED
POLICY = RetryPolicy(backoff=Backoff(base_seconds=2.0, cap_seconds=300.0, jitter=0.5), recheck_seconds=3600.0)


@pytest.mark.parametrize(
    ("outcome", "attempt", "previous", "status", "retry_in", "kode", "announce"),
    [
        (Accepted("b-1"), 1, None, S, None, None, False),
        (Accepted("b-1"), 7, "BKN_TIDAK_TERSEDIA", S, None, None, False),
        (Refused(None, 503, "down"), 1, None, P, 2.0, "BKN_TIDAK_TERSEDIA", False),
        (Refused(None, None, "refused"), 4, None, P, 16.0, "BKN_TIDAK_TERSEDIA", False),
        (Refused("BKN_MEMBATASI", 429, "slow", retry_after=30.0), 1, None, P, 30.0, "BKN_MEMBATASI", False),
        (Refused("UNOR_TIDAK_SESUAI", 422, "x"), 1, None, F, 3600.0, "UNOR_TIDAK_SESUAI", True),
        # The slow recheck of the same failure is not announced again; a different one is.
        (Refused("UNOR_TIDAK_SESUAI", 422, "x"), 2, "UNOR_TIDAK_SESUAI", F, 3600.0, "UNOR_TIDAK_SESUAI", False),
        (Refused("JABATAN_TIDAK_SESUAI", 422, "x"), 2, "UNOR_TIDAK_SESUAI", F, 3600.0, "JABATAN_TIDAK_SESUAI", True),
        (Refused("SKP_BELUM_DISETUJUI", 409, "x"), 1, None, F, 3600.0, "SKP_BELUM_DISETUJUI", True),
        (Refused("VALIDASI_GAGAL", 400, "x"), 1, None, F, None, "VALIDASI_GAGAL", True),  # manual only
        (Refused("RESPONS_TIDAK_DIKENALI", 200, "x"), 1, None, F, 3600.0, "RESPONS_TIDAK_DIKENALI", True),
    ],
)  # fmt: skip
def test_decide(outcome, attempt, previous, status, retry_in, kode, announce):
    decision = decide(outcome, attempt=attempt, previous_kode=previous, policy=POLICY, random=0.0)
    assert decision.status is status
    assert decision.retry_in == (None if retry_in is None else pytest.approx(retry_in))
    assert (decision.failure.kode if decision.failure else None) == kode
    assert decision.announce is announce


@pytest.mark.parametrize(
    ("trigger", "heals", "leaves"),
    [
        (Trigger.ROSTER, {"UNOR_TIDAK_SESUAI", "NIP_TIDAK_SESUAI", "PEGAWAI_BELUM_DI_ROSTER"},
         {"SKP_BELUM_DISETUJUI", "VALIDASI_GAGAL"}),
        (Trigger.SIASN, {"ATASAN_BERBEDA", "JABATAN_TIDAK_SESUAI"}, {"SKP_BELUM_DISETUJUI"}),
        (Trigger.SKP_PUSHED, {"SKP_BELUM_DISETUJUI"}, {"UNOR_TIDAK_SESUAI"}),
        (Trigger.PERIODE, {"PERIODE_BELUM_DIKENAL"}, {"DITOLAK_BKN"}),
        (Trigger.OPERATOR, {"VALIDASI_GAGAL", "DITOLAK_BKN", "SKP_BELUM_DISETUJUI", "UNOR_TIDAK_SESUAI"}, set()),
    ],
)  # fmt: skip
def test_what_each_arrival_heals(trigger, heals, leaves):
    codes = set(codes_healed_by(trigger))
    assert heals <= codes
    assert not leaves & codes
