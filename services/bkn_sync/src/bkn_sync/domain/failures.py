"""Every way a push can fail, typed: who can fix it, what they should do, and how the push retries.

One home for the table (docs/domain.md §7). BKN's codes are the sandbox's as far as the real ones are unknown
(assumption: the real adapter maps BKN's messages onto these codes); the local ones arise before any call.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Fixer(StrEnum):
    GURU = "guru"
    OPERATOR_SEKOLAH = "operator_sekolah"  # the school's Dapodik operator: the roster comes from there
    DINAS = "dinas"  # the Dinas Pendidikan (and its BKD, which maintains SIASN for the region)
    BKN = "bkn"
    PMM = "pmm"  # the platform's own operations team


class Retry(StrEnum):
    BACKOFF = "backoff"  # transient: exponential back-off with jitter, for as long as it takes
    ON_CHANGE = "on_change"  # waits for a fix upstream (roster, SIASN, a period), then retries by itself
    AFTER_SKP = "after_skp"  # waits for the SKP push of the same pegawai and period to succeed
    MANUAL = "manual"  # only an operator's "retry now"


@dataclass(frozen=True)
class FailureType:
    kode: str
    fixer: Fixer
    retry: Retry
    action: str

    @property
    def transient(self) -> bool:
        return self.retry is Retry.BACKOFF


_TABLE: tuple[FailureType, ...] = (
    # --- BKN refused the data ---
    FailureType(
        "PEGAWAI_TIDAK_DITEMUKAN",
        Fixer.OPERATOR_SEKOLAH,
        Retry.ON_CHANGE,
        "BKN does not know this NIP: check it in Dapodik against the pegawai's SK and correct the roster; if it is "
        "right, the Dinas asks BKN to register the pegawai in SIASN. The push retries by itself after either.",
    ),
    FailureType(
        "NIP_TIDAK_SESUAI",
        Fixer.OPERATOR_SEKOLAH,
        Retry.ON_CHANGE,
        "BKN holds this NIP under another identity: correct the NIP or the name in Dapodik so the roster matches "
        "the SK. The push retries by itself when the corrected pegawai arrives.",
    ),
    FailureType(
        "UNOR_TIDAK_SESUAI",
        Fixer.OPERATOR_SEKOLAH,
        Retry.ON_CHANGE,
        "BKN places the pegawai in another unit: if they moved, update their school in Dapodik (the roster "
        "follows); if the roster is right, the Dinas asks its BKD to update the unor in SIASN. Retries by itself.",
    ),
    FailureType(
        "JABATAN_TIDAK_SESUAI",
        Fixer.DINAS,
        Retry.ON_CHANGE,
        "The jabatan in SIASN differs from the roster: the Dinas checks the latest SK jabatan and corrects SIASN "
        "or the roster. Retries by itself.",
    ),
    FailureType(
        "ATASAN_BERBEDA",
        Fixer.DINAS,
        Retry.ON_CHANGE,
        "SIASN records another pejabat penilai: the Dinas aligns the atasan in SIASN with the roster (or corrects "
        "the roster's relation). Retries by itself.",
    ),
    FailureType(
        "PERIODE_TIDAK_ADA",
        Fixer.BKN,
        Retry.ON_CHANGE,
        "The period is not open in e-Kinerja: the Dinas asks BKN to open it. Rechecked regularly.",
    ),
    FailureType(
        "SKP_BELUM_DISETUJUI",
        Fixer.GURU,
        Retry.AFTER_SKP,
        "e-Kinerja holds no approved SKP for this period: it goes once the SKP push succeeds. If the teacher "
        "changed the SKP in e-Kinerja, an operator decides the conflict first.",
    ),
    FailureType(
        "VALIDASI_GAGAL",
        Fixer.PMM,
        Retry.MANUAL,
        "BKN rejected the request's fields: the platform team checks the adapter against BKN's rules, then retries it.",
    ),
    FailureType(
        "DITOLAK_BKN",
        Fixer.PMM,
        Retry.MANUAL,
        "BKN refused the push for a reason the adapter does not know: the platform team reads the attempt's "
        "detail, then retries it.",
    ),
    # --- BKN or the link is not well ---
    FailureType(
        "BKN_TIDAK_TERSEDIA",
        Fixer.BKN,
        Retry.BACKOFF,
        "BKN is slow or down: nothing to do, the push retries with back-off until it goes.",
    ),
    FailureType(
        "BKN_MEMBATASI",
        Fixer.BKN,
        Retry.BACKOFF,
        "BKN asked us to slow down (429): the push waits as long as BKN says and goes again.",
    ),
    FailureType(
        "RESPONS_TIDAK_DIKENALI",
        Fixer.PMM,
        Retry.ON_CHANGE,
        "BKN answered in a shape the adapter does not expect (its API may have changed): the platform team "
        "checks the adapter. Rechecked regularly.",
    ),
    FailureType(
        "KREDENSIAL_DITOLAK",
        Fixer.PMM,
        Retry.ON_CHANGE,
        "BKN refused the client credentials: the platform team checks BKN_SYNC_BKN_CLIENT_ID/SECRET with BKN. "
        "Rechecked regularly.",
    ),
    # --- found before calling BKN ---
    FailureType(
        "PEGAWAI_BELUM_DI_ROSTER",
        Fixer.DINAS,
        Retry.ON_CHANGE,
        "The pegawai is not in the roster bkn_sync holds: the Dinas operator imports them; the push goes when the "
        "pegawai arrives.",
    ),
    FailureType(
        "PERIODE_BELUM_DIKENAL",
        Fixer.PMM,
        Retry.ON_CHANGE,
        "bkn_sync has not received this period from planning: the platform team replays planning's "
        "periode.opened. The push goes when it arrives.",
    ),
)

FAILURES: dict[str, FailureType] = {f.kode: f for f in _TABLE}
assert len(FAILURES) == len(_TABLE), "two failure types share a code"

UNAVAILABLE = "BKN_TIDAK_TERSEDIA"
RATE_LIMITED = "BKN_MEMBATASI"
UNKNOWN_RESPONSE = "RESPONS_TIDAK_DIKENALI"
CREDENTIALS_REFUSED = "KREDENSIAL_DITOLAK"
REFUSED_UNKNOWN = "DITOLAK_BKN"


def failure_type(kode: str | None, http_status: int | None = None) -> FailureType:
    """The type of a failure: by BKN's code when known, else by the HTTP status class."""
    if kode in FAILURES:
        return FAILURES[kode]
    if http_status == 429:
        return FAILURES[RATE_LIMITED]
    if http_status is None or http_status >= 500 or http_status == 408:
        return FAILURES[UNAVAILABLE]
    if http_status == 401:
        return FAILURES[CREDENTIALS_REFUSED]
    return FAILURES[REFUSED_UNKNOWN]
