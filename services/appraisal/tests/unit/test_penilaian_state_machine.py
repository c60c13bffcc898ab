"""The Penilaian state machine (docs/domain.md §6): every (status, action) pair, and what each step checks."""

from __future__ import annotations

import sys
import uuid
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from appraisal.domain import events
from appraisal.domain.penilaian import (
    SETTLE,
    TRANSITIONS,
    Aksi,
    HasilPeriodik,
    Penilaian,
    Status,
)
from appraisal.domain.predikat import Predikat, Rating
from pmm_kernel.errors import InvalidValue, StateConflict

sys.path.insert(0, str(Path(__file__).parent))
from penilaian_factory import AT, FINALISASI, RENCANA, SIKLUS, rating, ready  # noqa: E402

# --- the table, pair by pair -------------------------------------------------------------------------------

COMMANDS = (Aksi.NILAI, Aksi.FINALISASI, Aksi.BUKA_KEMBALI, Aksi.HANYA_PERILAKU)


def run(p: Penilaian, aksi: Aksi) -> None:
    match aksi:
        case Aksi.NILAI:
            p.rate(**rating())
        case Aksi.FINALISASI:
            p.finalize(FINALISASI)
        case Aksi.BUKA_KEMBALI:
            p.reopen(at=AT, alasan="salah input rating")
        case Aksi.HANYA_PERILAKU:
            p.set_hanya_perilaku(True)


@pytest.mark.parametrize("aksi", COMMANDS)
@pytest.mark.parametrize("status", list(Status))
def test_every_command_in_every_status(status: Status, aksi: Aksi) -> None:
    p = ready(status)
    version = p.version
    target = TRANSITIONS.get((status, aksi))
    if target is None:
        with pytest.raises(StateConflict) as refused:
            run(p, aksi)
        assert refused.value.field in ("status", "siklus")
        assert refused.value.rule.startswith("penilaian.")
        assert (p.status, p.version) == (status, version)  # a refusal changes nothing
        return
    run(p, aksi)
    expected = p.settled_status() if target == SETTLE else target
    assert p.status is expected
    assert p.version > version


# The table itself, so that a changed rule shows up as a changed row here.
@pytest.mark.parametrize(
    ("status", "aksi", "target"),
    [
        (Status.SIAP, Aksi.NILAI, Status.DINILAI),
        (Status.DINILAI, Aksi.NILAI, Status.DINILAI),
        (Status.DINILAI, Aksi.FINALISASI, Status.FINAL),
        (Status.FINAL, Aksi.BUKA_KEMBALI, Status.DINILAI),
        (Status.MENUNGGU, Aksi.NILAI, None),
        (Status.SIAP, Aksi.FINALISASI, None),
        (Status.FINAL, Aksi.FINALISASI, None),
        (Status.FINAL, Aksi.NILAI, None),
        (Status.FINAL, Aksi.HANYA_PERILAKU, None),
        (Status.DINILAI, Aksi.BUKA_KEMBALI, None),
        *((s, a, SETTLE) for s in (Status.MENUNGGU, Status.SIAP, Status.DINILAI) for a in (
            Aksi.HANYA_PERILAKU, Aksi.SKP_DISETUJUI, Aksi.SKP_DIRESET, Aksi.SIKLUS_SELESAI, Aksi.SIKLUS_DITUTUP,
            Aksi.HASIL_PERIODIK)),
        *((Status.FINAL, a, None) for a in (
            Aksi.SKP_DISETUJUI, Aksi.SKP_DIRESET, Aksi.SIKLUS_SELESAI, Aksi.SIKLUS_DITUTUP, Aksi.HASIL_PERIODIK)),
    ],
)  # fmt: skip
def test_transition_table(status: Status, aksi: Aksi, target: Status | str | None) -> None:
    assert TRANSITIONS.get((status, aksi)) == target


# --- opening and readiness, in any order -------------------------------------------------------------------


def fresh() -> Penilaian:
    return Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2024-S1")


@pytest.mark.parametrize("cycle_first", [False, True])
def test_ratable_once_plan_and_cycle_are_both_there_whatever_their_order(cycle_first: bool) -> None:
    p = fresh()
    assert (p.status, p.missing()) == (Status.MENUNGGU, ["skp", "siklus"])
    steps = [lambda: p.apply_rencana(RENCANA, skp_version=4), lambda: p.apply_siklus(SIKLUS, version=7)]
    if cycle_first:
        steps.reverse()
    assert steps[0]() == "applied"
    assert p.status is Status.MENUNGGU and len(p.missing()) == 1
    assert steps[1]() == "ready"
    assert (p.status, p.missing()) == (Status.SIAP, [])


