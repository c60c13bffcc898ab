"""Results -> the markdown table (figures, references, ratios, targets, met or missed) and the PNG chart.

Pure functions of the result dict, so a unit test can hold them to a small fixture without running anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The targets of the deadline benchmark (README, Performance), for this 2-core machine with everything on it.
CONSUMER_RATIO = 1.0  # batching lets a consumer do better than the reference, which commits one message at a time
CONSUMER_FLOOR = 0.5  # and never worse than half of it
HTTP_RATIO = 0.3
HTTP_RPS = 400.0
HTTP_P99_MS = 150.0
PORTAL_P99_MS = 300.0  # a page at 50 users at once
CYCLE_S_PER_1000 = 120.0
OUTBOX_P99_MS = 200.0
RSS_MB = 150.0


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    reference: str
    ratio: str
    target: str
    met: bool | None  # None: reported, no target

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: "-"}[self.met]


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _at_least(value: Any, floor: float) -> bool | None:
    return None if value is None else value >= floor


def _at_most(value: Any, ceiling: float) -> bool | None:
    return None if value is None else value <= ceiling


def _all(*checks: bool | None) -> bool | None:
    return None if any(c is None for c in checks) else all(checks)


def rows(results: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for service, figure in results.get("consumers", {}).items():
        ref = figure.get("reference", {})
        out.append(
            Row(
                f"consumer {service} (msg/s, 1 process)",
                _num(figure.get("msg_per_s")),
                _num(ref.get("msg_per_s")),
                _num(figure.get("ratio"), 2),
                f"≥ {CONSUMER_RATIO}× (never below {CONSUMER_FLOOR}×)",
                _at_least(figure.get("ratio"), CONSUMER_RATIO),
            )
        )
    http = results.get("http", {})
    for name, label in (("submit", "SKP submit"), ("approve", "SKP approve"), ("queue", "approval queue listing")):
        figure = http.get(name)
        if not figure:
            continue
        ref = figure.get("reference", {})
        value = (
            f"{_num(figure.get('rps'))} req/s, p50 {_num(figure.get('p50_ms'))} / p99 {_num(figure.get('p99_ms'))} ms"
        )
        if figure.get("cpu_ms") is not None:
            value += f", {_num(figure['cpu_ms'], 2)} ms CPU"
        if figure.get("errors"):
            value += f", {figure['errors']} errors"
        reference = f"{_num(ref.get('rps'))} req/s, p99 {_num(ref.get('p99_ms'))} ms"
        if ref.get("cpu_ms") is not None:
            reference += f", {_num(ref['cpu_ms'], 2)} ms CPU"
        if name == "queue":
            out.append(Row(label, value, reference, _num(figure.get("ratio"), 2), "-", None))
            continue
        met = _all(
            _at_least(figure.get("ratio"), HTTP_RATIO),
            _at_least(figure.get("rps"), HTTP_RPS),
            _at_most(figure.get("p99_ms"), HTTP_P99_MS),
            not figure.get("errors"),
        )
        target = f"≥ {HTTP_RATIO}× and ≥ {HTTP_RPS:.0f} req/s, p99 ≤ {HTTP_P99_MS:.0f} ms, no errors"
        out.append(Row(label, value, reference, _num(figure.get("ratio"), 2), target, met))
    for name, label in (("beranda", "portal Beranda"), ("queue", "portal approval queue")):
        figure = results.get("portal", {}).get(name)
        if not figure:
            continue
        ref = figure.get("reference", {})
        value = (
            f"{_num(figure.get('rps'))} pages/s, p50 {_num(figure.get('p50_ms'))} / p99 {_num(figure.get('p99_ms'))} ms"
        )
        if figure.get("cpu_ms"):
            value += ", ms CPU a page: " + ", ".join(f"{proc} {_num(ms, 1)}" for proc, ms in figure["cpu_ms"].items())
        if figure.get("errors"):
            value += f", {figure['errors']} errors"
        users = results["portal"].get("users")
        met = _all(_at_most(figure.get("p99_ms"), PORTAL_P99_MS), not figure.get("errors"))
        out.append(Row(f"{label}, {users} users at once", value, f"bare Jinja2 page: {_num(ref.get('rps'))} pages/s, "
                       f"p99 {_num(ref.get('p99_ms'))} ms", _num(figure.get("ratio"), 2),
                       f"p99 ≤ {PORTAL_P99_MS:.0f} ms, no errors", met))  # fmt: skip
    cycle = results.get("cycle")
    if cycle:
        limit = CYCLE_S_PER_1000 * cycle["teachers"] / 1000
        out.append(
            Row(
                f"full cycle, {cycle['teachers']:,} teachers (wall s)",
                f"{_num(cycle.get('wall_s'))} s, {_num(cycle.get('events_per_s'))} events/s",
                # The drivers run on the same two cores: what they took is not the services'.
                f"drivers' own CPU {_num(cycle['client_cpu_s'])} s" if cycle.get("client_cpu_s") is not None else "-",
                "-",
                f"≤ {limit:.0f} s",
                _at_most(cycle.get("wall_s"), limit),
            )
        )
        out.append(
            Row(
                "approval → BKN push (ms)",
                f"p50 {_num(cycle.get('approval_to_bkn_p50_ms'), 0)}"
                f" / p99 {_num(cycle.get('approval_to_bkn_p99_ms'), 0)}",
                "-",
                "-",
                "-",
                None,
            )
        )
    outbox = results.get("outbox")
    if outbox:
        ref = outbox.get("reference", {})
        ratio = ref["step_p99_ms"] / outbox["p99_ms"] if outbox.get("p99_ms") and ref.get("step_p99_ms") else None
        out.append(
            Row(
                f"outbox lag at {outbox['rate_target']:.0f} ev/s (ms)",
                f"p50 {_num(outbox.get('p50_ms'))} / p99 {_num(outbox.get('p99_ms'))}"
                f" ({outbox.get('received')}/{outbox.get('events')} received)",
                f"step p50 {_num(ref.get('step_p50_ms'))} / p99 {_num(ref.get('step_p99_ms'))}",
                _num(ratio, 2),
                f"p99 ≤ {OUTBOX_P99_MS:.0f} ms",
                _all(_at_most(outbox.get("p99_ms"), OUTBOX_P99_MS), outbox.get("received") == outbox.get("events")),
            )
        )
    ref_rss = results.get("reference_rss_mb", {})
    for process, mb in sorted(results.get("rss_mb", {}).items()):
        reference = ref_rss.get("reference_api" if "api" in process else "reference_consumer")
        out.append(
            Row(
                f"RSS {process} (MB, peak)",
                _num(mb),
                _num(reference),
                _num(mb / reference, 2) if reference else "n/a",
                f"≤ {RSS_MB:.0f} MB",
                _at_most(mb, RSS_MB),
            )
        )
    return out


def markdown(results: dict[str, Any]) -> str:
    meta = results.get("meta", {})
    lines = [
        f"# `make bench`: {meta.get('when', '')}",
        "",
        f"{meta.get('teachers', '?')} teachers, {meta.get('machine', '')}. Ratios compare each figure with its "
        "reference step measured seconds before it in the same run (for latency and memory: reference / figure "
        "and figure / reference). \"ms CPU\" is the server process's own CPU time per request (a service's "
        "includes its relay publishing the request's events; the reference endpoint publishes none).",
        "",
        "| figure | value | reference | ratio | target | |",
        "|---|---|---|---:|---|---|",
    ]
    lines += [
        f"| {r.figure} | {r.value} | {r.reference} | {r.ratio} | {r.target} | {r.verdict} |" for r in rows(results)
    ]
    for stage, reason in results.get("failed", {}).items():
        first = next(iter(reason.splitlines()), "") or "(no message)"
        lines.append(f"| {stage} | failed: {first[:200]} | | | | **missed** |")
    judged = [r for r in rows(results) if r.met is not None]
    lines += ["", f"{sum(r.met for r in judged)} of {len(judged)} targets met."]
    return "\n".join(lines) + "\n"


def chart(results: dict[str, Any], path: Path) -> Path:
    """Throughput (figure beside its reference) and latency (p50, p99) per figure, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    throughput: list[tuple[str, float, float]] = []
    for service, figure in results.get("consumers", {}).items():
        throughput.append(
            (f"{service}\nconsumer", figure.get("msg_per_s") or 0, figure.get("reference", {}).get("msg_per_s") or 0)
        )
    for name in ("submit", "approve", "queue"):
        figure = results.get("http", {}).get(name)
        if figure:
            throughput.append((f"{name}\nHTTP", figure.get("rps") or 0, figure.get("reference", {}).get("rps") or 0))
    latency: list[tuple[str, float, float]] = []
    for name in ("submit", "approve", "queue"):
        figure = results.get("http", {}).get(name)
        if figure:
            latency.append((f"{name}", figure.get("p50_ms") or 0, figure.get("p99_ms") or 0))
    if results.get("outbox"):
        latency.append(("outbox lag", results["outbox"].get("p50_ms") or 0, results["outbox"].get("p99_ms") or 0))

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    xs = range(len(throughput))
    left.bar([x - 0.2 for x in xs], [t[1] for t in throughput], width=0.4, label="measured")
    left.bar([x + 0.2 for x in xs], [t[2] for t in throughput], width=0.4, label="reference step")
    left.set_xticks(list(xs), [t[0] for t in throughput], fontsize=8)
    left.set_ylabel("msg/s or req/s (one process)")
    left.set_title("Throughput beside its reference")
    left.legend()
    xs = range(len(latency))
    right.bar([x - 0.2 for x in xs], [t[1] for t in latency], width=0.4, label="p50")
    right.bar([x + 0.2 for x in xs], [t[2] for t in latency], width=0.4, label="p99")
    right.axhline(150, linestyle="--", linewidth=1, color="grey", label="HTTP p99 target")
    right.set_xticks(list(xs), [t[0] for t in latency], fontsize=8)
    right.set_ylabel("ms")
    right.set_title("Latency")
    right.legend()
    meta = results.get("meta", {})
    fig.suptitle(f"PMM Kinerja make bench, {meta.get('teachers', '?')} teachers, {meta.get('when', '')}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
