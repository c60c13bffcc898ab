"""`Idempotency-Key` on POST: a slow school connection that sends the same request again gets the first answer.

The key is claimed, the work done and its answer stored in ONE transaction (the units of work the route opens
join it: `pmm_chassis.db.uow.ambient_transaction`), so the answer is durable exactly when the effect is:
- a process that dies before that commit leaves nothing, and the retry does the work afresh;
- one that dies after it (before the answer reached the client) left the answer, which the retry gets back;
- a concurrent duplicate blocks on the claim's unique key until the first commits, then replays its answer (or,
  if the first failed and rolled back, does the work itself);
- a refused request (a domain error) rolls back with its claim: the retry is judged afresh.

So a keyed route holds a database transaction (and its row locks) until its answer is stored: it must not wait on
anything outside its database (BKN, object storage) inside `compute`. A route that must is naturally idempotent or
takes no key (bkn_sync's reconciliation).

The claim also tells the audit trigger who acts (`pmm_chassis.db.audit.STAMP_SUBQUERY`), so the units of work that
join spare that statement. A route whose `compute` runs one use case that commits or raises (nothing caught in
between) passes `savepoints=False`: its unit of work then writes straight into the transaction, without a SAVEPOINT
and its RELEASE; one that left without committing would spoil the transaction, and the request fails whole instead
of storing an answer for half an effect.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Header, Request
from fastapi.responses import Response
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmm_chassis.db import audit
from pmm_chassis.db.tables import IdempotencyRecord
from pmm_chassis.db.uow import ambient_transaction
from pmm_kernel.errors import InvalidValue

HEADER = "Idempotency-Key"
# The header as a route parameter type, so it is documented in OpenAPI: `_key: IdempotencyKey = None`.
_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
# The constraint is in the document too: a client reading the OpenAPI learns what a key may be (and a fuzzer
# generating from it sends valid keys). Documented only (json_schema_extra), so `idempotent()` still refuses a bad
# key with its own rule id.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="1-200 visible ASCII characters; send the same key again to get the first answer",
        json_schema_extra={"pattern": _KEY_PATTERN, "minLength": 1, "maxLength": 200},
    ),
]
_KEY = re.compile(_KEY_PATTERN)


class SpoiledTransaction(RuntimeError):
    """A unit of work left a savepoint-less request transaction without committing: the route's `savepoints=False`
    is wrong for what its `compute` does. Nothing is committed."""


async def idempotent(
    request: Request,
    *,
    actor: str,
    compute: Callable[[], Awaitable[Response]],
    savepoints: bool = True,
) -> Response:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions  # set by Chassis.http_app
    service: str | None = getattr(request.app.state, "service", None)  # set by Chassis.http_app
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

    stamp = audit.stamp_parameters(service) if service is not None else None
    async with (
        sessions() as session,
        ambient_transaction(session, stamped=stamp is not None, savepoints=savepoints) as ambient,
    ):
        replay = await _claim(session, actor=actor, key=key, request_hash=request_hash, stamp=stamp)
        if replay is not None:
            return replay
        response = await compute()
        if ambient.spoiled:
            raise SpoiledTransaction(f"{request.method} {request.url.path}: a unit of work left without committing")
        kept_headers = {k: v for k, v in response.headers.items() if k.lower() in ("etag", "location")}
        await session.execute(
            _STORE_ANSWER,
            {
                "status_code": response.status_code,
                "body": bytes(response.body),
                "headers": kept_headers,
                "claimed_actor": actor,
                "claimed_key": key,
            },
        )
        await session.commit()
    ambient.committed()  # the effect and its answer are durable from here: the chaos run's `after_commit`
    return response


_RECORDS = IdempotencyRecord.__table__
# Built once, over the table (not the mapped class): the ORM's update path cost a few per cent of every keyed request.
_STORE_ANSWER = update(_RECORDS).where(
    _RECORDS.c.actor == bindparam("claimed_actor"), _RECORDS.c.key == bindparam("claimed_key")
)
# A constant subquery joined to constant SQL; the values are bound parameters.
_CLAIM_STAMPED = text(
    "INSERT INTO idempotency_record (actor, key, request_hash) SELECT :claim_actor, :claim_key, :claim_hash FROM "  # nosec B608
    + audit.STAMP_SUBQUERY
    + " ON CONFLICT DO NOTHING RETURNING key"
)


async def _claim(
    session: AsyncSession, *, actor: str, key: str, request_hash: str, stamp: dict[str, str] | None
) -> Response | None:
    """Claim the key in `session`'s transaction (stamping it for the audit trigger, when `stamp` is given); the
    stored answer if the key was used before, None to go on."""
    while True:
        if stamp is not None:
            claimed = await session.execute(
                _CLAIM_STAMPED, {"claim_actor": actor, "claim_key": key, "claim_hash": request_hash, **stamp}
            )
        else:
            claimed = await session.execute(
                pg_insert(IdempotencyRecord)
                .values(actor=actor, key=key, request_hash=request_hash)
                .on_conflict_do_nothing()
                .returning(IdempotencyRecord.key)
            )
        if claimed.first() is not None:
            return None
        # The insert waited for a concurrent holder of the key, if any, and it committed: its row is visible now.
        # FOR UPDATE: a row without an answer (claimed by a release that committed claims on their own) is taken
        # over by one request at a time.
        record = (
            await session.execute(
                select(IdempotencyRecord)
                .where(IdempotencyRecord.actor == actor, IdempotencyRecord.key == key)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if record is not None:
            break  # else it was deleted in between: claim again
    if record.request_hash != request_hash:
        raise InvalidValue(
            "this Idempotency-Key was used for a different request", rule="idempotency.key_reused", field=HEADER
        )
    if record.status_code is None:
        return None
    return Response(
        content=record.body,
        status_code=record.status_code,
        headers={**record.headers, "Idempotency-Replayed": "true"},
        media_type="application/json",
    )
