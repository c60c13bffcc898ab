"""Builds bkn_sync from its settings: the one place that wires the chassis, the BKN adapter, the handlers and
the background loops."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bkn_sync import integration
from bkn_sync.adapters.bkn_api import BknClient
from bkn_sync.adapters.stopwatch import MonotonicStopwatch
from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain.push import RetryPolicy
from bkn_sync.domain.resilience import Backoff, CircuitBreaker, TokenBucket
from bkn_sync.handlers import handlers
from bkn_sync.handlers.loops import FeedPuller, PushWorker
from bkn_sync.settings import BknSyncSettings
from bkn_sync.usecases import Deps
from pmm_chassis.service import Chassis


@dataclass
class Container:
    settings: BknSyncSettings
    chassis: Chassis
    deps: Deps
    bkn: BknClient
    worker: PushWorker
    puller: FeedPuller

    async def start_loops(self) -> None:
        if self.settings.run_pushes:
            await self.worker.start()
        if self.settings.run_pull:
            await self.puller.start()

    async def stop_loops(self) -> None:
        await self.puller.stop()
        await self.worker.stop(timeout=self.settings.graceful_timeout_seconds)
        await self.bkn.close()


def build(settings: BknSyncSettings | None = None) -> Container:
    settings = settings or BknSyncSettings()
    chassis = Chassis(settings)
    bkn = BknClient(
        base_url=settings.bkn_base_url,
        client_id=settings.bkn_client_id,
        client_secret=settings.bkn_client_secret,
        timeout_seconds=settings.bkn_timeout_seconds,
        bucket=TokenBucket(rate=settings.bkn_rate_per_second, capacity=settings.bkn_burst),
        breaker=CircuitBreaker(
            failure_threshold=settings.circuit_failure_threshold, open_seconds=settings.circuit_open_seconds
        ),
        tracer_provider=chassis.tracer_provider,
    )
    wakers: list[PushWorker] = []  # the worker needs the unit of work, which wakes the worker

    def wake() -> None:
        for worker in wakers:
            worker.wake()

    def uow() -> BknSyncUnitOfWork:
        return BknSyncUnitOfWork(
            chassis.sessions,
            service=settings.service_name,
            to_contract=integration.to_contract,
            clock=chassis.clock,
            wake=wake,
        )

    deps = Deps(
        uow=uow,
        clock=chassis.clock,
        bkn=bkn,
        random=random.Random(),  # back-off jitter spreads retries; it guards no secret  # nosec B311
        stopwatch=MonotonicStopwatch(),
        policy=RetryPolicy(
            backoff=Backoff(settings.backoff_base_seconds, settings.backoff_cap_seconds, settings.backoff_jitter),
            recheck_seconds=settings.recheck_seconds,
        ),
        lease_seconds=settings.push_lease_seconds,
    )
    worker = PushWorker(
        deps,
        tracer=chassis.tracer_provider.get_tracer("bkn_sync"),
        concurrency=settings.push_concurrency,
        poll_seconds=settings.push_poll_seconds,
    )
    wakers.append(worker)
    puller = FeedPuller(deps, interval_seconds=settings.pull_interval_seconds, batch=settings.pull_batch)
    chassis.consume(handlers(deps), uow)
    return Container(settings=settings, chassis=chassis, deps=deps, bkn=bkn, worker=worker, puller=puller)
