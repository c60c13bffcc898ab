"""A smoke run of `make bench` (not part of `make test`: the bench is run on demand, and takes minutes).

.venv/bin/pytest bench/tests -q
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main


@pytest.mark.timeout(900)  # every stage, each with its own stack: minutes, not the suite's two
def test_a_quick_run_writes_every_result(tmp_path: Path) -> None:
    assert main(["--quick", "--results", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "latest.json").read_text())
    assert set(results["consumers"]) == {"planning", "observation", "appraisal", "bkn_sync"}
    assert all(c["handled"] == c["events"] for c in results["consumers"].values())
    assert results["http"]["submit"]["errors"] == 0 and results["http"]["approve"]["errors"] == 0
    assert results["cycle"]["bkn_skp_records"] == results["cycle"]["pegawai"]
    assert results["outbox"]["received"] == results["outbox"]["events"]
    serving = {"portal", "planning", "observation", "appraisal", "bkn_sync"}
    assert all(set(results["portal"][page]["cpu_ms"]) == serving for page in ("beranda", "queue"))
    assert results["portal"]["beranda"]["cpu_ms"]["appraisal"] > 0  # Beranda asks every service
    assert (tmp_path / "latest.md").read_text().startswith("# `make bench`")
    assert (tmp_path / "latest.png").read_bytes()[:4] == b"\x89PNG"
