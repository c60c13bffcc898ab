"""`python -m bench [--teachers N] [--quick] [--profile DIR]`: every stage in one run, then the JSON, the table
and the chart in bench/results/ (see bench/__init__.py)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import env, report
from bench.consumers import SERVICES, service_consumer
from bench.cycle import cycle_stage
from bench.http import http_stage
from bench.outbox import outbox_stage
from bench.portal import portal_stage
from bench.procs import run_fast

RESULTS = env.ROOT / "bench" / "results"
STAGES = ("consumers", "http", "cycle", "outbox", "portal")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # noqa: T201 (progress, on stderr)


def _machine() -> str:
    cores = os.cpu_count()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{cores} cores ({model}), RabbitMQ, PostgreSQL and every process on the same machine"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=env.ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every stage; one that fails is recorded under "failed" and the others still run (partial results count)."""
    results: dict[str, Any] = {}
    try:
        await _stages(args, results)
    finally:
        results.setdefault("meta", {})
    return results


async def _stage(results: dict[str, Any], name: str, work: Any) -> Any:
    try:
        return await work
    # A failed stage (a demo driver's refused call, a crash) is recorded in the table; the next runs on a fresh stack.
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"  # a timeout or a bare assertion says nothing by its message alone
        say(f"  {name} failed: {reason}")
        results.setdefault("failed", {})[name] = reason[:500]
        return None


async def _stages(args: argparse.Namespace, results: dict[str, Any]) -> None:
    teachers = 60 if args.quick else args.teachers
    # Three per teacher: at 1,000 the reference consumer is done in well under a second, which measures its start.
    events = args.events or (200 if args.quick else 3 * teachers)
    results.update(
        {
            "meta": {
                "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "commit": _commit(),
                "teachers": teachers,
                "events_per_consumer": events,
                "http_concurrency": args.concurrency,
                "quick": args.quick,
                "machine": _machine(),
            },
            "rss_mb": {},
            "reference_rss_mb": {},
        }
    )
    stages = args.only or STAGES
    started = time.monotonic()

    def rss(name: str, mb: float) -> None:
        results["rss_mb"][name] = max(results["rss_mb"].get(name, 0.0), mb)

    if "consumers" in stages:
        say("== consumers: the reference step, then each service's hot path")
        results["consumers"] = {}
        for service in args.consumer or SERVICES:
            figure = await _stage(
                results, f"consumer {service}", service_consumer(service, events, say, profile=args.profile)
            )
            if figure is None:
                continue
            results["consumers"][service] = figure
            rss(f"{service} (worker)", figure["rss_mb"])
            results["reference_rss_mb"]["reference_consumer"] = figure["reference"]["rss_mb"]
            say(f"  {service}: {figure['msg_per_s']} msg/s, {figure['ratio']}x the reference")
    if "http" in stages:
        say("== HTTP: submit, approval queue, approve (planning)")
        http = await _stage(results, "http", http_stage(teachers, args.concurrency, say, profile=args.profile))
    if "http" in stages and http is not None:
        results["http"] = http
        rss("planning (api)", http["rss_mb"]["planning"])
        results["reference_rss_mb"]["reference_api"] = http["rss_mb"].get("reference_api")
    if "cycle" in stages:
        say(f"== full cycle of {teachers} teachers through every service and the BKN sandbox")
        cycle = await _stage(results, "cycle", cycle_stage(teachers, args.concurrency, say))
    if "cycle" in stages and cycle is not None:
        results["cycle"] = cycle
        for name, mb in cycle["rss_mb"].items():
            rss(f"{name} (all roles)", mb)
    if "outbox" in stages:
        say(f"== outbox lag at {args.rate:.0f} events/s")
        outbox = await _stage(
            results, "outbox", outbox_stage(args.rate, 5.0 if args.quick else 20.0, say, profile=args.profile)
        )
    if "outbox" in stages and outbox is not None:
        consumers = results.get("consumers", {})
        if consumers:
            outbox["reference"] = next(iter(consumers.values()))["reference"]
        results["outbox"] = outbox
        rss("planning (relay)", outbox["rss_mb"])
    if "portal" in stages:
        say(f"== portal: Beranda and the approval queue, {args.users} users at once")
        requests = 300 if args.quick else 2000
        portal = await _stage(results, "portal", portal_stage(args.users, requests, say, profile=args.profile))
    if "portal" in stages and portal is not None:
        results["portal"] = portal
        rss("portal", portal["rss_mb"]["portal"])
    results["meta"]["seconds"] = round(time.monotonic() - started, 1)


def write(results: dict[str, Any], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (directory / "latest.md").write_text(report.markdown(results))
    report.chart(results, directory / "latest.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--teachers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=None, help="events per consumer run (default: 3 x --teachers)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--rate", type=float, default=300.0, help="outbox events per second")
    parser.add_argument("--users", type=int, default=50, help="portal users at once (each signed in)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 60 teachers, 200 events, 5 s of lag")
    parser.add_argument("--only", nargs="+", choices=STAGES, help="run only these stages")
    parser.add_argument("--consumer", nargs="+", choices=SERVICES, help="the consumers stage for these services only")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy speedscope profiles into this directory")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where latest.{json,md,png} go")
    args = parser.parse_args(argv)
    results = run_fast(run(args))
    write(results, args.results)
    print(report.markdown(results))  # noqa: T201 (the table is the command's output)
    say(f"written to {args.results}/latest.json, latest.md, latest.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
