"""The pelaksanaan state machine (docs/domain.md §5): every (tahap, aksi) pair, allowed or refused; each step's
checks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from observation.domain import events
from observation.domain.events import IndikatorRef
from observation.domain.pelaksanaan import (
    FINAL,
    STEP_OF,
    TRANSITIONS,
    Aksi,
    Pelaksanaan,
    Persiapan,
    RubrikInput,
    Step,
    Tahap,
    Upaya,
    is_overdue,
    next_tahap,
)
from pmm_kernel.errors import InvalidValue, StateConflict

AT = datetime(2024, 2, 5, 2, 0, tzinfo=UTC)
ATASAN = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
WINDOW = (date(2024, 2, 5), date(2024, 5, 30))
PAST = (date(2024, 2, 1), date(2024, 2, 5))
ON = date(2024, 2, 20)  # the observed lesson's day: after any date agreed below
INDIKATOR = IndikatorRef(
    kode="D.1",
    nama="Kualitas pembelajaran",
    perilaku_dianjurkan=("tujuan", "umpan balik", "suasana tertib"),
    perilaku_dihindari=("satu arah", "hukuman"),
)
ALL_PERILAKU = (*INDIKATOR.perilaku_dianjurkan, *INDIKATOR.perilaku_dihindari)

# The table as docs/domain.md §5 reads it: every allowed transition, with the step it completes.
EXPECTED: dict[tuple[Tahap, Aksi], tuple[Tahap, Step | None]] = {
    (Tahap.PERSIAPAN, Aksi.SUSUN_PERSIAPAN): (Tahap.JADWAL_DIUSULKAN, None),
    (Tahap.JADWAL_DIUSULKAN, Aksi.SUSUN_PERSIAPAN): (Tahap.JADWAL_DIUSULKAN, None),
    (Tahap.JADWAL_DIUSULKAN_ATASAN, Aksi.SUSUN_PERSIAPAN): (Tahap.JADWAL_DIUSULKAN, None),
    (Tahap.JADWAL_DIUSULKAN, Aksi.SETUJUI_JADWAL): (Tahap.OBSERVASI, Step.PERSIAPAN),
    (Tahap.JADWAL_DIUSULKAN, Aksi.USULKAN_JADWAL_LAIN): (Tahap.JADWAL_DIUSULKAN_ATASAN, None),
    (Tahap.JADWAL_DIUSULKAN_ATASAN, Aksi.USULKAN_JADWAL_LAIN): (Tahap.JADWAL_DIUSULKAN_ATASAN, None),
    (Tahap.JADWAL_DIUSULKAN_ATASAN, Aksi.TERIMA_JADWAL): (Tahap.OBSERVASI, Step.PERSIAPAN),
    (Tahap.OBSERVASI, Aksi.CATAT_OBSERVASI): (Tahap.DISKUSI, Step.OBSERVASI),
    (Tahap.DISKUSI, Aksi.CATAT_DISKUSI_ATASAN): (Tahap.DISKUSI_MENUNGGU_GURU, None),
    (Tahap.DISKUSI, Aksi.CATAT_DISKUSI_GURU): (Tahap.DISKUSI_MENUNGGU_ATASAN, None),
    (Tahap.DISKUSI_MENUNGGU_GURU, Aksi.CATAT_DISKUSI_ATASAN): (Tahap.DISKUSI_MENUNGGU_GURU, None),
    (Tahap.DISKUSI_MENUNGGU_ATASAN, Aksi.CATAT_DISKUSI_GURU): (Tahap.DISKUSI_MENUNGGU_ATASAN, None),
    (Tahap.DISKUSI_MENUNGGU_GURU, Aksi.CATAT_DISKUSI_GURU): (Tahap.UPAYA, Step.DISKUSI),
    (Tahap.DISKUSI_MENUNGGU_ATASAN, Aksi.CATAT_DISKUSI_ATASAN): (Tahap.UPAYA, Step.DISKUSI),
    (Tahap.UPAYA, Aksi.CATAT_UPAYA): (Tahap.REFLEKSI, Step.UPAYA),
    (Tahap.REFLEKSI, Aksi.CATAT_UPAYA): (Tahap.REFLEKSI, None),
    (Tahap.REFLEKSI, Aksi.CATAT_REFLEKSI): (Tahap.SELESAI, Step.REFLEKSI),
    **{(t, Aksi.TAMBAH_BUKTI): (t, None) for t in Tahap if t not in (Tahap.SELESAI, Tahap.DITUTUP)},
    **{(t, Aksi.TUTUP): (Tahap.DITUTUP, None) for t in Tahap if t is not Tahap.DITUTUP},
    (Tahap.DITUTUP, Aksi.BUKA_ULANG): (Tahap.PERSIAPAN, None),
}
ALL_PAIRS = [(t, a) for t in Tahap for a in Aksi]


def test_the_table_is_exactly_the_expected_one():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("tahap", "aksi"), ALL_PAIRS, ids=lambda v: v.value)
def test_every_pair_is_allowed_or_refused_naming_the_rule(tahap: Tahap, aksi: Aksi):
    if (tahap, aksi) in EXPECTED:
        assert next_tahap(tahap, aksi) == EXPECTED[(tahap, aksi)]
        return
    with pytest.raises(StateConflict) as refused:
        next_tahap(tahap, aksi)
    assert refused.value.rule == f"pelaksanaan.{aksi.value}_not_allowed_in_{tahap.value.lower()}"
    assert refused.value.field == "tahap"


def test_the_five_steps_complete_once_each_in_order():
    completing = [step for (_, _), (_, step) in TRANSITIONS.items() if step is not None]
    assert sorted(set(completing), key=list(Step).index) == list(Step)
    assert [STEP_OF[t] for t in (Tahap.PERSIAPAN, Tahap.OBSERVASI, Tahap.DISKUSI, Tahap.UPAYA, Tahap.REFLEKSI)] == list(
        Step
    )
    assert all(STEP_OF[t] is None for t in FINAL)


# --- driving the aggregate ---------------------------------------------------------------------------------


def fresh() -> Pelaksanaan:
    p = Pelaksanaan.open(
        id=uuid.uuid4(),
        skp_id=uuid.uuid4(),
        pegawai_id=uuid.uuid4(),
        periode="2024-S1",
        atasan_id=ATASAN,
        indikator=INDIKATOR,
        skp_version=5,
        at=AT,
    )
    p.events.clear()
    return p


def rubric(value: str = "efektif") -> list[RubrikInput]:
    return [RubrikInput(perilaku=p, nilai=value) for p in ALL_PERILAKU]


# One way to ask the aggregate for each action a person takes.
COMMANDS: dict[Aksi, Callable[[Pelaksanaan], None]] = {
    Aksi.SUSUN_PERSIAPAN: lambda p: p.susun_persiapan(
        target_perilaku=["tujuan"], upaya="Menyiapkan LKPD", jadwal=date(2024, 2, 12), jadwal_range=WINDOW
    ),
    Aksi.SETUJUI_JADWAL: lambda p: p.setujui_jadwal(at=AT),
    Aksi.USULKAN_JADWAL_LAIN: lambda p: p.usulkan_jadwal_lain(
        jadwal=date(2024, 2, 20), catatan=None, jadwal_range=WINDOW
    ),
    Aksi.TERIMA_JADWAL: lambda p: p.terima_jadwal(at=AT),
    Aksi.CATAT_OBSERVASI: lambda p: p.catat_observasi(
        atasan_id=ATASAN, mode="langsung", items=rubric(), catatan=None, at=AT, on=ON
    ),
    Aksi.CATAT_DISKUSI_ATASAN: lambda p: p.catat_diskusi_atasan(
        catatan="Pertahankan",
        tujuan="Umpan balik",
        langkah="Rubrik kelas",
        jadwal=date(2024, 3, 1),
        jadwal_range=WINDOW,
        at=AT,
    ),
    Aksi.CATAT_DISKUSI_GURU: lambda p: p.catat_diskusi_guru(catatan="Saya setuju", at=AT),
    Aksi.CATAT_UPAYA: lambda p: p.catat_upaya(
        items=[Upaya("Pelatihan asesmen", "platform", date(2024, 2, 3))], tanggal_range=PAST, at=AT
    ),
    Aksi.CATAT_REFLEKSI: lambda p: p.catat_refleksi(
        refleksi="Murid lebih cepat memperbaiki pekerjaan.", dokumen_kurang=[], bukti_count=2, at=AT
    ),
}


def in_state(tahap: Tahap) -> Pelaksanaan:
    """A cycle put straight into `tahap`, with what that tahap implies already recorded."""
    p = fresh()
    persiapan = Persiapan(("tujuan",), "Menyiapkan LKPD", date(2024, 2, 12), jadwal_atasan=date(2024, 2, 14))
    return replace(p, tahap=tahap, persiapan=persiapan, version=3, events=[])


@pytest.mark.parametrize(("tahap", "aksi"), [(t, a) for t in Tahap for a in COMMANDS], ids=lambda v: v.value)
def test_each_command_follows_the_table_and_a_refusal_changes_nothing(tahap: Tahap, aksi: Aksi):
    p = in_state(tahap)
    if (tahap, aksi) not in TRANSITIONS:
        with pytest.raises(StateConflict):
            COMMANDS[aksi](p)
        assert (p.tahap, p.version, p.events) == (tahap, 3, [])
        return
    target, completes = TRANSITIONS[(tahap, aksi)]
    COMMANDS[aksi](p)
    assert p.tahap is target
    completed = [e.step for e in p.events if isinstance(e, events.StepCompleted)]
    assert completed == ([completes.value] if completes else [])
    # One version per change, one more per extra event: every event carries a version of its own.
    assert p.version == 3 + max(1, len(p.events))
    assert [e.ref.version for e in p.events] == list(range(4, 4 + len(p.events)))


def test_a_whole_cycle_records_its_events_in_order():
    p = fresh()
    for aksi in (
        Aksi.SUSUN_PERSIAPAN,
        Aksi.SETUJUI_JADWAL,
        Aksi.CATAT_OBSERVASI,
        Aksi.CATAT_DISKUSI_GURU,
        Aksi.CATAT_DISKUSI_ATASAN,
        Aksi.CATAT_UPAYA,
        Aksi.CATAT_REFLEKSI,
    ):
        COMMANDS[aksi](p)
    kinds = [type(e).__name__ for e in p.events]
    assert kinds == [
        "StepCompleted",
        "StepCompleted",
        "ObservasiRecorded",
        "StepCompleted",
        "StepCompleted",
        "StepCompleted",
        "PelaksanaanCompleted",
    ]
    completed = p.events[-1]
    assert isinstance(completed, events.PelaksanaanCompleted)
    assert completed.bukti_count == 2 and completed.atasan_id == ATASAN
    assert completed.rubrik is not None and completed.rubrik.count("efektif") == 5
    assert p.tahap is Tahap.SELESAI and set(p.step_selesai) == {s.value for s in Step}


@pytest.mark.parametrize(
    ("command", "rule", "field"),
    [
        (
            lambda p: p.susun_persiapan(
                target_perilaku=[], upaya="Menyiapkan", jadwal=date(2024, 2, 12), jadwal_range=WINDOW
            ),
            "persiapan.target_required",
            "target_perilaku",
        ),
        (
            lambda p: p.susun_persiapan(
                target_perilaku=["menari"], upaya="Menyiapkan", jadwal=date(2024, 2, 12), jadwal_range=WINDOW
            ),
            "persiapan.target_unknown",
            "target_perilaku[0]",
        ),
        (
            lambda p: p.susun_persiapan(
                target_perilaku=["tujuan", "tujuan"], upaya="Menyiapkan", jadwal=date(2024, 2, 12), jadwal_range=WINDOW
            ),
            "persiapan.target_duplicate",
            "target_perilaku[1]",
        ),
        (
            lambda p: p.susun_persiapan(
                target_perilaku=["tujuan"], upaya="  ", jadwal=date(2024, 2, 12), jadwal_range=WINDOW
            ),
            "persiapan.upaya_required",
            "upaya",
        ),
        (
            lambda p: p.susun_persiapan(
                target_perilaku=["tujuan"], upaya="Menyiapkan", jadwal=date(2024, 2, 4), jadwal_range=WINDOW
            ),
            "persiapan.jadwal_outside_window",
            "jadwal",
        ),
        (
            lambda p: p.susun_persiapan(
                target_perilaku=["tujuan"], upaya="Menyiapkan", jadwal=date(2024, 5, 31), jadwal_range=WINDOW
            ),
            "persiapan.jadwal_outside_window",
            "jadwal",
        ),
    ],
)
def test_persiapan_checks_name_the_field_and_the_rule(command, rule, field):
    p = fresh()
    with pytest.raises(InvalidValue) as refused:
        command(p)
    assert (refused.value.rule, refused.value.field) == (rule, field)
    assert p.tahap is Tahap.PERSIAPAN and p.version == 1


@pytest.mark.parametrize(
    ("items", "mode", "rule", "field"),
    [
        (rubric()[:4], "langsung", "observasi.rubric_incomplete", "items"),
        (
            [*rubric(), RubrikInput("tujuan", "efektif")],
            "langsung",
            "observasi.perilaku_duplicate",
            "items[5].perilaku",
        ),
        ([RubrikInput("menari", "efektif"), *rubric()], "langsung", "observasi.perilaku_unknown", "items[0].perilaku"),
        ([RubrikInput("tujuan", "bagus"), *rubric()[1:]], "langsung", "observasi.nilai_unknown", "items[0].nilai"),
        (rubric(), "telepon", "observasi.mode_unknown", "mode"),
    ],
)
def test_the_rubric_needs_a_value_for_every_behaviour_of_the_indicator(items, mode, rule, field):
    p = in_state(Tahap.OBSERVASI)
    with pytest.raises(InvalidValue) as refused:
        p.catat_observasi(atasan_id=ATASAN, mode=mode, items=items, catatan=None, at=AT, on=ON)
    assert (refused.value.rule, refused.value.field) == (rule, field)


@pytest.mark.parametrize("mode", ["langsung", "rekaman", "catatan_guru"])
def test_the_observation_modes_are_recorded_as_such(mode):
    p = in_state(Tahap.OBSERVASI)
    p.catat_observasi(
        atasan_id=ATASAN, mode=mode, items=list(reversed(rubric("belum_efektif"))), catatan=" ", at=AT, on=ON
    )
    assert p.observasi is not None and p.observasi.mode == mode and p.observasi.catatan is None
    assert [i.perilaku for i in p.observasi.items] == list(ALL_PERILAKU)  # in the indicator's order
    assert [i.jenis for i in p.observasi.items] == ["dianjurkan"] * 3 + ["dihindari"] * 2


def test_an_empty_reflection_and_missing_principal_documents_are_refused():
    p = in_state(Tahap.REFLEKSI)
    with pytest.raises(InvalidValue) as empty:
        p.catat_refleksi(refleksi="  pendek ", dokumen_kurang=[], bukti_count=0, at=AT)
    assert (empty.value.rule, empty.value.field) == ("refleksi.required", "refleksi")
    with pytest.raises(StateConflict) as documents:
        p.catat_refleksi(
            refleksi="Refleksi yang cukup panjang untuk dibaca.", dokumen_kurang=["rkt"], bukti_count=0, at=AT
        )
    assert documents.value.rule == "refleksi.dokumen_ks_missing" and documents.value.extra == {"missing": ["rkt"]}
    assert p.tahap is Tahap.REFLEKSI and p.version == 3


@pytest.mark.parametrize(
    ("item", "rule", "field"),
    [
        (Upaya("  ", "platform", date(2024, 2, 3)), "upaya.deskripsi_required", "upaya[0].deskripsi"),
        (Upaya("Pelatihan asesmen", "kantin", date(2024, 2, 3)), "upaya.tempat_unknown", "upaya[0].tempat"),
        (Upaya("Pelatihan asesmen", "platform", date(2024, 2, 6)), "upaya.tanggal_outside", "upaya[0].tanggal"),
        (Upaya("Pelatihan asesmen", "platform", date(2024, 1, 31)), "upaya.tanggal_outside", "upaya[0].tanggal"),
    ],
)
def test_upaya_checks(item, rule, field):
    p = in_state(Tahap.UPAYA)
    with pytest.raises(InvalidValue) as refused:
        p.catat_upaya(items=[item], tanggal_range=PAST, at=AT)
    assert (refused.value.rule, refused.value.field) == (rule, field)
    with pytest.raises(InvalidValue) as none:
        p.catat_upaya(items=[], tanggal_range=PAST, at=AT)
    assert none.value.rule == "upaya.required"


def test_the_atasan_cannot_counter_propose_the_guru_s_own_date():
    p = in_state(Tahap.JADWAL_DIUSULKAN)
    with pytest.raises(InvalidValue) as refused:
        p.usulkan_jadwal_lain(jadwal=date(2024, 2, 12), catatan=None, jadwal_range=WINDOW)
    assert refused.value.rule == "persiapan.jadwal_same_as_proposed"


def test_closing_and_reopening_starts_a_fresh_cycle_and_keeps_the_old_one_in_riwayat():
    p = in_state(Tahap.DISKUSI)
    p.tutup(reason="reset", at=AT)
    assert p.tahap is Tahap.DITUTUP and isinstance(p.events[-1], events.PelaksanaanClosed)
    new_indikator = replace(INDIKATOR, kode="D.1.1")
    p.buka_ulang(skp_id=uuid.uuid4(), atasan_id=ATASAN, indikator=new_indikator, skp_version=9, at=AT)
    assert (p.tahap, p.siklus, p.skp_version, p.indikator.kode) == (Tahap.PERSIAPAN, 2, 9, "D.1.1")
    assert p.persiapan is None and p.step_selesai == {}
    assert [r["siklus"] for r in p.riwayat] == [1] and p.riwayat[0]["persiapan"]["upaya"] == "Menyiapkan LKPD"
    assert isinstance(p.events[-1], events.PelaksanaanOpened) and p.events[-1].indikator.kode == "D.1.1"


@pytest.mark.parametrize(
    ("tahap", "on", "overdue"),
    [
        (None, date(2024, 5, 30), False),  # not opened, window still open (its last day)
        (None, date(2024, 5, 31), True),  # not opened, window closed
        (Tahap.OBSERVASI, date(2024, 5, 31), True),
        (Tahap.DITUTUP, date(2024, 5, 31), True),  # the plan was reset: no live cycle
        (Tahap.SELESAI, date(2024, 6, 30), False),  # done is never overdue
        (Tahap.REFLEKSI, date(2024, 3, 1), False),
    ],
)
def test_overdue(tahap, on, overdue):
    assert is_overdue(tahap, effective_close=date(2024, 5, 30), on=on) is overdue
