"""Events published by bkn_sync: what BKN's e-Kinerja and SIASN say changed."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from pmm_contracts.envelope import EventData


class ProfilChanges(BaseModel):
    """The SIASN fields that differ from what the roster last sent; absent means unchanged."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    nama: str | None = None
    pangkat_golongan: str | None = None
    jenjang_jabatan: str | None = None


class BknPegawaiChangedV1(EventData):
    """A pegawai profile changed in SIASN, the source of truth for data diri; planning applies it."""

    PRODUCER: ClassVar[str] = "bkn_sync"
    # The aggregate is the pegawai as BKN knows it, distinct from planning's roster pegawai.
    TYPE: ClassVar[str] = "bkn_pegawai.changed"
    VERSION: ClassVar[int] = 1
    nip: str
    changes: ProfilChanges
    siasn_updated_at: datetime
