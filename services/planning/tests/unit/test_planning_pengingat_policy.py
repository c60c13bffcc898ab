"""Reminder days are policy data per policy year (docs/domain.md §3): read from each policy file, carried by its
periods and published in their snapshot; a malformed list fails when the service starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from planning.domain.periode import periode_snapshot
from planning.domain.policy import PolicyFileError, find_periode, load_policies

POLICIES = load_policies()
SOURCE = Path(__file__).resolve().parents[2] / "src" / "planning" / "domain" / "reference" / "policy" / "2025.toml"


@pytest.mark.parametrize("kode", ["2024-S1", "2024-S2", "2025-T"])
def test_every_policy_year_reminds_seven_three_and_one_day_before_the_close(kode):
    periode = find_periode(kode, POLICIES)
    assert periode.pengingat_hari == (7, 3, 1)
    assert periode_snapshot(periode)["pengingat_hari"] == [7, 3, 1]


def _with_days(tmp_path: Path, days: str | None) -> Path:
    text = SOURCE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("pengingat_hari")]
    if days is not None:
        lines.insert(1, f"pengingat_hari = {days}")
    (tmp_path / "2025.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_a_policy_without_reminder_days_publishes_none(tmp_path):
    (policy,) = load_policies(_with_days(tmp_path, None))
    assert policy.pengingat_hari == ()
    assert periode_snapshot(policy.periods_for(2025)[0])["pengingat_hari"] is None


def test_the_days_are_kept_largest_first(tmp_path):
    (policy,) = load_policies(_with_days(tmp_path, "[1, 14, 3]"))
    assert policy.periods_for(2025)[0].pengingat_hari == (14, 3, 1)


@pytest.mark.parametrize("days", ["[0]", "[61]", "[3, 3]", '["7"]', "7", "[true]", "[2.5]"])
def test_malformed_reminder_days_fail_at_start_up(tmp_path, days):
    with pytest.raises(PolicyFileError, match="pengingat_hari"):
        load_policies(_with_days(tmp_path, days))
