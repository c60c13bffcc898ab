"""Where a person stands: the current period, deadlines with the region's extension, each phase's state."""

from __future__ import annotations

from datetime import date

import pytest

from portal import cycle

S1 = {
    "kode": "2024-S1",
    "mulai": "2024-01-01",
    "selesai": "2024-06-30",
    "windows": [
        {"step": "perencanaan_guru", "opens": "2024-01-01", "closes": "2024-01-31", "late_until": "2024-03-31"},
        {"step": "perencanaan_ks", "opens": "2024-01-15", "closes": "2024-01-31", "late_until": None},
        {"step": "pelaksanaan", "opens": "2024-02-01", "closes": "2024-05-30", "late_until": None},
        {"step": "penilaian", "opens": "2024-06-01", "closes": "2024-06-30", "late_until": None},
    ],
    "extensions": [
        {"step": "pelaksanaan", "until": "2024-06-15", "wilayah": "3273", "alasan": "banjir"},
        {"step": "penilaian", "until": "2024-07-10", "wilayah": None, "alasan": "sistem"},
        {"step": "perencanaan_ks", "until": "2024-01-20", "wilayah": None, "alasan": "lebih awal"},
    ],
}
S2 = {**S1, "kode": "2024-S2", "mulai": "2024-07-01", "selesai": "2024-12-31", "extensions": []}


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 1, 1), "2024-S1"),
        (date(2024, 6, 30), "2024-S1"),
        (date(2024, 7, 1), "2024-S2"),
        (date(2025, 2, 1), "2024-S2"),  # nothing open: the last that began
        (date(2023, 12, 1), "2024-S1"),  # nothing begun: the first to come
    ],
)
def test_the_current_period(today, expected):
    assert cycle.current_period([S2, S1], today)["kode"] == expected


def test_no_period_at_all():
    assert cycle.current_period([], date(2024, 1, 1)) is None


@pytest.mark.parametrize(
    ("step", "wilayah", "expected"),
    [
        ("perencanaan_guru", "3273", (date(2024, 3, 31), False)),  # late entry counts, no extension
        ("perencanaan_ks", "3273", (date(2024, 1, 31), False)),  # an "extension" to an earlier day changes nothing
        ("pelaksanaan", "3273", (date(2024, 6, 15), True)),  # the region's own extension
        ("pelaksanaan", "3274", (date(2024, 5, 30), False)),  # another region's does not apply
        ("penilaian", None, (date(2024, 7, 10), True)),  # an extension for everyone
        ("penilaian_tahunan", "3273", (None, False)),  # no such window in this period
    ],
)
def test_deadlines_with_extensions(step, wilayah, expected):
    assert cycle.deadline(S1, step, wilayah) == expected


def _phases(**overrides):
    answers = {"skp": None, "pelaksanaan": None, "penilaian": None, "sinkron": None} | overrides
    return {p.kode: p for p in cycle.phases(S1, peran="guru", wilayah="3273", **answers)}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, {"perencanaan": "belum_dimulai", "pelaksanaan": "belum_bisa", "penilaian": "belum_bisa",
              "sinkron": "belum_bisa"}),
        ({"skp": {"status": "DRAFT"}}, {"perencanaan": "sedang_berjalan"}),
        ({"skp": {"status": "DIKEMBALIKAN"}}, {"perencanaan": "perlu_tindakan"}),
        ({"skp": {"status": "DIAJUKAN"}}, {"perencanaan": "menunggu"}),
        ({"skp": {"status": "DISETUJUI"}, "pelaksanaan": {"steps": [{"selesai": False}]}},
         {"perencanaan": "selesai", "pelaksanaan": "belum_dimulai"}),
        ({"pelaksanaan": {"steps": [{"selesai": True}, {"selesai": False}]}}, {"pelaksanaan": "sedang_berjalan"}),
        ({"pelaksanaan": {"steps": [], "completed_at": "2024-03-01T00:00:00Z"}}, {"pelaksanaan": "selesai"}),
        ({"penilaian": {"status": "SIAP"}}, {"penilaian": "menunggu"}),
        ({"penilaian": {"status": "FINAL"}}, {"penilaian": "selesai"}),
        ({"sinkron": {"pushes": [{"periode": "2024-S1", "status": "succeeded"}]}}, {"sinkron": "selesai"}),
        ({"sinkron": {"pushes": [{"periode": "2024-S1", "status": "succeeded"},
                                 {"periode": "2024-S1", "status": "failed"}]}}, {"sinkron": "gagal"}),
        ({"sinkron": {"pushes": [{"periode": "2024-S1", "status": "pending"}]}}, {"sinkron": "menunggu"}),
        ({"sinkron": {"pushes": [{"periode": "2023-S2", "status": "failed"}]}}, {"sinkron": "belum_bisa"}),
    ],
)  # fmt: skip
def test_each_phase_state(answers, expected):
    phases = _phases(**answers)
    assert {kode: phases[kode].status for kode in expected} == expected


def test_a_kepala_sekolah_plans_in_their_own_window():
    plan = cycle.phases(S1, peran="kepala_sekolah", wilayah="3273", skp=None, pelaksanaan=None, penilaian=None,
                        sinkron=None)[0]  # fmt: skip
    assert plan.tenggat == date(2024, 1, 31)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, "perencanaan"),
        ({"skp": {"status": "DIAJUKAN"}}, None),  # waiting for the atasan: nothing to do
        ({"skp": {"status": "DIKEMBALIKAN"}}, "perencanaan"),
        ({"skp": {"status": "DISETUJUI"}, "pelaksanaan": {"steps": [{"selesai": True}]}}, "pelaksanaan"),
    ],
)
def test_the_next_thing_to_do(answers, expected):
    found = cycle.next_step(list(_phases(**answers).values()))
    assert (found.kode if found else None) == expected
