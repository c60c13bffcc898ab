"""The SKP state machine (docs/domain.md §4): every (status, action) pair, allowed or refused, and what each step
checks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from planning.domain import events
from planning.domain.skp import (
    DRAFTING_STEPS,
    MIN_CATATAN,
    TRANSITIONS,
    Action,
    DataDiri,
    IndikatorChoice,
    RhkItem,
    Skp,
    SkpStatus,
    drafting_step,
    next_status,
    peran_of,
    planning_step,
)
from pmm_kernel.errors import Forbidden, InvalidValue, StateConflict

AT = datetime(2024, 1, 20, 3, 0, tzinfo=UTC)
ATASAN = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
BERAKHLAK = {"berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"}

INDIKATOR = IndikatorChoice(
    kode="D.1.3",
    nama="Kualitas pembelajaran: metode",
    perilaku_dianjurkan=("memberi umpan balik",),
    perilaku_dihindari=("ceramah satu arah",),
    recommended=True,
)


def rhk(
    kode: str = "PK-01", target: int = 4, poin: int | None = 8, kategori: str = "pengembangan_kompetensi"
) -> RhkItem:
    return RhkItem(
        kode=kode,
        nama=f"RHK {kode}",
        kategori=kategori,
        rhk_atasan=None,
        aspek="kuantitas",
        indikator_kinerja_individu="jumlah",
        target_kuantitas=target,
        satuan="topik",
        poin=poin,
    )


def complete_plan(status: SkpStatus = SkpStatus.DRAFT) -> Skp:
    """A plan with every step done, put straight into `status` (as the repository would load it)."""
    return Skp(
        id=uuid.uuid4(),
        pegawai_id=uuid.uuid4(),
        periode="2024-S1",
        peran="guru",
        status=status,
        version=3,
        data_diri=DataDiri(sesuai=True, catatan=None),
        indikator=INDIKATOR,
        pengembangan_kompetensi=(rhk(),),
        perilaku_dikonfirmasi=True,
        atasan_id=ATASAN if status is not SkpStatus.DRAFT else None,
    )


# One way to ask the aggregate for each action; EDIT has five (one per step of the plan).
COMMANDS: dict[str, tuple[Action, Callable[[Skp], None]]] = {
    "confirm_data_diri": (Action.EDIT, lambda s: s.confirm_data_diri(sesuai=True, catatan=None)),
    "choose_indikator": (Action.EDIT, lambda s: s.choose_indikator(INDIKATOR)),
    "set_pengembangan_kompetensi": (Action.EDIT, lambda s: s.set_pengembangan_kompetensi((rhk("PK-02", 2),))),
    "set_tugas_tambahan": (
        Action.EDIT,
        lambda s: s.set_tugas_tambahan((rhk("TT-01", 1, None, "tugas_tambahan"),)),
    ),
    "confirm_perilaku": (Action.EDIT, lambda s: s.confirm_perilaku()),
    "submit": (Action.SUBMIT, lambda s: s.submit(at=AT, atasan_id=ATASAN)),
    "approve": (Action.APPROVE, lambda s: s.approve(at=AT, atasan_id=ATASAN, berakhlak=(("akuntabel", "Akuntabel"),))),
    "return_to_pegawai": (
        Action.RETURN,
        lambda s: s.return_to_pegawai(at=AT, atasan_id=ATASAN, catatan="Target terlalu rendah"),
    ),
    "set_ekspektasi_khusus": (
        Action.SET_EKSPEKTASI,
        lambda s: s.set_ekspektasi_khusus({"akuntabel": "Laporan tepat waktu"}, known_values=BERAKHLAK),
    ),
    "reset": (Action.RESET, lambda s: s.reset(at=AT, alasan="Disetujui karena salah klik")),
}

ALL_PAIRS = [(status, action) for status in SkpStatus for action in Action]
REFUSED_PAIRS = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def test_every_action_has_a_command_and_the_table_only_names_known_states() -> None:
    assert {action for action, _ in COMMANDS.values()} == set(Action)
    assert {s for s, _ in TRANSITIONS} | set(TRANSITIONS.values()) <= set(SkpStatus)
    # A plan can always leave DRAFT, and DISETUJUI only by an operator's reset.
    assert [a for s, a in TRANSITIONS if s is SkpStatus.DISETUJUI] == [Action.RESET]


def test_the_table_is_the_documented_machine() -> None:
    assert TRANSITIONS == {
        (SkpStatus.DRAFT, Action.EDIT): SkpStatus.DRAFT,
        (SkpStatus.DIKEMBALIKAN, Action.EDIT): SkpStatus.DIKEMBALIKAN,
        (SkpStatus.DRAFT, Action.SUBMIT): SkpStatus.DIAJUKAN,
        (SkpStatus.DIKEMBALIKAN, Action.SUBMIT): SkpStatus.DIAJUKAN,
        (SkpStatus.DIAJUKAN, Action.APPROVE): SkpStatus.DISETUJUI,
        (SkpStatus.DIAJUKAN, Action.RETURN): SkpStatus.DIKEMBALIKAN,
        (SkpStatus.DIAJUKAN, Action.SET_EKSPEKTASI): SkpStatus.DIAJUKAN,
        (SkpStatus.DISETUJUI, Action.RESET): SkpStatus.DRAFT,
    }


@pytest.mark.parametrize(("pair", "target"), list(TRANSITIONS.items()), ids=lambda v: getattr(v, "value", str(v)))
def test_next_status_of_an_allowed_pair(pair: tuple[SkpStatus, Action], target: SkpStatus) -> None:
    assert next_status(*pair) is target


@pytest.mark.parametrize(("status", "action"), REFUSED_PAIRS, ids=[f"{s.value}-{a.value}" for s, a in REFUSED_PAIRS])
def test_next_status_of_a_refused_pair(status: SkpStatus, action: Action) -> None:
    with pytest.raises(StateConflict) as refused:
        next_status(status, action)
    assert refused.value.rule == f"skp.{action.value}_not_allowed_in_{status.value.lower()}"
    assert refused.value.field == "status"
    assert refused.value.extra == {"status": status.value}


COMMAND_CASES = [(name, status) for name in COMMANDS for status in SkpStatus]


@pytest.mark.parametrize(("command", "status"), COMMAND_CASES, ids=[f"{c}-{s.value}" for c, s in COMMAND_CASES])
def test_each_command_in_each_status(command: str, status: SkpStatus) -> None:
    action, run = COMMANDS[command]
    skp = complete_plan(status)
    before = replace(skp, events=[])
    if (status, action) in TRANSITIONS:
        run(skp)
        assert skp.status is TRANSITIONS[(status, action)]
        assert skp.version == before.version + 1
    else:
        with pytest.raises(StateConflict) as refused:
            run(skp)
        assert refused.value.rule == f"skp.{action.value}_not_allowed_in_{status.value.lower()}"
        assert skp == before  # a refused command changes nothing
        assert skp.events == []


# --- submit ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("undo", "missing"),
    [
        ({"data_diri": None}, ["data_diri"]),
        ({"data_diri": DataDiri(sesuai=False, catatan="golongan salah")}, ["data_diri"]),
        ({"indikator": None}, ["praktik_kinerja"]),
        ({"pengembangan_kompetensi": ()}, ["pengembangan_kompetensi"]),
        ({"perilaku_dikonfirmasi": False}, ["perilaku_kerja"]),
        (
            {"data_diri": None, "indikator": None, "pengembangan_kompetensi": (), "perilaku_dikonfirmasi": False},
            ["data_diri", "praktik_kinerja", "pengembangan_kompetensi", "perilaku_kerja"],
        ),
    ],
)
@pytest.mark.parametrize("status", [SkpStatus.DRAFT, SkpStatus.DIKEMBALIKAN])
def test_submit_refuses_an_incomplete_plan(undo: dict, missing: list[str], status: SkpStatus) -> None:
    skp = replace(complete_plan(status), **undo)
    before = replace(skp, events=[])
    with pytest.raises(InvalidValue) as refused:
        skp.submit(at=AT, atasan_id=ATASAN)
    assert refused.value.rule == "skp.incomplete"
    assert refused.value.extra["missing"] == missing
    assert refused.value.field == missing[0]
    assert all(step in refused.value.detail for step in missing)
    assert skp == before and skp.events == []


def test_tugas_tambahan_is_optional_for_submit() -> None:
    skp = complete_plan()
    assert skp.tugas_tambahan == () and skp.missing_steps() == []
    skp.submit(at=AT, atasan_id=ATASAN)
    assert (skp.status, skp.atasan_id, skp.submitted_at) == (SkpStatus.DIAJUKAN, ATASAN, AT)


# --- notes and reasons -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("catatan", "accepted"),
    [("", False), ("   ", False), ("x" * (MIN_CATATAN - 1), False), ("  abcd  ", False), ("x" * MIN_CATATAN, True)],
)
def test_return_needs_a_note(catatan: str, accepted: bool) -> None:
    skp = complete_plan(SkpStatus.DIAJUKAN)
    if accepted:
        skp.return_to_pegawai(at=AT, atasan_id=ATASAN, catatan=f" {catatan} ")
        assert skp.status is SkpStatus.DIKEMBALIKAN
        assert skp.catatan_atasan == catatan  # stored stripped
        return
    before = replace(skp, events=[])
    with pytest.raises(InvalidValue) as refused:
        skp.return_to_pegawai(at=AT, atasan_id=ATASAN, catatan=catatan)
    assert (refused.value.rule, refused.value.field) == ("skp.catatan_required", "catatan")
    assert skp == before and skp.events == []


@pytest.mark.parametrize(("alasan", "accepted"), [("", False), (" \t ", False), ("salah", True), ("ab cd", True)])
def test_reset_needs_a_reason(alasan: str, accepted: bool) -> None:
    skp = complete_plan(SkpStatus.DISETUJUI)
    skp.approved_at = skp.submitted_at = AT
    if accepted:
        skp.reset(at=AT, alasan=alasan)
        assert (skp.status, skp.approved_at, skp.submitted_at) == (SkpStatus.DRAFT, None, None)
        return
    before = replace(skp, events=[])
    with pytest.raises(InvalidValue) as refused:
        skp.reset(at=AT, alasan=alasan)
    assert (refused.value.rule, refused.value.field) == ("skp.alasan_required", "alasan")
    assert skp == before and skp.events == []


def test_data_diri_reported_wrong_needs_a_note() -> None:
    skp = complete_plan()
    with pytest.raises(InvalidValue) as refused:
        skp.confirm_data_diri(sesuai=False, catatan="  ")
    assert (refused.value.rule, refused.value.field) == ("skp.data_diri_note_required", "catatan")
    assert skp.version == 3 and skp.data_diri == DataDiri(sesuai=True, catatan=None)
    skp.confirm_data_diri(sesuai=False, catatan=" pangkat salah ")
    assert skp.data_diri == DataDiri(sesuai=False, catatan="pangkat salah")
    assert skp.missing_steps() == ["data_diri"]


# --- RHK lists -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "items", "field"),
    [
        (
            "set_pengembangan_kompetensi",
            (rhk("PK-01"), rhk("PK-02"), rhk("PK-01", 2)),
            "pengembangan_kompetensi[2].kode",
        ),
        ("set_tugas_tambahan", (rhk("TT-01", 1, None), rhk("TT-01", 2, None)), "tugas_tambahan[1].kode"),
    ],
)
def test_a_duplicate_rhk_is_refused(method: str, items: tuple[RhkItem, ...], field: str) -> None:
    skp = complete_plan()
    before = replace(skp, events=[])
    with pytest.raises(InvalidValue) as refused:
        getattr(skp, method)(items)
    assert (refused.value.rule, refused.value.field) == ("skp.rhk_duplicate", field)
    assert skp == before


def test_a_target_below_one_is_refused() -> None:
    skp = complete_plan()
    with pytest.raises(InvalidValue) as refused:
        skp.set_pengembangan_kompetensi((rhk("PK-01", 0),))
    assert (refused.value.rule, refused.value.field) == (
        "skp.target_min",
        "pengembangan_kompetensi[0].target_kuantitas",
    )


def test_an_unknown_berakhlak_value_is_refused() -> None:
    skp = complete_plan(SkpStatus.DIAJUKAN)
    with pytest.raises(InvalidValue) as refused:
        skp.set_ekspektasi_khusus({"akuntabel": "ok", "jujur": "?"}, known_values=BERAKHLAK)
    assert refused.value.rule == "katalog.berakhlak_unknown"
    assert skp.ekspektasi_khusus == {} and skp.version == 3


def test_ekspektasi_drops_blank_values_and_strips_the_rest() -> None:
    skp = complete_plan(SkpStatus.DIAJUKAN)
    skp.set_ekspektasi_khusus({"akuntabel": "  tepat waktu ", "loyal": "   "}, known_values=BERAKHLAK)
    assert skp.ekspektasi_khusus == {"akuntabel": "tepat waktu"}


@pytest.mark.parametrize(
    ("items", "points_range", "warns"),
    [
        ((rhk("PK-01", 4, 8),), (32, 128), False),  # exactly 32
        ((rhk("PK-01", 3, 8),), (32, 128), True),  # 24
        ((rhk("PK-01", 16, 8),), (32, 128), False),  # exactly 128
        ((rhk("PK-01", 16, 8), rhk("PK-02", 1, 16)), (32, 128), True),  # 144
        ((rhk("PK-01", 1, None),), None, False),  # 2025 policy: no points
    ],
)
def test_points_warning(items: tuple[RhkItem, ...], points_range: tuple[int, int] | None, warns: bool) -> None:
    skp = complete_plan()
    skp.set_pengembangan_kompetensi(items)
    warning = skp.points_warning(points_range)
    assert (warning is not None) is warns
    if warns:
        assert str(skp.competence_points()) in warning


# --- version and events ----------------------------------------------------------------------------------


def test_version_grows_by_one_on_each_change_through_a_whole_cycle() -> None:
    skp = Skp(id=uuid.uuid4(), pegawai_id=uuid.uuid4(), periode="2024-S1", peran="guru")
    steps: list[Callable[[Skp], None]] = [
        COMMANDS["confirm_data_diri"][1],
        COMMANDS["choose_indikator"][1],
        COMMANDS["set_pengembangan_kompetensi"][1],
        COMMANDS["set_tugas_tambahan"][1],
        COMMANDS["confirm_perilaku"][1],
        COMMANDS["submit"][1],
        COMMANDS["return_to_pegawai"][1],
        COMMANDS["confirm_perilaku"][1],
        COMMANDS["submit"][1],
        COMMANDS["set_ekspektasi_khusus"][1],
        COMMANDS["approve"][1],
        COMMANDS["reset"][1],
    ]
    versions = [skp.version]
    for step in steps:
        step(skp)
        versions.append(skp.version)
    assert versions == list(range(1, len(steps) + 2))
    assert skp.status is SkpStatus.DRAFT


@pytest.mark.parametrize(
    ("status", "command", "event_type", "detail"),
    [
        (SkpStatus.DRAFT, "submit", events.SkpSubmitted, {}),
        (SkpStatus.DIKEMBALIKAN, "submit", events.SkpSubmitted, {}),
        (SkpStatus.DIAJUKAN, "approve", events.SkpApproved, {}),
        (SkpStatus.DIAJUKAN, "return_to_pegawai", events.SkpReturned, {"catatan": "Target terlalu rendah"}),
        (SkpStatus.DISETUJUI, "reset", events.SkpReset, {"alasan": "Disetujui karena salah klik"}),
    ],
)
def test_each_decision_records_one_event_naming_the_plan_at_its_new_version(
    status: SkpStatus, command: str, event_type: type, detail: dict
) -> None:
    skp = complete_plan(status)
    COMMANDS[command][1](skp)
    assert len(skp.events) == 1
    event = skp.events[0]
    assert type(event) is event_type
    assert event.at == AT
    for name, value in detail.items():
        assert getattr(event, name) == value
    assert event.skp == events.SkpRef(
        skp_id=skp.id, version=4, pegawai_id=skp.pegawai_id, periode=skp.periode, atasan_id=skp.atasan_id
    )
    assert skp.version == 4


def test_an_approval_carries_a_frozen_copy_of_what_was_approved() -> None:
    skp = complete_plan(SkpStatus.DIAJUKAN)
    skp.ekspektasi_khusus = {"akuntabel": "tepat waktu"}
    skp.approve(at=AT, atasan_id=ATASAN, berakhlak=(("akuntabel", "Akuntabel"), ("adaptif", "Adaptif")))
    (event,) = skp.events
    assert event.indikator == skp.indikator
    assert event.rhk == (*skp.pengembangan_kompetensi, *skp.tugas_tambahan)
    assert event.perilaku == (
        events.PerilakuCommitment("akuntabel", "Akuntabel", "tepat waktu"),
        events.PerilakuCommitment("adaptif", "Adaptif", None),
    )
    # The event is what was decided: later changes to the plan do not rewrite it.
    skp.ekspektasi_khusus["akuntabel"] = "diubah"
    skp.pengembangan_kompetensi = ()
    assert event.perilaku[0].ekspektasi_khusus == "tepat waktu"
    assert event.rhk != ()


def test_approve_clears_the_return_note_and_records_who_approved() -> None:
    skp = complete_plan(SkpStatus.DIKEMBALIKAN)
    skp.catatan_atasan = "Target terlalu rendah"
    skp.submit(at=AT, atasan_id=ATASAN)
    other = uuid.uuid4()  # a new KS took over the queue
    skp.approve(at=AT, atasan_id=other, berakhlak=())
    assert (skp.status, skp.atasan_id, skp.approved_at, skp.catatan_atasan) == (SkpStatus.DISETUJUI, other, AT, None)
    assert [type(e) for e in skp.events] == [events.SkpSubmitted, events.SkpApproved]
    assert skp.events[0].skp.version == skp.events[1].skp.version - 1


def test_edits_record_no_event() -> None:
    skp = complete_plan()
    for name in ("confirm_data_diri", "choose_indikator", "set_pengembangan_kompetensi", "confirm_perilaku"):
        COMMANDS[name][1](skp)
    assert skp.events == []


# --- the drafting steps and the plan's role ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("undone", "missing"),
    [
        ({}, []),
        ({"data_diri": None}, ["data_diri"]),
        ({"data_diri": DataDiri(sesuai=False, catatan="NIP salah")}, ["data_diri"]),  # reported, not confirmed
        ({"indikator": None}, ["praktik_kinerja"]),
        ({"pengembangan_kompetensi": ()}, ["pengembangan_kompetensi"]),
        ({"tugas_tambahan": ()}, []),  # optional
        ({"perilaku_dikonfirmasi": False}, ["perilaku_kerja"]),
        ({"data_diri": None, "perilaku_dikonfirmasi": False}, ["data_diri", "perilaku_kerja"]),
    ],
)
def test_missing_steps_follow_the_drafting_steps(undone: dict, missing: list[str]) -> None:
    assert replace(complete_plan(), **undone).missing_steps() == missing


def test_the_drafting_steps_in_order_and_their_routes() -> None:
    assert [(s.name, s.path, s.required) for s in DRAFTING_STEPS] == [
        ("data_diri", "data-diri", True),
        ("praktik_kinerja", "praktik-kinerja", True),
        ("pengembangan_kompetensi", "pengembangan-kompetensi", True),
        ("tugas_tambahan", "tugas-tambahan", False),
        ("perilaku_kerja", "perilaku-kerja", True),
    ]
    assert drafting_step("tugas_tambahan") is DRAFTING_STEPS[3]


@pytest.mark.parametrize(
    ("jenis_gtk", "peran", "step"),
    [
        ("Guru Kelas", "guru", "perencanaan_guru"),
        ("Guru BK", "guru", "perencanaan_guru"),
        ("Kepala Sekolah", "kepala_sekolah", "perencanaan_ks"),
        ("Pengawas Sekolah", "pengawas", "perencanaan_ks"),  # in a policy year that gives them a cycle
        # 2026's newcomers plan as teachers do (docs/domain.md §8).
        ("Penilik", "guru", "perencanaan_guru"),
        ("Pamong Belajar", "guru", "perencanaan_guru"),
        ("GPK Unit Layanan Disabilitas", "guru", "perencanaan_guru"),
    ],
)
def test_the_plan_a_pegawai_keeps_and_its_window(jenis_gtk: str, peran: str, step: str) -> None:
    assert peran_of(jenis_gtk, siklus_pengawas=True) == peran
    assert planning_step(peran) == step


@pytest.mark.parametrize(("jenis_gtk", "peran"), [("Guru Kelas", "guru"), ("Kepala Sekolah", "kepala_sekolah")])
def test_without_a_pengawas_cycle_only_a_pengawas_is_refused_a_plan(jenis_gtk: str, peran: str) -> None:
    assert peran_of(jenis_gtk, siklus_pengawas=False) == peran
    with pytest.raises(Forbidden) as refused:
        peran_of("Pengawas Sekolah", siklus_pengawas=False)
    assert refused.value.rule == "pegawai.no_skp"
