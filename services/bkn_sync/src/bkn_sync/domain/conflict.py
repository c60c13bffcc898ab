"""An approved SKP that e-Kinerja now holds differently: what differs, and what an operator may decide.

After approval a plan is immutable here (docs/domain.md §4), so a difference coming from BKN is never applied
silently: it is kept as a conflict until an operator keeps PMM's version (pushed again, overwriting BKN's) or
accepts BKN's (planning is told; the plan changes only through an operator's audited reset there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

# The parts of an RHK row that e-Kinerja holds; a difference in any of them is a conflict.
COMPARED = ("nama", "rhk_atasan", "aspek", "indikator_kinerja_individu", "target_kuantitas", "satuan")


class Keputusan(StrEnum):
    PERTAHANKAN_PMM = "pertahankan_pmm"  # keep what was approved here: push it again
    TERIMA_BKN = "terima_bkn"  # take BKN's version: planning receives it (bkn.skp.received)


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


def _norm(value: Any) -> Any:
    return " ".join(value.split()).lower() if isinstance(value, str) else value


def differences(pmm: Sequence[Mapping[str, Any]], bkn: Sequence[Mapping[str, Any]]) -> list[str]:
    """Field paths that differ between the approved RHK rows and BKN's, in order; never the values."""
    found = [] if len(pmm) == len(bkn) else ["rhk"]
    for index, (ours, theirs) in enumerate(zip(pmm, bkn, strict=False)):
        found += [f"rhk[{index}].{f}" for f in COMPARED if _norm(ours.get(f)) != _norm(theirs.get(f))]
    return found
