"""bkn_sync's settings: `BKN_SYNC_*` environment variables over the chassis defaults."""

from __future__ import annotations

from typing import ClassVar

from pydantic import model_validator

from pmm_chassis.settings import ServiceSettings

DEVELOPMENT_SECRET = "sandbox-secret"


class BknSyncSettings(ServiceSettings):
    model_config = ServiceSettings.prefixed("bkn_sync")
    service_name: ClassVar[str] = "bkn_sync"

    # BKN e-Kinerja / SIASN: the sandbox on a developer machine, the real endpoint in production.
    bkn_base_url: str = "http://127.0.0.1:8090"
    bkn_client_id: str = "pmm-bkn-sync"
    bkn_client_secret: str = DEVELOPMENT_SECRET
    bkn_timeout_seconds: float = 10.0

    # Stay under BKN's request rate (token bucket, per process: divide by the replicas that push).
    bkn_rate_per_second: float = 10.0
    bkn_burst: int = 10
    # This many BKN failures in a row (5xx, timeouts, refused connections) open the circuit for a while.
    circuit_failure_threshold: int = 5
    circuit_open_seconds: float = 30.0
    # Transient failures: exponential back-off from `base` up to `cap`, each delay shortened by up to `jitter`.
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 300.0
    backoff_jitter: float = 0.5
    # Failures that wait for someone's fix are tried again this often anyway.
    recheck_seconds: float = 6 * 3600.0

    # The push worker: how many pushes are in flight at once, how often it looks for due ones, and how long a
    # claimed push is held before another replica may take it (a crashed worker's pushes are not lost).
    run_pushes: bool = True
    push_concurrency: int = 4
    push_poll_seconds: float = 1.0
    push_lease_seconds: float = 120.0
    # The pull of BKN's change feed.
    run_pull: bool = True
    pull_interval_seconds: float = 30.0
    pull_batch: int = 100

    @model_validator(mode="after")
    def _refuse_the_sandbox_secret_in_production(self) -> BknSyncSettings:
        if self.environment == "production" and self.bkn_client_secret == DEVELOPMENT_SECRET:
            raise ValueError("production needs BKN's real client secret, not the sandbox's")
        if self.bkn_rate_per_second <= 0 or self.bkn_burst < 1 or self.push_concurrency < 1:
            raise ValueError("bkn_rate_per_second, bkn_burst and push_concurrency must be positive")
        return self
