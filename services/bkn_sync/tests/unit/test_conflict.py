"""What differs between an approved plan and BKN's version of it (paths only, never values), and the conflict's
decision."""

import uuid
from datetime import UTC, datetime

import pytest

from bkn_sync.domain.bkn import SkpEdit
from bkn_sync.domain.conflict import Conflict, ConflictStatus, Keputusan, Plan, differences
from bkn_sync.domain.events import BknSkpReceived, ConflictOpened, ConflictResolved
from bkn_sync.domain.periods import BknPeriode
from pmm_kernel.errors import InvalidValue, StateConflict

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


# --- the conflict's decision ---------------------------------------------------------------------------------

NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
PLAN = Plan(uuid.UUID(int=1), "2024-S1", uuid.UUID(int=2), approved=True, version=3, rhk=[ROW])
EDIT = SkpEdit(9, "198001012005011001", BknPeriode(2024, 1, 2024, 6), "disetujui", [{**ROW, "target_kuantitas": 6}],
               datetime(2024, 2, 1, tzinfo=UTC))  # fmt: skip


def opened() -> Conflict:
    return Conflict.open(PLAN, EDIT, jenis="skp", fields=["rhk[0].target_kuantitas"], now=NOW)


def test_a_conflict_opens_with_both_versions_and_is_announced():
    conflict = opened()
    assert conflict.pmm == {"rhk": [ROW], "skp_id": str(PLAN.skp_id), "version": 3}
    assert conflict.bkn_edit(EDIT.nip) == EDIT  # what an operator may accept is exactly BKN's edit
    [event] = conflict.events
    assert isinstance(event, ConflictOpened) and (event.version, event.fields) == (1, ["rhk[0].target_kuantitas"])


@pytest.mark.parametrize(
    ("keputusan", "alasan", "status", "events", "rule"),
    [
        (Keputusan.PERTAHANKAN_PMM, "BKN salah", ConflictStatus.RESOLVED, [ConflictResolved], None),
        (Keputusan.TERIMA_BKN, "sesuai BKN", ConflictStatus.RESOLVED, [BknSkpReceived, ConflictResolved], None),
        (Keputusan.TERIMA_BKN, "ok", ConflictStatus.OPEN, [], "conflict.alasan_required"),
        (Keputusan.TERIMA_BKN, "    a    ", ConflictStatus.OPEN, [], "conflict.alasan_required"),
    ],
)  # fmt: skip
def test_decide(keputusan, alasan, status, events, rule):
    conflict = opened()
    conflict.events.clear()
    try:
        conflict.decide(keputusan, alasan=alasan, by="op-1", nip=EDIT.nip, now=NOW)
    except InvalidValue as refused:
        assert refused.rule == rule
    else:
        assert rule is None
    assert conflict.status is status
    assert [type(e) for e in conflict.events] == events


def test_a_decided_conflict_is_not_decided_again():
    conflict = opened()
    conflict.decide(Keputusan.PERTAHANKAN_PMM, alasan="BKN salah", by="op-1", nip=EDIT.nip, now=NOW)
    with pytest.raises(StateConflict):
        conflict.decide(Keputusan.TERIMA_BKN, alasan="BKN benar", by="op-2", nip=EDIT.nip, now=NOW)
    assert (conflict.keputusan, conflict.decided_by, conflict.version) == (Keputusan.PERTAHANKAN_PMM, "op-1", 2)
