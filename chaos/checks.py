"""After the faults: wait for quiescence, then count, in every database and in the BKN sandbox.

Every check is a (name, expected, actual) triple; the run fails when any differs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from chaos.drive import PERIODE
from chaos.infra import OwnPostgres, OwnRabbit
from pmm_contracts.subscriptions import binding_keys
from tools import pii_scan
from tools.demo_roster import Region
from tools.stack import Stack

SERVICES = ("planning", "observation", "appraisal", "bkn_sync")
KIND_OF_JENIS = {"skp": "skp", "skp22": "skp22", "angkakredit": "angkakredit", "kinerjaperiodik": "kinerjaperiodik"}


@dataclass
class Check:
    name: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return self.expected == self.actual

    def row(self) -> dict[str, Any]:
        return {"name": self.name, "expected": self.expected, "actual": self.actual, "ok": self.ok}


class Counter:
    def __init__(self, stack: Stack, postgres: OwnPostgres, rabbit: OwnRabbit) -> None:
        self.stack, self.postgres, self.rabbit = stack, postgres, rabbit

    async def _conn(self, service: str) -> asyncpg.Connection:
        dsn = f"postgresql://postgres@127.0.0.1:{self.postgres.port}/{self.stack.database(service)}"
        return await asyncpg.connect(dsn, timeout=10)

    async def _scalar(self, service: str, sql: str, *args: Any) -> Any:
        conn = await self._conn(service)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def _rows(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await self._conn(service)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def busy(self) -> dict[str, int]:
        """What is still on its way: unpublished outbox rows, messages in inbox and delay queues, due pushes."""
        state = {}
        for service in SERVICES:
            state[f"{service} outbox unpublished"] = await self._scalar(
                service, "SELECT count(*) FROM outbox_message WHERE published_at IS NULL"
            )
        depths = await asyncio.to_thread(self.rabbit.queue_depths, self.stack.vhost)
        for queue, depth in depths.items():
            if queue.endswith(".inbox") or queue.startswith("pmm.delay."):
                state[f"queue {queue}"] = depth
        state["bkn pushes pending"] = await self._scalar(
            "bkn_sync", "SELECT count(*) FROM push WHERE status = 'pending'"
        )
        return state

    async def wait_quiet(self, timeout: float, *, stable_polls: int = 3) -> tuple[float, dict[str, int]]:
        started = time.monotonic()
        quiet = 0
        state: dict[str, int] = {}
        while time.monotonic() - started < timeout:
            try:
                state = await self.busy()
            except (OSError, asyncpg.PostgresError, RuntimeError) as exc:
                state = {f"unreachable: {type(exc).__name__}": 1}
            quiet = quiet + 1 if not any(state.values()) else 0
            if quiet >= stable_polls:
                break
            await asyncio.sleep(2.0)
        return round(time.monotonic() - started, 1), state

    async def checks(self, cycles: int, sandbox_url: str) -> list[Check]:
        found: list[Check] = []

        async def by(service: str, sql: str) -> dict[str, int]:
            return {r[0]: r[1] for r in await self._rows(service, sql, PERIODE)}

        skp = await by("planning", "SELECT status, count(*) FROM skp WHERE periode = $1 GROUP BY status")
        found.append(Check("planning: plans approved (one per pegawai)", cycles, skp.get("DISETUJUI", 0)))
        found.append(Check("planning: plans in all", cycles, sum(skp.values())))
        tahap = await by("observation", "SELECT tahap, count(*) FROM pelaksanaan WHERE periode = $1 GROUP BY tahap")
        found.append(Check("observation: pelaksanaan SELESAI (one per plan)", cycles, tahap.get("SELESAI", 0)))
        found.append(Check("observation: pelaksanaan in all", cycles, sum(tahap.values())))
        status = await by("appraisal", "SELECT status, count(*) FROM penilaian WHERE periode = $1 GROUP BY status")
        found.append(Check("appraisal: penilaian FINAL (one per cycle)", cycles, status.get("FINAL", 0)))
        found.append(Check("appraisal: penilaian in all", cycles, sum(status.values())))

        pushes = await self._rows("bkn_sync", "SELECT jenis, status, count(*) FROM push GROUP BY jenis, status")
        by_status: dict[str, int] = {}
        succeeded_by_jenis: dict[str, int] = {}
        for jenis, state, count in pushes:
            by_status[state] = by_status.get(state, 0) + count
            if state == "succeeded":
                succeeded_by_jenis[jenis] = succeeded_by_jenis.get(jenis, 0) + count
        total = sum(by_status.values())
        found.append(Check("bkn_sync: pushes succeeded / all pushes", total, by_status.get("succeeded", 0)))
        found.append(Check("bkn_sync: SKP pushes (one per approved plan)", cycles, succeeded_by_jenis.get("skp", 0)))
        found.append(
            Check("bkn_sync: SKP22 pushes (one per FINAL penilaian)", cycles, succeeded_by_jenis.get("skp22", 0))
        )
        async with httpx.AsyncClient(base_url=sandbox_url, headers={"X-Sandbox-Admin": "sandbox-admin"}) as admin:
            records = (await admin.get("/admin/records", timeout=60)).json()
        kinds: dict[str, int] = {}
        rewrites = 0
        for record in records:
            kinds[record["jenis"]] = kinds.get(record["jenis"], 0) + 1
            rewrites += record["jumlahSimpan"] - 1
        for jenis, count in sorted(succeeded_by_jenis.items()):
            found.append(
                Check(f"BKN sandbox: {jenis} records = bkn_sync's succeeded pushes", count, kinds.get(jenis, 0))
            )
        self.sandbox_rewrites = rewrites

        published: dict[str, set[str]] = {}
        for service in SERVICES:
            unpublished = await self._scalar(service, "SELECT count(*) FROM outbox_message WHERE published_at IS NULL")
            found.append(Check(f"{service}: outbox rows unpublished", 0, unpublished))
            twice = await self._scalar(
                service,
                "SELECT count(*) FROM (SELECT 1 FROM outbox_message GROUP BY aggregate_id, aggregate_version, "
                "routing_key HAVING count(*) > 1) d",
            )
            found.append(Check(f"{service}: state changes in the outbox twice", 0, twice))
            for key, event_id in await self._rows(service, "SELECT routing_key, event_id::text FROM outbox_message"):
                published.setdefault(key, set()).add(event_id)
        for service in SERVICES:
            expected = set().union(*(published.get(k, set()) for k in binding_keys(service)))
            seen = {
                r[0]
                for r in await self._rows(
                    service, "SELECT event_id::text FROM inbox_message WHERE consumer = $1", f"{service}.inbox"
                )
            }
            found.append(Check(f"{service}: events consumed = events published for it", len(expected), len(seen)))
            found.append(Check(f"{service}: events published for it never consumed (lost)", 0, len(expected - seen)))

        depths = await asyncio.to_thread(self.rabbit.queue_depths, self.stack.vhost)
        for queue in sorted(depths):
            if queue.endswith(".parked"):
                found.append(Check(f"RabbitMQ: {queue} messages", 0, depths[queue]))
            elif queue.endswith(".inbox") or queue.startswith("pmm.delay."):
                found.append(Check(f"RabbitMQ: {queue} messages left", 0, depths[queue]))
        return found


async def personal_data(stack: Stack, region: Region) -> Check:
    """UU 27/2022 after the storm: no NIP or name of the roster in any log line, span, metric label or parked header
    the run left (crash logs and retried messages included)."""
    roster_dir = stack.run_dir / "roster"
    roster_dir.mkdir(parents=True, exist_ok=True)
    (roster_dir / "pegawai.csv").write_text(region.pegawai_csv(), encoding="utf-8")
    (roster_dir / "relasi.csv").write_text(region.relasi_csv(), encoding="utf-8")
    roster = pii_scan.load_roster(sorted(roster_dir.glob("*.csv")))
    scanner = await asyncio.to_thread(  # the scan runs its own event loop for the parked headers
        pii_scan.scan,
        stack.run_dir,
        roster,
        metrics_urls=[f"{stack.url(s)}/metrics" for s in SERVICES],
        amqp_url=stack.amqp_url,
        services=SERVICES,
    )
    scanned = sum(scanner.scanned.values())
    name = f"personal data: the roster's NIPs and names in {scanned} log lines, spans, metric labels, parked headers"
    return Check(name, 0, len(scanner.hits))
