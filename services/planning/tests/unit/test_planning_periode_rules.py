"""A period as planning publishes it, and the rules of an operator's window extension (planning.domain.periode)."""

from __future__ import annotations

from datetime import date

import pytest

from planning.domain.periode import (
    check_extension_later,
    check_tahun,
    extension_reason,
    extension_scope,
    periode_snapshot,
    require_national_operator,
)
from planning.domain.policy import find_periode, load_policies
from pmm_kernel.access import Actor
from pmm_kernel.errors import Forbidden, InvalidValue
from pmm_kernel.windows import Window

POLICIES = load_policies()


def operator(wilayah: str | None) -> Actor:
    return Actor(subject="op", roles=frozenset({"operator"}), pegawai_id=None, wilayah=wilayah)


@pytest.mark.parametrize(
    ("scope", "wilayah", "target", "rule_field"),
    [
        ("", None, None, None),  # a national operator, for everyone
        ("", "32", "32", None),
        ("", "3273", "3273", None),
        ("32", None, "32", None),  # a province's operator, for their province
        ("32", "3273", "3273", None),
        ("3273", None, "3273", None),
        ("3273", "3273", "3273", None),
        ("3273", "32", None, "wilayah"),  # wider than their region
        ("3273", "3204", None, "wilayah"),
        ("32", "31", None, "wilayah"),
        (None, None, None, "role"),  # not an operator
    ],
)
def test_extension_scope(scope: str | None, wilayah: str | None, target: str | None, rule_field: str | None) -> None:
    actor = operator(scope) if scope is not None else Actor("guru", frozenset({"guru"}), None, None)
    if rule_field is None:
        assert extension_scope(actor, wilayah) == target
        return
    with pytest.raises(Forbidden) as refused:
        extension_scope(actor, wilayah)
    if rule_field == "role":
        assert refused.value.rule == "role.operator_required"
    else:
        assert (refused.value.rule, refused.value.field) == ("periode.extend_scope", "wilayah")


@pytest.mark.parametrize(
    ("alasan", "kept"), [("banjir", "banjir"), ("  banjir  ", "banjir"), (" abcd ", None), (None, None)]
)
def test_an_extension_keeps_its_reason_for_the_audit(alasan: str | None, kept: str | None) -> None:
    if kept is None:
        with pytest.raises(InvalidValue) as refused:
            extension_reason(alasan)
        assert refused.value.rule == "periode.alasan_required"
    else:
        assert extension_reason(alasan) == kept


@pytest.mark.parametrize(
    ("until", "allowed"), [(date(2024, 1, 30), False), (date(2024, 1, 31), False), (date(2024, 2, 1), True)]
)
def test_an_extension_ends_after_the_windows_own_close(until: date, allowed: bool) -> None:
    window = Window("perencanaan_guru", date(2024, 1, 1), date(2024, 1, 31), date(2024, 3, 31))
    if allowed:
        check_extension_later(window, until)
        return
    with pytest.raises(InvalidValue) as refused:
        check_extension_later(window, until)
    assert (refused.value.rule, refused.value.field) == ("periode.extension_not_later", "until")


@pytest.mark.parametrize(("wilayah", "allowed"), [("", True), ("32", False), ("3273", False), (None, False)])
def test_only_a_national_operator_opens_periods(wilayah: str | None, allowed: bool) -> None:
    if allowed:
        require_national_operator(operator(wilayah))
        return
    with pytest.raises(Forbidden):
        require_national_operator(operator(wilayah))


@pytest.mark.parametrize(("tahun", "allowed"), [(1999, False), (2000, True), (2100, True), (2101, False)])
def test_check_tahun(tahun: int, allowed: bool) -> None:
    if allowed:
        check_tahun(tahun)
        return
    with pytest.raises(InvalidValue):
        check_tahun(tahun)


def test_the_published_snapshot_of_a_period() -> None:
    periode = find_periode("2024-S1", POLICIES)
    annual = Window("penilaian_tahunan", date(2025, 1, 1), date(2025, 1, 31))
    snapshot = periode_snapshot(periode, annual)
    assert {k: v for k, v in snapshot.items() if k not in ("windows", "penilaian_tahunan")} == {
        "kode": "2024-S1",
        "tahun": 2024,
        "nama": "Semester 1 2024",
        "jenis": "semester",
        "mulai": "2024-01-01",
        "selesai": "2024-06-30",
        "bulan": 6,
        "policy_year": 2024,
        "evidence_upload": True,
        "data_update_step": False,
        "competence_points": [32, 128],
        "pengingat_hari": [7, 3, 1],
    }
    assert snapshot["windows"][0] == {
        "step": "perencanaan_guru",
        "opens": "2024-01-01",
        "closes": "2024-01-31",
        "late_until": "2024-03-31",
    }
    assert snapshot["penilaian_tahunan"] == {
        "step": "penilaian_tahunan",
        "opens": "2025-01-01",
        "closes": "2025-01-31",
        "late_until": None,
    }
    assert periode_snapshot(find_periode("2025-T", POLICIES))["competence_points"] is None
    assert periode_snapshot(periode)["penilaian_tahunan"] is None
