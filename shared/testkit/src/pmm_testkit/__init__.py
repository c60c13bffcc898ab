"""Test support every service's suite uses: a fresh database, an isolated vhost, tokens, an in-process client.

Tests run against the real PostgreSQL and RabbitMQ. Each suite gets its own database and its own RabbitMQ
vhost, so it never disturbs (or is disturbed by) a stack a developer has running with `make up`.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aio_pika
import asyncpg
import httpx
from fastapi import FastAPI

from pmm_chassis.auth.dev_issuer import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    jwks_for,
    load_or_create_key,
    mint_token,
)
from pmm_chassis.db.engine import asyncpg_dsn
from pmm_chassis.messaging import topology
from pmm_chassis.settings import ServiceSettings
from pmm_contracts import EventData, encode, routing_key

S = TypeVar("S", bound=ServiceSettings)

ADMIN_DSN = os.environ.get("PMM_TEST_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("PMM_TEST_AMQP_BASE", "amqp://guest:guest@127.0.0.1:5672")


async def fresh_database(name: str) -> str:
    """Drop and create `name`; returns its SQLAlchemy URL."""
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def drop_vhost(name: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True)


def migrate(alembic_ini: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [str(Path(sys.executable).parent / "alembic"), "-c", str(alembic_ini), "upgrade", "head"],
        check=True,
        env={**os.environ, **env},
        capture_output=True,
    )


def fresh_vhost(name: str) -> str:
    """A clean RabbitMQ vhost (deleted and re-created); returns its AMQP URL."""
    drop_vhost(name)
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    return f"{AMQP_BASE}/{name}"


@asynccontextmanager
async def isolated_settings(
    settings_class: type[S], alembic_ini: Path, *, suite: str = "it", **overrides: Any
) -> AsyncIterator[S]:
    """A service's test settings on a database and a vhost of their own, migrated, dropped afterwards.

    Named after the service, the suite and this process, so two test runs on one machine (a developer's and
    CI's), or two suites of one service in one run (integration and fuzzing), never share state. `overrides` are
    the suite's own settings (token issuer, clock file, short back-offs...).
    """
    name = f"pmm_{settings_class.service_name}_{suite}_{os.getpid()}"
    url = await fresh_database(name)
    migrate(alembic_ini, {f"{settings_class.service_name.upper()}_DATABASE_URL": url})
    defaults: dict[str, Any] = {
        "environment": "test",
        "relay_poll_seconds": 0.2,
        "max_unexpected_attempts": 3,  # 1 s + 5 s of back-off before a bug's message is parked
        "log_level": "WARNING",
        # A suite fires requests faster than any user; the write limit has its own tests (test_ratelimit.py).
        "write_rate_per_second": 100_000.0,
        "write_burst": 100_000,
    }
    try:
        yield settings_class(**{**defaults, **overrides, "database_url": url, "amqp_url": fresh_vhost(name)})
    finally:
        await drop_database(name)
        drop_vhost(name)


class Tokens:
    """Mints development tokens and publishes their JWKS as a file the services read."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.key = load_or_create_key(directory / "issuer.pem")
        self.jwks_file = directory / "jwks.json"
        self.jwks_file.write_text(json.dumps(jwks_for(self.key)))
        self.jwks_url = f"file://{self.jwks_file}"
        self.issuer = DEFAULT_ISSUER
        self.audience = DEFAULT_AUDIENCE

    def token(self, sub: str, *roles: str, wilayah: str | None = None, **kwargs: Any) -> str:
        return mint_token(self.key, sub=sub, roles=list(roles), wilayah=wilayah, **kwargs)

    def headers(self, sub: str, *roles: str, wilayah: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub, *roles, wilayah=wilayah)}"}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (broker, consumers, relay) started, and a client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://planning.test") as client:
            yield client


async def wait_for(predicate: Any, *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


class Bus:
    """Publishes other services' events onto the test vhost, as their outbox relays would (persistent, with the
    event id as message id), so a service's suite needs none of the producers running."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url

    async def __aenter__(self) -> Bus:
        self.connection = await aio_pika.connect(self.amqp_url)
        self.channel = await self.connection.channel()
        self.exchange = await self.channel.get_exchange(topology.EVENTS.name)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()

    async def publish(
        self, data: EventData, *, aggregate_id: str, version: int = 1, event_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        event_id = event_id or uuid.uuid4()
        body = encode(
            data, event_id=event_id, occurred_at=datetime.now(UTC), aggregate_id=aggregate_id, aggregate_version=version
        )
        message = aio_pika.Message(body, message_id=str(event_id), delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        await self.exchange.publish(message, routing_key=routing_key(data))
        return event_id


def traced() -> tuple[dict[str, str], str]:
    """A W3C `traceparent` header starting a new trace, and that trace's id (the span the request continues)."""
    trace_id = secrets.token_hex(16)
    return {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}, trace_id


async def audit_trail(database_url: str, target_id: str) -> list[dict[str, Any]]:
    """The audit records of one record (pmm_chassis.db.audit), oldest first."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch("SELECT * FROM audit_record WHERE target_id = $1 ORDER BY id", str(target_id))
    finally:
        await conn.close()
    return [dict(row) for row in rows]
