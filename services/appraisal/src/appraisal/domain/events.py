"""What happened in appraisal, in the domain's words. `integration.py` maps each to its contract event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appraisal.domain.penilaian import Penilaian


@dataclass(frozen=True)
class PenilaianFinalized:
    penilaian: Penilaian  # a snapshot taken at finalisation: its `final` holds what BKN needs


@dataclass(frozen=True)
class PenilaianReopened:
    penilaian: Penilaian
    jenis: str  # of the finalisation it undoes
    alasan: str
    at: datetime
