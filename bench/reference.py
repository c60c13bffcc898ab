"""The reference steps, each run as its own process: what one event step and one API write cost with the bare
libraries on this machine, so every service figure can be read as a ratio.

    python -m bench.reference consumer --amqp URL --dsn DSN --count N     (exits when N messages are done)
    uvicorn bench.reference:api_app --factory                             (BENCH_REF_* in the environment)

Consumer step: consume from a quorum queue, one transaction with an inbox row, a business row and an outbox row,
a confirmed persistent publish, ack; as many in flight as the services' prefetch. Endpoint: verify an RS256
bearer token with PyJWT against the issuer's key, insert one row with asyncpg.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
import asyncpg
import jinja2
import jwt
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from bench.procs import run_fast

INBOX_QUEUE = "bench.ref.inbox"
OUT_QUEUE = "bench.ref.out"
QUORUM = {"x-queue-type": "quorum"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS ref_inbox (
    consumer text NOT NULL, event_id uuid NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id));
CREATE TABLE IF NOT EXISTS ref_business (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, aggregate_id text NOT NULL, payload jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS ref_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE, routing_key text NOT NULL,
    body bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
CREATE TABLE IF NOT EXISTS ref_item (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, subject text NOT NULL, value text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
"""

# The same rate formula as for the services: inbox rows per second between the first and the last commit.
RATE_SQL = "SELECT count(*) AS n, extract(epoch FROM max(processed_at) - min(processed_at)) AS s FROM {table}"


async def consume(amqp_url: str, dsn: str, count: int, prefetch: int, pool_size: int) -> dict[str, float]:
    pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=prefetch)
    queue = await channel.declare_queue(INBOX_QUEUE, durable=True, arguments=QUORUM)
    done = asyncio.Event()
    handled = 0
    step_ms: list[float] = []

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal handled
        started = time.perf_counter()
        envelope = json.loads(message.body)
        event_id = uuid.UUID(envelope["event_id"])
        out_id = uuid.uuid4()
        out_body = json.dumps({**envelope, "event_id": str(out_id), "type": "ref.done"}).encode()
        async with pool.acquire() as conn, conn.transaction():
            claimed = await conn.fetchval(
                "INSERT INTO ref_inbox (consumer, event_id) VALUES ('ref', $1) ON CONFLICT DO NOTHING "
                "RETURNING event_id",
                event_id,
            )
            if claimed is not None:
                await conn.execute(
                    "INSERT INTO ref_business (aggregate_id, payload) VALUES ($1, $2::jsonb)",
                    envelope["aggregate_id"],
                    json.dumps(envelope["data"]),
                )
                await conn.execute(
                    "INSERT INTO ref_outbox (event_id, routing_key, body) VALUES ($1, 'ref.done', $2)", out_id, out_body
                )
        if claimed is not None:
            await channel.default_exchange.publish(
                aio_pika.Message(out_body, message_id=str(out_id), delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=OUT_QUEUE,
            )
        await message.ack()
        step_ms.append((time.perf_counter() - started) * 1000)
        handled += 1
        if handled >= count:
            done.set()

    await queue.consume(on_message)
    await done.wait()
    await connection.close()
    await pool.close()
    ordered = sorted(step_ms)
    return {
        "handled": handled,
        "step_p50_ms": ordered[len(ordered) // 2],
        "step_p99_ms": ordered[int(len(ordered) * 0.99)],
    }


# --- the reference endpoint ----------------------------------------------------------------------------------


class ItemIn(BaseModel):
    value: str


def api_app() -> FastAPI:
    dsn = os.environ["BENCH_REF_DSN"]
    jwks_url = os.environ["BENCH_REF_JWKS_URL"]
    issuer = os.environ["BENCH_REF_ISSUER"]
    audience = os.environ["BENCH_REF_AUDIENCE"]
    state: dict[str, object] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        state["keys"] = jwt.PyJWKClient(jwks_url)
        yield
        await state["pool"].close()  # type: ignore[attr-defined]

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/ref/items", status_code=201)
    async def create_item(item: ItemIn, authorization: str = Header()) -> dict[str, object]:
        token = authorization.removeprefix("Bearer ")
        try:
            key = state["keys"].get_signing_key_from_jwt(token)  # type: ignore[attr-defined]
            claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer)
        except jwt.PyJWTError as exc:
            raise HTTPException(401, "token") from exc
        pool: asyncpg.Pool = state["pool"]  # type: ignore[assignment]
        new_id = await pool.fetchval(
            "INSERT INTO ref_item (subject, value) VALUES ($1, $2) RETURNING id", claims["sub"], item.value
        )
        return {"id": new_id}

    return app


# --- the reference page -----------------------------------------------------------------------------------------

# A server-rendered page as bare as one can be: one Jinja2 template with a list, no session, no service behind it.
REFERENCE_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><ol>{% for row in rows %}<li>{{ row.nama }}: {{ row.status }}</li>{% endfor %}</ol></body>
</html>"""


def page_app() -> FastAPI:
    template = jinja2.Environment(autoescape=True).from_string(REFERENCE_PAGE)
    rows = [{"nama": f"Guru {i}", "status": "DIAJUKAN"} for i in range(20)]
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ref/page", response_class=HTMLResponse)
    async def page() -> str:
        return template.render(title="Beranda", rows=rows)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reference")
    parser.add_argument("role", choices=["consumer"])
    parser.add_argument("--amqp", required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--prefetch", type=int, default=32)
    parser.add_argument("--pool-size", type=int, default=10)
    args = parser.parse_args(argv)
    result = run_fast(consume(args.amqp, args.dsn, args.count, args.prefetch, args.pool_size))
    print(json.dumps(result), flush=True)  # noqa: T201 (the parent reads it)
    return 0


if __name__ == "__main__":
    sys.exit(main())
