"""The fault schedule: seeded, at random moments while the cycles run, each with its recovery measured.

Two tracks run beside the driver:
- processes and infrastructure, one fault at a time: kill -9 of every service several times, a crash between a
  commit and its answer (HTTP) or its ack (consumer) through the chassis failpoints, a RabbitMQ restart, a
  PostgreSQL `-m immediate` stop, one service's broker link blackholed through the proxy;
- BKN: the sandbox down for minutes, then answering 429, then 5xx.

Recovery of a fault = from its end until the affected services answer /readyz 200 AND (if their queue held
messages when it ended) their consumer has committed a message again. The bar is 30 s (README, Reliability).
"""

from __future__ import annotations

import asyncio
import random
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from chaos.infra import OwnPostgres, OwnRabbit
from chaos.proxy import BLACKHOLE, PASS, TcpProxy
from pmm_chassis.failpoints import arm
from tools.demo_client import say
from tools.stack import Stack

SERVICES = ("planning", "observation", "appraisal", "bkn_sync")
RECOVERY_BAR_S = 30.0
MEASURE_TIMEOUT_S = 180.0
# Which service answers the driver's writes in each phase: where an HTTP commit-then-crash can be caught.
ACTIVE = {"setup": "planning", "roster": "planning", "plan": "planning", "pelaksanaan": "observation",
          "penilaian": "appraisal", "settling": "bkn_sync"}  # fmt: skip
SANDBOX_ADMIN = {"X-Sandbox-Admin": "sandbox-admin"}


