"""The decider: once every few minutes, and whenever the clock file moves, decides the reminders due today.

For each of the service's windows whose effective close is within the largest offset, it asks each kind's finder
who has not acted and inserts one row per (recipient, window, kind, offset bucket), `ON CONFLICT DO NOTHING`: two
replicas or a restart decide the same reminder once. Someone who acted is not found, so not reminded; an extension
moves the effective close, so the bucket of the day moves with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pmm_chassis import failpoints
from pmm_chassis.messaging.failures import describe
from pmm_chassis.reminders.rules import Recipient, ReminderWindow, deadline_of, message_id, template_values
from pmm_chassis.reminders.spec import ReminderKind, Reminding
from pmm_chassis.reminders.table import Pengingat
from pmm_kernel.clock import Clock, today

logger = logging.getLogger(__name__)

NO_ADDRESS = "tanpa alamat e-mail di data pegawai"


class ReminderDecider:
    def __init__(
        self,
        *,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        reminding: Reminding,
        portal_url: str,
        poll_seconds: float = 180.0,
        clock_file: Path | None = None,
        on_decided: Any = None,
    ) -> None:
        self.service = service
        self._sessions = sessions
        self._clock = clock
        self._reminding = reminding
        self._portal_url = portal_url
        self._poll_seconds = poll_seconds
        self._clock_file = clock_file
        self._on_decided = on_decided
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-reminder-decider")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_pass = -float("inf")
        seen_clock = self._clock_mtime()
        failures = 0
        while True:
            moved = self._clock_mtime()
            if moved != seen_clock or loop.time() - last_pass >= self._poll_seconds:
                seen_clock = moved
                try:
                    await self.decide()
                    failures = 0
                    last_pass = loop.time()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # database away: the next pass decides what this one could not
                    failures += 1
                    logger.warning("reminder decision failed", extra={"reason": describe(exc)})
                    last_pass = loop.time() - self._poll_seconds + min(2.0**failures, 60.0)
            await asyncio.sleep(1.0)

    def _clock_mtime(self) -> float | None:
        if self._clock_file is None:
            return None
        try:
            return os.stat(self._clock_file).st_mtime
        except OSError:
            return None

    async def decide(self, on: date | None = None) -> int:
        """One pass; returns how many reminders it decided (0 when every one was decided before)."""
        day = on or today(self._clock)
        async with self._sessions() as session, session.begin():
            windows = list(await self._reminding.windows(session, day))
        decided = 0
        for window in windows:
            offset = window.bucket(day)
            if offset is None:
                continue
            for kind in self._reminding.kinds_for(window.step):
                decided += await self._decide_kind(kind, window, offset, day)
        if decided:
            logger.info("reminders decided", extra={"count": decided})
            failpoints.reached(self.service, "after_reminder_decided")
            if self._on_decided is not None:
                self._on_decided()
        return decided

    async def _decide_kind(self, kind: ReminderKind, window: ReminderWindow, offset: int, day: date) -> int:
        async with self._sessions() as session, session.begin():
            recipients = await kind.finder(session, window, day)
            rows = [self._row(kind, window, offset, r) for r in recipients]
            if not rows:
                return 0
            inserted = 0
            for chunk in _chunks(rows, 500):
                statement = (
                    insert(Pengingat)
                    .values(chunk)
                    .on_conflict_do_nothing(constraint="uq_pengingat_key")
                    .returning(Pengingat.id)
                )
                ids = [i for (i,) in (await session.execute(statement)).all()]
                inserted += len(ids)
                if ids:
                    # No address on file: still listed to the person in the portal, and shown to the operator as
                    # an address to complete; nothing to send.
                    await session.execute(
                        update(Pengingat)
                        .where(Pengingat.id.in_(ids), Pengingat.email.is_(None))
                        .values(refused_at=func.now(), refused_reason=NO_ADDRESS)
                    )
            return inserted

    def _row(self, kind: ReminderKind, window: ReminderWindow, offset: int, recipient: Recipient) -> dict[str, Any]:
        values = template_values(window, recipient, offset_days=offset, portal_url=self._portal_url)
        judul, isi = kind.template.render(values)
        return {
            "pegawai_id": recipient.pegawai_id,
            "penerima": recipient.subject,
            "email": recipient.email or None,
            "window_key": window.key,
            "periode": window.periode,
            "step": window.step,
            "wilayah": window.wilayah,
            "kind": kind.kind,
            "offset_days": offset,
            "judul": judul,
            "isi": isi,
            "tautan": values["tautan"],
            "tenggat": deadline_of(window.closes),
            "message_id": message_id(
                service=self.service,
                pegawai_id=recipient.pegawai_id,
                key=window.key,
                kind=kind.kind,
                offset_days=offset,
            ),
        }


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> list[Sequence[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]