def test_rating_before_the_cycle_completes_names_the_cycle() -> None:
    p = fresh()
    p.apply_rencana(RENCANA, skp_version=4)
    with pytest.raises(StateConflict) as refused:
        p.rate(**rating())
    assert (refused.value.rule, refused.value.field) == ("penilaian.belum_siap", "siklus")
    assert refused.value.extra["missing"] == ["siklus"]


@pytest.mark.parametrize(
    ("apply", "outcome"),
    [
        (lambda p: p.apply_rencana(RENCANA, skp_version=4), "stale"),  # the same version again: a duplicate
        (lambda p: p.apply_rencana(RENCANA, skp_version=3), "stale"),  # an older one arriving late
        (lambda p: p.apply_skp_reset(skp_version=2), "stale"),
        (lambda p: p.apply_siklus(SIKLUS, version=7), "stale"),
        (lambda p: p.apply_siklus_ditutup(version=5), "stale"),
    ],
)
def test_stale_or_repeated_updates_change_nothing(apply, outcome) -> None:
    p = ready(Status.DINILAI)
    before = replace(p, events=[])
    assert apply(p) == outcome
    assert p == before


def test_a_reset_plan_takes_the_ratings_with_it_and_waits_for_the_new_plan() -> None:
    p = ready(Status.DINILAI)
    assert p.apply_skp_reset(skp_version=5) == "applied"
    assert (p.status, p.rencana, p.nilai, p.missing()) == (Status.MENUNGGU, None, None, ["skp"])
    assert p.apply_rencana(RENCANA, skp_version=6) == "ready"
    assert p.status is Status.SIAP


def test_a_closed_cycle_takes_the_ratings_with_it() -> None:
    p = ready(Status.DINILAI)
    p.apply_siklus_ditutup(version=8)
    assert (p.status, p.siklus, p.nilai) == (Status.MENUNGGU, None, None)


@pytest.mark.parametrize(
    "apply",
    [
        lambda p: p.apply_rencana(RENCANA, skp_version=9),
        lambda p: p.apply_skp_reset(skp_version=9),
        lambda p: p.apply_siklus(SIKLUS, version=9),
        lambda p: p.apply_siklus_ditutup(version=9),
    ],
)
def test_a_final_penilaian_stays_as_it_went_to_bkn(apply) -> None:
    p = ready(Status.FINAL)
    before = replace(p, events=[])
    assert apply(p) == "final"
    assert p == before


# --- rating ------------------------------------------------------------------------------------------------


def test_rating_names_the_predikat_and_the_cell() -> None:
    p = ready()
    nilai = p.rate(**rating(Rating.SESUAI, Rating.DI_ATAS, umpan_balik={"akuntabel": " tepat waktu "}, catatan=" x "))
    assert (nilai.predikat, nilai.cell) == (Predikat.BAIK, "perilaku di_atas x hasil_kerja sesuai")
    assert (nilai.umpan_balik, nilai.catatan, p.status) == ({"akuntabel": "tepat waktu"}, "x", Status.DINILAI)
    # A draft: rating again replaces it.
    assert p.rate(**rating(Rating.DI_ATAS, Rating.DI_ATAS)).predikat is Predikat.SANGAT_BAIK
    assert p.events == []  # nothing leaves the service before finalisation


def test_feedback_only_for_the_plans_berakhlak_values() -> None:
    p = ready()
    with pytest.raises(InvalidValue) as refused:
        p.rate(**rating(umpan_balik={"jujur": "baik"}))
    assert (refused.value.rule, refused.value.field) == ("penilaian.umpan_balik_unknown_value", "umpan_balik.jujur")
    assert p.status is Status.SIAP


def test_hasil_kerja_is_required_unless_perilaku_only() -> None:
    with pytest.raises(InvalidValue) as refused:
        ready().rate(**rating(hasil=None))
    assert (refused.value.rule, refused.value.field) == ("penilaian.hasil_kerja_required", "hasil_kerja")