@dataclass
class Fault:
    kind: str
    target: str
    phase: str = ""
    at_s: float = 0.0  # from the start of the run
    duration_s: float = 0.0
    ready_s: float | None = None
    consumed_s: float | None = None  # None: the queue was empty at the end of the fault (nothing to consume)
    recovery_s: float | None = None
    triggered: bool = True
    note: str = ""
    judged: bool = True  # whether the 30 s bar applies (BKN's own back-off is not a consumer's recovery)

    @property
    def ok(self) -> bool:
        if not self.triggered or not self.judged:
            return True
        return self.recovery_s is not None and self.recovery_s <= RECOVERY_BAR_S

    def row(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class Injector:
    stack: Stack
    rabbit: OwnRabbit
    postgres: OwnPostgres
    proxy: TcpProxy
    proxied: str
    driver: Any
    failpoints_dir: Path
    rng: random.Random
    kills: int
    failpoints: int
    outage_s: float
    cut_s: float
    started: float = field(default_factory=time.monotonic)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- helpers ---

    def _new(self, kind: str, target: str) -> Fault:
        fault = Fault(kind, target, phase=self.driver.phase, at_s=round(time.monotonic() - self.started, 1))
        self.faults.append(fault)
        say(f"  [chaos {fault.at_s:7.1f}s] {kind} {target} (phase {fault.phase})")
        return fault

    async def _stack(self, method: str, *args: Any, **kwargs: Any) -> Any:
        def call() -> Any:
            with self.lock:
                return getattr(self.stack, method)(*args, **kwargs)

        return await asyncio.to_thread(call)

    def _dsn(self, service: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.postgres.port}/{self.stack.database(service)}"

    async def _value(self, service: str, query: str) -> Any:
        """One value from a service's database, or None while it cannot be reached: another fault (PostgreSQL
        stopped) may overlap the one being measured, and a measurement only reports."""
        try:
            conn = await asyncpg.connect(self._dsn(service), timeout=5)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return None
        try:
            return await conn.fetchval(query)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return None
        finally:
            await conn.close()

    async def _last_consumed(self, service: str) -> float:
        value = await self._value(service, "SELECT extract(epoch FROM max(processed_at)) FROM inbox_message")
        return float(value or 0)

    async def _queue_depths(self) -> dict[str, int]:
        try:
            return await asyncio.to_thread(self.rabbit.queue_depths, self.stack.vhost)
        except Exception:
            return {}

    async def _measure(self, fault: Fault, services: tuple[str, ...], ended_mono: float, ended_wall: float) -> None:
        """Readiness of `services`, then (where messages waited) their next committed message."""
        fault.duration_s = round(ended_mono - self.started - fault.at_s, 1)
        depths = await self._queue_depths()
        waiting = [s for s in services if depths.get(f"{s}.inbox", 0) > 0]
        deadline = ended_mono + MEASURE_TIMEOUT_S
        async with httpx.AsyncClient(timeout=2) as http:
            pending = set(services)
            while pending and time.monotonic() < deadline:
                for service in list(pending):
                    try:
                        if (await http.get(self.stack.url(service) + "/readyz")).status_code == 200:
                            pending.discard(service)
                    except httpx.HTTPError:
                        pass
                if pending:
                    await asyncio.sleep(0.2)
        if pending:
            fault.note = f"not ready: {sorted(pending)}"
            return
        fault.ready_s = round(time.monotonic() - ended_mono, 1)
        if waiting:
            left = set(waiting)
            while left and time.monotonic() < deadline:
                for service in list(left):
                    try:
                        if await self._last_consumed(service) > ended_wall:
                            left.discard(service)
                    except (OSError, asyncpg.PostgresError):
                        pass
                if left:
                    await asyncio.sleep(0.2)
            if left:
                fault.note = f"nothing consumed by {sorted(left)}"
                return
            fault.consumed_s = round(time.monotonic() - ended_mono, 1)
        fault.recovery_s = max(fault.ready_s, fault.consumed_s or 0.0)
        fault.note = fault.note or (f"queue held messages for {waiting}" if waiting else "queues empty at the end")

    # --- track 1: processes and infrastructure ---

    def schedule(self) -> list[tuple[str, str]]:
        plan = [("kill -9", s) for s in SERVICES for _ in range(self.kills)]
        plan += [("crash after commit (HTTP)", "active")] * self.failpoints
        plan += [("crash after commit (consumer)", s) for s in ("observation", "appraisal", "bkn_sync")]
        plan += [("restart RabbitMQ", "rabbitmq"), ("stop PostgreSQL -m immediate", "postgresql"),
                 ("cut broker link", self.proxied)]  # fmt: skip
        self.rng.shuffle(plan)
        return plan

    async def track_processes(self, gap: tuple[float, float]) -> None:
        for kind, target in self.schedule():
            await asyncio.sleep(self.rng.uniform(*gap))
            if kind == "kill -9":
                await self.kill9(target)
            elif kind.startswith("crash after commit"):
                service = ACTIVE.get(self.driver.phase, "planning") if target == "active" else target
                name = "after_commit" if "HTTP" in kind else "after_inbox_commit"
                await self.crash_at(kind, service, name)
            elif kind == "restart RabbitMQ":
                fault = self._new(kind, target)
                await asyncio.to_thread(self.rabbit.restart)
                await self._measure(fault, SERVICES, time.monotonic(), time.time())
            elif kind == "stop PostgreSQL -m immediate":
                fault = self._new(kind, target)
                await asyncio.to_thread(self.postgres.stop, "immediate")
                await asyncio.sleep(self.rng.uniform(5, 15))
                await asyncio.to_thread(self.postgres.start)
                await self._measure(fault, SERVICES, time.monotonic(), time.time())
            elif kind == "cut broker link":
                fault = self._new(kind, target)
                self.proxy.set_mode(BLACKHOLE)
                await asyncio.sleep(self.cut_s)
                self.proxy.set_mode(PASS)
                await self._measure(fault, (target,), time.monotonic(), time.time())

    async def kill9(self, service: str) -> None:
        fault = self._new("kill -9", service)
        await self._stack("kill", service, signal.SIGKILL)
        await asyncio.sleep(self.rng.uniform(0.5, 3.0))  # what a supervisor takes to notice and restart
        await self._stack("start", service, wait=False)
        await self._measure(fault, (service,), time.monotonic(), time.time())

    async def crash_at(self, kind: str, service: str, failpoint: str) -> None:
        fault = self._new(kind, service)
        armed = arm(self.failpoints_dir, service, failpoint)
        deadline = time.monotonic() + 90
        while armed.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if armed.exists():
            armed.unlink(missing_ok=True)
            fault.triggered = False
            fault.note = "no commit reached the failpoint within 90 s"
            return
        # The process SIGKILLed itself; wait for it to be gone, then restart it as a supervisor would.
        for _ in range(100):
            if await self._stack("_live_pid", service) is None:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(self.rng.uniform(0.5, 2.0))
        await self._stack("start", service, wait=False)
        await self._measure(fault, (service,), time.monotonic(), time.time())

    # --- track 2: BKN ---

    async def track_bkn(self, start_after: tuple[float, float]) -> None:
        await asyncio.sleep(self.rng.uniform(*start_after))
        sandbox = self.stack.url("bkn_sandbox")
        fault = self._new("BKN down", "bkn_sandbox")
        await self._stack("kill", "bkn_sandbox", signal.SIGKILL)
        await asyncio.sleep(self.outage_s)
        await self._stack("start", "bkn_sandbox")
        await self._bkn_measure(fault)
        async with httpx.AsyncClient(base_url=sandbox, headers=SANDBOX_ADMIN, timeout=10) as admin:
            for kind, config in (
                ("BKN 429", {"rate_limit_per_second": 2, "retry_after_seconds": 2}),
                ("BKN 5xx", {"error_rate": 0.6, "error_status": 500, "seed": self.rng.randrange(1 << 30)}),
                ("BKN 5xx", {"error_rate": 0.6, "error_status": 503, "seed": self.rng.randrange(1 << 30)}),
            ):
                fault = self._new(kind, "bkn_sandbox")
                (await admin.put("/admin/faults", json=config)).raise_for_status()
                await asyncio.sleep(self.outage_s / (2 if kind == "BKN 429" else 4))
                (await admin.delete("/admin/faults")).raise_for_status()
                await self._bkn_measure(fault)

    async def _bkn_measure(self, fault: Fault) -> None:
        """BKN faults: bkn_sync's own readiness (judged), and when pushes resume (reported: BKN's back-off, up to
        5 min by design, decides that, not a consumer)."""
        ended_mono, ended_wall = time.monotonic(), time.time()
        await self._measure(fault, ("bkn_sync",), ended_mono, ended_wall)
        fault.note = f"{fault.note}; {await self._push_resume(ended_mono, ended_wall)}"

    async def _push_resume(self, ended_mono: float, ended_wall: float) -> str:
        due = await self._value("bkn_sync", "SELECT count(*) FROM push WHERE status = 'pending'")
        if due is None:
            return "bkn_sync's database was down (another fault): pushes not followed"
        if not due:
            return "no push waiting"
        while time.monotonic() < ended_mono + 60:
            last = await self._value("bkn_sync", "SELECT extract(epoch FROM max(succeeded_at)) FROM push")
            if last and float(last) > ended_wall:
                return f"{due} pushes waiting; the next succeeded after {time.monotonic() - ended_mono:.1f} s"
            await asyncio.sleep(0.5)
        return f"{due} pushes waiting; none succeeded within 60 s (BKN back-off)"
