"""What happened in bkn_sync, in the domain's words. `integration.py` maps each to its contract event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class PushRef:
    push_id: UUID
    pegawai_id: UUID
    periode: str
    jenis: str
    bagian: str
    version: int  # grows with every change of the push's state


@dataclass(frozen=True)
class PushSucceeded:
    push: PushRef
    bkn_id: str
    attempts: int
    at: datetime


@dataclass(frozen=True)
class PushFailed:
    push: PushRef
    kode: str
    fixer: str
    action: str
    attempts: int
    at: datetime


@dataclass(frozen=True)
class BknPegawaiChanged:
    nip: str
    changes: dict[str, str]
    at: datetime
    seq: int  # the feed position: grows with every change BKN reports


@dataclass(frozen=True)
class BknSkpReceived:
    nip: str
    pegawai_id: UUID | None
    periode: str | None
    tahun: int
    bulan_mulai: int
    bulan_selesai: int
    status_bkn: str
    rhk: list[dict[str, Any]]
    at: datetime
    seq: int
    conflict_id: UUID | None = None


@dataclass(frozen=True)
class ConflictOpened:
    conflict_id: UUID
    pegawai_id: UUID
    periode: str
    jenis: str
    fields: list[str]
    at: datetime
    version: int


@dataclass(frozen=True)
class ConflictResolved:
    conflict_id: UUID
    pegawai_id: UUID
    periode: str
    keputusan: str
    at: datetime
    version: int
