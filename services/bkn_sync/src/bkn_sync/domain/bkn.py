"""What BKN answers, as values the use cases work with: the adapter turns BKN's HTTP into these and nothing else
crosses that line (no response objects, no BKN field names but the SIASN profile's, which mapping.py reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bkn_sync.domain.periods import BknPeriode


@dataclass(frozen=True)
class Accepted:
    bkn_id: str


@dataclass(frozen=True)
class Refused:
    """Anything but an acceptance: BKN's typed refusal, its 5xx or 429, a broken link, an answer of the wrong
    shape. `kode` is BKN's code when it gave one, else the adapter's (see failures.py)."""

    kode: str | None
    http_status: int | None
    detail: str
    retry_after: float | None = None


Outcome = Accepted | Refused


class CircuitOpen(Exception):
    """The adapter refuses to call BKN while the circuit is open: nothing was attempted."""

    def __init__(self, reopens_in: float) -> None:
        super().__init__(f"circuit open for {reopens_in:.1f} s more")
        self.reopens_in = reopens_in


@dataclass(frozen=True)
class Identity:
    """Who a push is about, read from the roster projection at attempt time (so a corrected roster is what
    the retry sends)."""

    nip: str
    nama: str
    unor_id: str
    jabatan_nama: str
    penilai_nip: str | None = None  # the SKP's pejabat penilai (the current atasan)


@dataclass(frozen=True)
class ProfilChange:
    seq: int
    nip: str
    changes: dict[str, Any]  # SIASN field names (mapping.py translates what planning takes)
    at: datetime


@dataclass(frozen=True)
class SkpEdit:
    seq: int
    nip: str
    periode: BknPeriode
    status: str
    rhk: list[dict[str, Any]]  # in PMM's words (BknRhkPart's fields)
    at: datetime


FeedItem = ProfilChange | SkpEdit


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    position: int  # pass back as `since` for the next page


@dataclass(frozen=True)
class HeldRecord:
    """One record BKN holds for a pegawai (reconciliation compares these with the pushes that succeeded)."""

    jenis: str
    periode: BknPeriode
    bkn_id: str
    values: dict[str, Any]
