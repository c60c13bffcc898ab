"""`make bench`'s rendering: a small result dict -> the markdown table's verdicts and a PNG chart (nothing runs)."""

from __future__ import annotations

from pathlib import Path

from bench import report

FIXTURE = {
    "meta": {"when": "2026-01-01 00:00 UTC", "teachers": 1000, "machine": "2 cores"},
    "consumers": {
        "planning": {"msg_per_s": 1100.0, "ratio": 1.1, "reference": {"msg_per_s": 1000.0}},
        "observation": {"msg_per_s": 200.0, "ratio": 0.2, "reference": {"msg_per_s": 1000.0}},
    },
    "http": {
        "submit": {
            "rps": 500.0,
            "p50_ms": 20.0,
            "p99_ms": 90.0,
            "errors": 0,
            "ratio": 0.35,
            "reference": {"rps": 1400.0},
        },
        "approve": {
            "rps": 500.0,
            "p50_ms": 20.0,
            "p99_ms": 400.0,
            "errors": 0,
            "ratio": 0.35,
            "reference": {"rps": 1400.0},
        },
        "queue": {
            "rps": 300.0,
            "p50_ms": 30.0,
            "p99_ms": 80.0,
            "errors": 0,
            "ratio": 0.2,
            "reference": {"rps": 1400.0},
        },
    },
    "cycle": {"teachers": 1000, "wall_s": 150.0, "events_per_s": 80.0, "approval_to_bkn_p50_ms": 900.0},
    "outbox": {"rate_target": 300.0, "p50_ms": 12.0, "p99_ms": 60.0, "events": 100, "received": 100, "reference": {}},
    "portal": {
        "users": 50,
        "beranda": {"rps": 120.0, "p50_ms": 90.0, "p99_ms": 250.0, "errors": 0, "ratio": 0.1, "reference": {}},
        "queue": {"rps": 150.0, "p50_ms": 80.0, "p99_ms": 350.0, "errors": 0, "ratio": 0.1, "reference": {}},
    },
    "rss_mb": {"planning (api)": 120.0, "bkn_sync (worker)": 170.0},
    "reference_rss_mb": {"reference_api": 60.0, "reference_consumer": 50.0},
}


def _verdicts() -> dict[str, bool | None]:
    return {row.figure: row.met for row in report.rows(FIXTURE)}


def test_each_figure_is_judged_against_its_target() -> None:
    verdicts = _verdicts()
    assert verdicts["consumer planning (msg/s, 1 process)"] is True
    assert verdicts["consumer observation (msg/s, 1 process)"] is False  # 0.2x < 1.0x
    assert verdicts["SKP submit"] is True
    assert verdicts["SKP approve"] is False  # p99 400 ms > 150 ms, although the rate and ratio are fine
    assert verdicts["approval queue listing"] is None  # reported, no target
    assert verdicts["full cycle, 1,000 teachers (wall s)"] is False  # 150 s > 120 s
    assert verdicts["outbox lag at 300 ev/s (ms)"] is True
    assert verdicts["portal Beranda, 50 users at once"] is True
    assert verdicts["portal approval queue, 50 users at once"] is False  # p99 350 ms > 300 ms
    assert verdicts["RSS planning (api) (MB, peak)"] is True
    assert verdicts["RSS bkn_sync (worker) (MB, peak)"] is False


def test_memory_is_compared_with_the_reference_process_of_its_kind() -> None:
    rows = {row.figure: row for row in report.rows(FIXTURE)}
    assert rows["RSS planning (api) (MB, peak)"].ratio == "2.00"  # 120 / the reference endpoint's 60
    assert rows["RSS bkn_sync (worker) (MB, peak)"].ratio == "3.40"  # 170 / the reference consumer's 50


def test_the_markdown_table_counts_what_was_met() -> None:
    text = report.markdown(FIXTURE)
    assert (
        "| consumer observation (msg/s, 1 process) | 200.0 | 1,000.0 | 0.20 | ≥ 1.0× (never below 0.5×) | **missed** |"
        in text
    )
    assert "5 of 10 targets met." in text


def test_a_missing_figure_is_not_a_pass() -> None:
    partial = {"consumers": {"appraisal": {"msg_per_s": None, "ratio": None, "reference": {}}}}
    (row,) = report.rows(partial)
    assert row.met is None and row.value == "n/a"


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    path = report.chart(FIXTURE, tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
