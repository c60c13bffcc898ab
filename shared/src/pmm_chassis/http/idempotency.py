"""`Idempotency-Key` on POST: a slow school connection that sends the same request again gets the first answer.

The key is claimed in its own short transaction before the work and completed after it, so a concurrent
duplicate sees "in progress" (409) instead of doing the work twice; a failed attempt releases the key. A claim
left by a crashed process is taken over after `ABANDONED_AFTER`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmm_chassis.db.tables import IdempotencyRecord
from pmm_kernel.errors import InvalidValue, StateConflict

HEADER = "Idempotency-Key"
# The header as a route parameter type, so it is documented in OpenAPI: `_key: IdempotencyKey = None`.
IdempotencyKey = Annotated[
    str | None, Header(alias=HEADER, description="send the same key again to get the first answer")
]
ABANDONED_AFTER = timedelta(seconds=60)
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


async def idempotent(
    request: Request,
    *,
    actor: str,
    compute: Callable[[], Awaitable[JSONResponse]],
) -> Response:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions  # set by Chassis.http_app
    key = request.headers.get(HEADER)
    if key is None:
        return await compute()
    if not _KEY.match(key):
        raise InvalidValue(
            "Idempotency-Key must be 1-200 visible ASCII characters", rule="idempotency.key", field=HEADER
        )
    request_hash = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + await request.body()
    ).hexdigest()

    async with sessions() as session:
        claimed = await session.execute(
            pg_insert(IdempotencyRecord)
            .values(actor=actor, key=key, request_hash=request_hash)
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        )
        if claimed.first() is None:
            existing = (
                await session.execute(
                    select(IdempotencyRecord, text("now() - idempotency_record.created_at AS age")).where(
                        IdempotencyRecord.actor == actor, IdempotencyRecord.key == key
                    )
                )
            ).first()
            if existing is not None:
                record, age = existing
                if record.request_hash != request_hash:
                    raise InvalidValue(
                        "this Idempotency-Key was used for a different request",
                        rule="idempotency.key_reused",
                        field=HEADER,
                    )
                if record.status_code is not None:
                    return Response(
                        content=record.body,
                        status_code=record.status_code,
                        headers={**record.headers, "Idempotency-Replayed": "true"},
                        media_type="application/json",
                    )
                if age < ABANDONED_AFTER:
                    raise StateConflict(
                        "a request with this Idempotency-Key is still being processed; retry shortly",
                        rule="idempotency.in_progress",
                        field=HEADER,
                    )
        await session.commit()

    try:
        response = await compute()
    except BaseException:
        async with sessions() as session:
            await session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.actor == actor, IdempotencyRecord.key == key)
            )
            await session.commit()
        raise

    kept_headers = {k: v for k, v in response.headers.items() if k.lower() in ("etag", "location")}
    async with sessions() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.actor == actor, IdempotencyRecord.key == key)
            .values(status_code=response.status_code, body=bytes(response.body), headers=kept_headers)
        )
        await session.commit()
    return response
