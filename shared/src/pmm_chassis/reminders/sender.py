"""The sender: mails decided reminders over SMTP with the outbox's promises.

- Claims due rows `FOR UPDATE SKIP LOCKED` and leases them for longer than one send may take, so two replicas
  never send the same row at the same time, and a sender killed mid-send leaves a row another takes once the lease
  ends.
- A row is marked sent only after the server accepted the message. A failure (server down, slow, a 4xx) keeps the
  row and retries it with a growing back-off; nothing is lost and nothing crash-loops.
- A recipient the server refuses for good (5xx on RCPT) is recorded on the row with the server's reason, shown to
  the operator, and not retried.
- Each message's Message-ID comes from its key, so a resend after a crash between acceptance and mark is the same
  message to any mail system that deduplicates.
Never logs an address or a subject: only row ids, counts and reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formatdate

import aiosmtplib
import asyncpg

from pmm_chassis import failpoints
from pmm_chassis.messaging.failures import describe

logger = logging.getLogger(__name__)

_CLAIM = """
UPDATE pengingat SET lease_until = now() + make_interval(secs => $2), attempts = attempts + 1
WHERE id IN (
    SELECT id FROM pengingat
    WHERE sent_at IS NULL AND refused_at IS NULL AND email IS NOT NULL AND next_attempt_at <= now()
      AND (lease_until IS NULL OR lease_until < now())
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
RETURNING id, email, judul, isi, message_id, attempts, tenggat
"""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout_seconds: float = 20.0


def backoff_seconds(attempts: int, *, base: float = 5.0, cap: float = 900.0) -> float:
    """After the n-th failed attempt: 5 s, 10 s, 20 s ... up to 15 minutes."""
    return min(base * 2.0 ** max(attempts - 1, 0), cap)


class ReminderSender:
    def __init__(
        self,
        *,
        service: str,
        dsn: str,
        smtp: SmtpConfig,
        batch_size: int = 50,
        poll_seconds: float = 2.0,
        lease_seconds: float = 120.0,
        backoff_base: float = 5.0,
    ) -> None:
        self.service = service
        self._dsn = dsn
        self._smtp = smtp
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        # Longer than a whole batch's sends at the SMTP timeout: a live sender's lease never ends under it.
        self._lease_seconds = max(lease_seconds, smtp.timeout_seconds * 3)
        self._backoff_base = backoff_base
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pool: asyncpg.Pool | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-reminder-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pool.close(), timeout=5)
            self._pool = None

    async def _run(self) -> None:
        pause = self._poll_seconds
        while True:
            try:
                self._wake.clear()
                handled = await self.send_batch()
                pause = self._poll_seconds
                if handled >= self._batch_size:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: the rows wait, the loop goes on
                logger.warning("reminder send pass failed", extra={"reason": describe(exc)})
                pause = min(pause * 2, 30.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)

    async def _connection_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=2)
        return self._pool

    async def send_batch(self) -> int:
        """One pass: claim, send, mark. Returns how many rows it handled (sent, refused or put back)."""
        pool = await self._connection_pool()
        async with pool.acquire() as conn:
            rows = await conn.fetch(_CLAIM, self._batch_size, self._lease_seconds)
        if not rows:
            return 0
        sent = refused = retried = 0
        smtp: aiosmtplib.SMTP | None = None
        try:
            for position, row in enumerate(rows):
                try:
                    if smtp is None:
                        smtp = await self._connect()
                    await smtp.send_message(self._message(row))
                except aiosmtplib.SMTPRecipientsRefused as exc:
                    permanent = [r for r in exc.recipients if r.code >= 500]
                    if permanent:
                        await self._refused(pool, row["id"], f"{permanent[0].code} {permanent[0].message}"[:500])
                        refused += 1
                    else:
                        await self._retry(pool, row, describe(exc))
                        retried += 1
                    continue
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                    # The server is down, slow or says "later": this row and the rest of the batch wait.
                    for later in rows[position:]:
                        await self._retry(pool, later, describe(exc))
                    retried += len(rows) - position
                    logger.warning(
                        "reminder mail not sent, will retry",
                        extra={"rows": len(rows) - position, "reason": _log_reason(exc)},
                    )
                    if smtp is not None:
                        smtp.close()
                    smtp = None
                    break
                failpoints.reached(self.service, "after_reminder_sent")
                async with pool.acquire() as conn:
                    await conn.execute(
                        "UPDATE pengingat SET sent_at = now(), lease_until = NULL, last_error = NULL WHERE id = $1",
                        row["id"],
                    )
                sent += 1
        finally:
            if smtp is not None:
                with contextlib.suppress(Exception):
                    await smtp.quit()
        if sent or refused:
            logger.info("reminders mailed", extra={"sent": sent, "refused": refused, "retry": retried})
        return sent + refused + retried

    async def _connect(self) -> aiosmtplib.SMTP:
        cfg = self._smtp
        smtp = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            timeout=cfg.timeout_seconds,
            start_tls=cfg.starttls,
            use_tls=False,
        )
        await smtp.connect()
        if cfg.user:
            await smtp.login(cfg.user, cfg.password or "")
        return smtp

    def _message(self, row: asyncpg.Record) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._smtp.sender
        message["To"] = row["email"]
        message["Subject"] = row["judul"]
        message["Message-ID"] = row["message_id"]
        message["Date"] = formatdate(localtime=False)
        message["X-PMM-Tenggat"] = format_datetime(row["tenggat"])
        message.set_content(row["isi"])
        return message

    async def _retry(self, pool: asyncpg.Pool, row: asyncpg.Record, reason: str) -> None:
        delay = backoff_seconds(row["attempts"], base=self._backoff_base)
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE pengingat SET lease_until = NULL, last_error = $2, "
                "next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1 AND sent_at IS NULL",
                row["id"],
                reason[:500],
                delay,
            )

    async def _refused(self, pool: asyncpg.Pool, row_id: int, reason: str) -> None:
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE pengingat SET refused_at = now(), refused_reason = $2, lease_until = NULL WHERE id = $1",
                row_id,
                reason,
            )


def _log_reason(exc: BaseException) -> str:
    """What a log line may say of an SMTP failure: its kind and code, never the server's text (it may echo an
    address)."""
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__} {code}" if code is not None else type(exc).__name__