def test_perilaku_only_needs_no_cycle_and_refuses_a_hasil_kerja_rating() -> None:
    p = fresh()
    p.apply_rencana(RENCANA, skp_version=4)
    p.set_hanya_perilaku(True)
    assert (p.status, p.missing()) == (Status.SIAP, [])
    with pytest.raises(InvalidValue) as refused:
        p.rate(**rating(hasil=Rating.DI_ATAS))
    assert (refused.value.rule, refused.value.field) == ("penilaian.hanya_perilaku", "hasil_kerja")
    nilai = p.rate(**rating(hasil=None, perilaku=Rating.DI_ATAS))
    # evaluasi.toml reads hasil kerja as "sesuai": the predikat follows perilaku.
    assert (nilai.hasil_kerja, nilai.predikat) == (Rating.SESUAI, Predikat.BAIK)


def test_changing_the_perilaku_only_mark_asks_for_new_ratings() -> None:
    p = ready(Status.DINILAI)
    p.set_hanya_perilaku(True)
    assert (p.status, p.nilai) == (Status.SIAP, None)


# --- finalising and reopening ------------------------------------------------------------------------------


def test_finalising_records_one_event_and_a_second_time_is_refused() -> None:
    p = ready(Status.DINILAI)
    p.finalize(FINALISASI)
    assert p.status is Status.FINAL
    assert [type(e) for e in p.events] == [events.PenilaianFinalized]
    (event,) = p.events
    assert (event.penilaian_id, event.version, event.nip, event.finalized_at) == (
        p.id,
        p.version,
        FINALISASI.identitas.nip,
        AT,
    )
    assert (event.predikat, event.angka_kredit) == (p.nilai.predikat, FINALISASI.angka_kredit.nilai)
    with pytest.raises(StateConflict) as refused:
        p.finalize(FINALISASI)
    assert (refused.value.rule, refused.value.field) == ("penilaian.finalisasi_not_allowed_in_final", "status")
    assert len(p.events) == 1


def test_reopening_needs_a_reason_and_is_recorded() -> None:
    p = ready(Status.FINAL)
    with pytest.raises(InvalidValue) as refused:
        p.reopen(at=AT, alasan=" ")
    assert (refused.value.rule, refused.value.field) == ("penilaian.alasan_required", "alasan")
    assert p.status is Status.FINAL
    p.reopen(at=AT, alasan="rating salah input")
    assert (p.status, p.final) == (Status.DINILAI, None)
    assert p.nilai is not None  # the ratings stay as a draft to correct
    (event,) = p.events
    assert isinstance(event, events.PenilaianReopened)
    assert (event.jenis, event.alasan) == ("periodik", "rating salah input")


# --- the year's penilaian tahunan over its periods ---------------------------------------------------------


def annual() -> Penilaian:
    return Penilaian(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2024-T", menimbang_periode=True)


@pytest.mark.parametrize(
    ("hasil", "menunggu", "status"),
    [
        ((), 0, Status.MENUNGGU),  # nothing to weigh
        ((HasilPeriodik("2024-S1", Predikat.BAIK, Decimal("6.25")),), 1, Status.MENUNGGU),  # S2 not final
        ((HasilPeriodik("2024-S1", Predikat.BAIK, Decimal("6.25")),), 0, Status.SIAP),
        (
            (
                HasilPeriodik("2024-S1", Predikat.BAIK, Decimal("6.25")),
                HasilPeriodik("2024-S2", Predikat.SANGAT_BAIK, Decimal("9.38")),
            ),
            0,
            Status.SIAP,
        ),
    ],
)
def test_the_annual_evaluation_waits_for_every_period_of_the_year(hasil, menunggu, status) -> None:
    p = annual()
    p.apply_hasil_periodik(hasil, menunggu=menunggu)
    assert p.status is status
    assert p.missing() == ([] if status is Status.SIAP else ["periodik"])


def test_a_reopened_period_sends_the_annual_evaluation_back_to_waiting() -> None:
    p = annual()
    one = (HasilPeriodik("2024-S1", Predikat.BAIK, None),)
    p.apply_hasil_periodik(one, menunggu=0)
    p.rate(**rating())
    assert p.apply_hasil_periodik(one, menunggu=1) == "applied"  # a second period opened: it waits for it
    assert (p.status, p.nilai is not None) == (Status.MENUNGGU, True)
    assert p.apply_hasil_periodik(one, menunggu=1) == "unchanged"
    assert p.apply_hasil_periodik((), menunggu=1) == "applied"  # the first was reopened
    assert (p.status, p.nilai) == (Status.MENUNGGU, None)  # ratings that weighed it are gone


def test_the_annual_evaluation_cannot_be_marked_perilaku_only() -> None:
    with pytest.raises(InvalidValue) as refused:
        annual().set_hanya_perilaku(True)
    assert refused.value.rule == "penilaian.hanya_perilaku_periodik_only"
