"""`make chaos`: the cycles of many teachers under a seeded schedule of faults, then everything counted.

    python -m chaos [--teachers 500] [--seed S] [--bkn-outage-s 120] [--kills 5] [--failpoints 8] [--cut-s 45]
    python -m chaos --teachers 50 --bkn-outage-s 20 --kills 2 --failpoints 3   # the smoke size

It starts its OWN RabbitMQ node (port 5673) and PostgreSQL cluster (port 5433) in temporary directories (it
restarts and crashes them; the machine's 5672/5432 are never touched), the stack on port offset 600 with a TCP
proxy between one service and the broker, and stops and removes all of it at the end, failure or not.
Prints the faults with their recovery and the counts; writes chaos/results/latest.json and latest.md; exits 1
when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import math
import random
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bkn_sandbox.seed import profiles_from_region
from chaos.checks import Counter, personal_data
from chaos.drive import PLAN_AT, Driver
from chaos.faults import SANDBOX_ADMIN, Injector
from chaos.infra import OwnPostgres, OwnRabbit, infrastructure
from chaos.proxy import TcpProxy
from chaos.report import write_report
from tools.demo_client import say
from tools.demo_roster import demo_region
from tools.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
PORT_OFFSET = 600
PROXY_PORT = 5674
PROXIED = "appraisal"  # consumes the most event types: its link to the broker is the one cut
TEACHERS_PER_SCHOOL = 20


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", type=int, default=500, help="teachers (guru); each school adds a principal")
    parser.add_argument("--seed", type=int, default=None, help="the fault schedule's seed (default: random)")
    parser.add_argument("--bkn-outage-s", type=float, default=120.0, help="BKN down this long, then 429/5xx")
    parser.add_argument("--kills", type=int, default=5, help="kill -9 of each service, this many times")
    parser.add_argument("--failpoints", type=int, default=8, help="crashes between an HTTP commit and its answer")
    parser.add_argument("--cut-s", type=float, default=45.0, help="how long the proxied service's broker link is cut")
    parser.add_argument("--concurrency", type=int, default=8, help="cycles driven at once")
    parser.add_argument("--gap", type=float, nargs=2, default=(3.0, 10.0), help="seconds between faults (min max)")
    parser.add_argument("--settle-timeout-s", type=float, default=900.0)
    parser.add_argument("--results", type=Path, default=ROOT / "chaos" / "results")
    return parser


class Run:
    """Everything the run starts, so that everything is stopped: `close()` runs from finally and from atexit."""

    def __init__(self) -> None:
        self.rabbit: OwnRabbit | None = None
        self.postgres: OwnPostgres | None = None
        self.stack: Stack | None = None
        self.run_dir = Path(tempfile.mkdtemp(prefix="pmm-chaos-run-"))
        self.closed = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for step in (
            lambda: self.stack and self.stack.down(),
            lambda: self.rabbit and self.rabbit.remove(),
            lambda: self.postgres and self.postgres.remove(),
            lambda: shutil.rmtree(self.run_dir, ignore_errors=True),
        ):
            try:
                step()
            except Exception as exc:  # one failed step must not keep the others from running
                sys.stderr.write(f"chaos: cleanup step failed: {exc}\n")


async def _main(args: argparse.Namespace, run: Run) -> int:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    rng = random.Random(seed)
    schools = max(1, math.ceil(args.teachers / TEACHERS_PER_SCHOOL))
    per_school = math.ceil(args.teachers / schools)
    region = demo_region(schools=schools, teachers_per_school=per_school)
    cycles = schools * (per_school + 1)
    say(f"chaos: seed {seed}; {schools} schools x {per_school} teachers + principals = {cycles} cycles")

    run.rabbit = OwnRabbit()
    run.postgres = OwnPostgres()
    await asyncio.gather(asyncio.to_thread(run.rabbit.start), asyncio.to_thread(run.postgres.start))
    proxy = TcpProxy(listen_port=PROXY_PORT, target_port=run.rabbit.port)
    await proxy.start()
    failpoints_dir = run.run_dir / "failpoints"
    stack = Stack(
        ROOT,
        run_dir=run.run_dir / "stack",
        db_suffix="_chaos",
        port_offset=PORT_OFFSET,
        infrastructure=infrastructure(run.rabbit, run.postgres),
        rabbitmqctl=run.rabbit.rabbitmqctl,
        extra_env={
            "PMM_FAILPOINTS_DIR": str(failpoints_dir),
            f"{PROXIED.upper()}_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{PROXY_PORT}/pmm_chaos",
            "OTEL_BSP_SCHEDULE_DELAY": "1000",
        },
    )
    run.stack = stack
    stack.set_clock(PLAN_AT)
    await asyncio.to_thread(stack.create_databases, drop_first=True)
    await asyncio.to_thread(stack.up)
    say(f"chaos: stack up ({stack.run_dir}); broker {run.rabbit.port}, database {run.postgres.port}")
    async with httpx.AsyncClient(base_url=stack.url("bkn_sandbox"), headers=SANDBOX_ADMIN, timeout=30) as admin:
        seeded = await admin.post("/admin/seed", json={"profil": profiles_from_region(region), "tahun": [2024, 2025]})
        seeded.raise_for_status()

    urls = {s: stack.url(s) for s in ("planning", "observation", "appraisal", "bkn_sync")}
    driver = Driver(urls, stack.issuer_url, region, concurrency=args.concurrency, set_clock=stack.set_clock, seed=seed)
    injector = Injector(
        stack=stack, rabbit=run.rabbit, postgres=run.postgres, proxy=proxy, proxied=PROXIED, driver=driver,
        failpoints_dir=failpoints_dir, rng=rng, kills=args.kills, failpoints=args.failpoints,
        outage_s=args.bkn_outage_s, cut_s=args.cut_s,
    )  # fmt: skip
    started = time.monotonic()
    try:
        await asyncio.gather(
            driver.run(),
            injector.track_processes(tuple(args.gap)),
            injector.track_bkn((5.0, 30.0)),
        )
        driven_s = round(time.monotonic() - started, 1)
        say(f"chaos: cycles driven and faults injected in {driven_s} s; waiting for quiescence")
        counter = Counter(stack, run.postgres, run.rabbit)
        settle_s, left = await counter.wait_quiet(args.settle_timeout_s)
        checks = await counter.checks(cycles, stack.url("bkn_sandbox"))
        checks.append(await personal_data(stack, region))
    finally:
        await driver.close()
        await proxy.stop()
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "args": {
            k: (list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
        },  # fmt: skip
        "cycles": cycles,
        "driven_s": driven_s,
        "phase_s": driver.phase_seconds,
        "settle_s": settle_s,
        "left_when_settled": {k: v for k, v in left.items() if v},
        "client": dict(sorted(driver.stats.items())),
        "driver_failures": driver.failures[:50],
        "sandbox_rewrites": getattr(counter, "sandbox_rewrites", None),
        "faults": [f.row() for f in injector.faults],
        "checks": [c.row() for c in checks],
    }
    result["ok"] = (
        all(c["ok"] for c in result["checks"]) and all(f["ok"] for f in result["faults"]) and not driver.failures
    )
    write_report(result, args.results)
    return 0 if result["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run = Run()
    atexit.register(run.close)
    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so that the finally below stops what the run started.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return asyncio.run(_main(args, run))
    finally:
        run.close()


if __name__ == "__main__":
    sys.exit(main())
