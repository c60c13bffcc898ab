"""The chaos run's figures: printed as tables, and written to results/latest.json and latest.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.demo_client import say


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)


def markdown(result: dict[str, Any]) -> str:
    verdict = "PASSED" if result["ok"] else "FAILED"
    lines = [
        f"# Chaos run {result['at']}: {verdict}",
        "",
        f"Seed {result['seed']}; {result['cycles']} cycles (plan -> pelaksanaan -> penilaian -> BKN); driven with "
        f"the faults in {result['driven_s']} s (phases {result['phase_s']}); quiet {result['settle_s']} s later.",
        "",
        "## Faults (recovery = readiness and, where messages waited, the next message consumed; bar 30 s)",
        "",
        "| at (s) | fault | target | phase | lasted (s) | ready (s) | consumed (s) | recovery (s) | ok | note |",
        "|---:|---|---|---|---:|---:|---:|---:|:-:|---|",
    ]
    for f in result["faults"]:
        status = "yes" if f["ok"] else "NO"
        if not f["triggered"]:
            status = "n/a"
        lines.append(
            f"| {f['at_s']} | {f['kind']} | {f['target']} | {f['phase']} | {f['duration_s']} | {_fmt(f['ready_s'])} "
            f"| {_fmt(f['consumed_s'])} | {_fmt(f['recovery_s'])} | {status} | {f['note']} |"
        )
    recoveries = [f["recovery_s"] for f in result["faults"] if f["recovery_s"] is not None]
    if recoveries:
        lines += ["", f"Recovery: max {max(recoveries)} s, mean {sum(recoveries) / len(recoveries):.1f} s "
                      f"over {len(recoveries)} faults."]  # fmt: skip
    lines += ["", "## Counts", "", "| check | expected | actual | ok |", "|---|---:|---:|:-:|"]
    for c in result["checks"]:
        lines.append(f"| {c['name']} | {c['expected']} | {c['actual']} | {'yes' if c['ok'] else 'NO'} |")
    lines += ["", "## What the client saw", "", "| | count |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in result["client"].items()]
    lines += ["", f"BKN sandbox records written more than once (idempotent re-pushes after a lost answer): "
                  f"{result['sandbox_rewrites']}"]  # fmt: skip
    if result["left_when_settled"]:
        lines += ["", f"Still busy when the settle timeout ended: {result['left_when_settled']}"]
    if result["driver_failures"]:
        lines += ["", "## Driver failures", ""] + [f"- {f}" for f in result["driver_failures"]]
    return "\n".join(lines) + "\n"


def write_report(result: dict[str, Any], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    (directory / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (directory / "latest.md").write_text(text)
    say("\n" + text)
