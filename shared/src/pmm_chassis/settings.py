"""Settings from the environment: one subclass per service, each with its own prefix (`PLANNING_...`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Defaults work on a developer machine; production must say what differs."""

    model_config = SettingsConfigDict(env_ignore_empty=True, extra="ignore")

    service_name: ClassVar[str]

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = ""
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    db_pool_size: int = 10

    jwt_jwks_url: str = "http://127.0.0.1:8099/.well-known/jwks.json"
    jwt_issuer: str = "http://127.0.0.1:8099"
    jwt_audience: str = "pmm-kinerja"
    # The JOSE `typ` an access token must carry (RFC 9068 / RFC 8725 §3.11); an identity provider that types its
    # access tokens otherwise is named here (JSON list in the environment), never by accepting untyped tokens.
    jwt_token_types: list[str] = ["at+jwt"]
    # Writes (POST/PUT/PATCH/DELETE) per user and process (pmm_chassis.http.ratelimit). Generous: no person clicks
    # 50 changes a second, and a scripted demo's principal rating a whole school fits in the burst; a runaway loop
    # does not.
    write_rate_per_second: float = 50.0
    write_burst: int = 200

    # Development and tests only: a file holding the instant the services believe it is (see FileClock).
    clock_file: Path | None = None

    otel_exporter: Literal["none", "console", "file", "otlp"] = "none"
    otel_file: Path | None = None
    otel_endpoint: str | None = None
    # A span per SQL statement costs about a third of a request's CPU: for debugging only. The outbox insert keeps
    # its span either way (pmm_chassis.db.spans), so a trace has the same hops.
    trace_db_statements: bool = False
    # The share of traces kept, decided at the root and followed by every hop (parent-based), so a kept cycle stays
    # whole across the services. Every span costs CPU (README, Performance): production keeps a sample, development all.
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    log_level: str = "INFO"

    # One image, several roles: ops may run HTTP and the workers as separate deployments and scale each.
    run_http: bool = True
    run_consumers: bool = True
    run_relay: bool = True

    # A consumer applies the messages waiting in one transaction (pmm_chassis.messaging.consumer): up to this many,
    # or what came within the wait; the prefetch holds two batches, so the next one is there when one commits.
    consumer_batch_size: int = Field(default=64, ge=1)
    consumer_batch_wait_ms: float = Field(default=5.0, ge=0.0)
    # Batches applied at once, each on its own connection (an aggregate's messages always in the same lane, in order).
    consumer_batch_lanes: int = Field(default=4, ge=1)
    prefetch: int = 128
    # Backstop only: a message redelivered this often (a consumer crash loop) is parked by RabbitMQ itself.
    delivery_limit: int = 50
    max_unexpected_attempts: int = 5
    relay_batch_size: int = 200
    relay_poll_seconds: float = 1.0
    outbox_retention_days: int = 7
    graceful_timeout_seconds: float = 20.0

    # Reminders (pmm_chassis.reminders): decided and mailed by the worker role of a service that registers some.
    # Off unless a deployment turns it on, so a test suite or a one-off process never mails anyone.
    reminders_enabled: bool = False
    reminder_poll_seconds: float = 180.0
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "PMM Kinerja <no-reply@pmm.kemdikbud.go.id>"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 20.0
    # Where the links in a reminder lead: the portal as the person's browser reaches it.
    portal_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _refuse_development_shortcuts_in_production(self) -> ServiceSettings:
        if self.environment == "production":
            if self.clock_file is not None:
                raise ValueError("clock_file moves time: it is refused in production")
            if self.jwt_issuer.startswith("http://127.0.0.1"):
                raise ValueError("production needs a real token issuer, not the development one")
            if self.reminders_enabled and self.smtp_host in {"127.0.0.1", "localhost", "::1"}:
                raise ValueError("production reminders need the ministry's mail relay, not a local SMTP host")
        if not self.database_url:
            self.database_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/pmm_{self.service_name}"
        return self

    @classmethod
    def prefixed(cls, service_name: str) -> SettingsConfigDict:
        return SettingsConfigDict(env_prefix=f"{service_name.upper()}_", env_ignore_empty=True, extra="ignore")
