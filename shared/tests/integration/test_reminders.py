"""Reminders arrive once, against the real PostgreSQL and a real SMTP server (aiosmtpd in this process).

- Decided twice (a second replica, a restart) is decided once; a process killed with SIGKILL right after deciding
  leaves its reminders to another sender, and two senders on separate connections mail each exactly once.
- Who acted before the offset is not found, so not reminded.
- The mail server down, then up: the reminders wait, are retried, and arrive once. A 451 is retried.
- A recipient refused for good (550) is recorded with the server's reason and not retried.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from pmm_chassis import failpoints
from pmm_chassis.reminders.sender import ReminderSender, SmtpConfig
from pmm_chassis.reminders.table import Pengingat
from pmm_testkit import drop_database, fresh_database, wait_for
from pmm_testkit.mailbox import smtp_fixture
from shared.tests.integration import reminder_world as world

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
smtp = smtp_fixture()


@pytest.fixture
async def database():
    name = f"pmm_chassis_reminders_{os.getpid()}"
    url = await fresh_database(name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=[Pengingat.__table__])
        await conn.execute(text(world.TARGET_TABLE))
    await engine.dispose()
    try:
        yield url
    finally:
        await drop_database(name)


def sender(url: str, server, **kwargs) -> ReminderSender:
    return ReminderSender(
        service=world.SERVICE,
        dsn=url.replace("postgresql+asyncpg://", "postgresql://"),
        smtp=SmtpConfig(
            host=server.host, port=server.port, sender="PMM Kinerja <no-reply@pmm.test>", timeout_seconds=5
        ),
        batch_size=kwargs.pop("batch_size", 7),
        poll_seconds=0.1,
        backoff_base=kwargs.pop("backoff_base", 0.2),
        **kwargs,
    )


async def rows(url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await conn.fetch("SELECT * FROM pengingat ORDER BY id")
    finally:
        await conn.close()


async def test_killed_after_deciding_then_two_senders_mail_every_reminder_exactly_once(database, smtp, tmp_path):
    await world.add_targets(database, 40)
    # A worker decides, then dies with SIGKILL before it sends anything (the failpoint right after the commit).
    failpoints.arm(tmp_path, world.SERVICE, "after_reminder_decided")
    child = subprocess.run(
        [sys.executable, "-m", "shared.tests.integration.reminder_world", database],
        cwd=ROOT,
        env={**os.environ, "PMM_FAILPOINTS_DIR": str(tmp_path)},
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    decided = await rows(database)
    assert len(decided) == 40 and all(r["sent_at"] is None for r in decided)

    # The restarted worker and a second replica decide again: nothing new.
    again, engine = world.decider(database)
    assert await again.decide() == 0
    await engine.dispose()
    assert len(await rows(database)) == 40

    first, second = sender(database, smtp), sender(database, smtp)
    await asyncio.gather(first.start(), second.start())
    try:
        await wait_for(lambda: _all_sent(database), timeout=15)
    finally:
        await asyncio.gather(first.stop(), second.stop())
    ids = smtp.message_ids()
    assert len(ids) == 40 and len(set(ids)) == 40  # every reminder once, no duplicate
    assert {row["message_id"] for row in await rows(database)} == set(ids)
    mail = smtp.messages[0]
    assert mail["Subject"] == "Pengingat: Semester 1 2024"
    assert "Minggu, 31 Maret 2024 pukul 23.59 WIB" in mail.get_payload()
    assert "https://portal.test/uji" in mail.get_payload()
    assert "19800101" not in mail["Subject"]


async def _all_sent(url: str) -> bool:
    return all(r["sent_at"] is not None for r in await rows(url))


async def test_who_acted_before_the_offset_is_not_reminded(database):
    waiting = await world.add_targets(database, 3)
    acted = await world.add_targets(database, 2, acted=True)
    decider, engine = world.decider(database)
    try:
        assert await decider.decide() == 3
    finally:
        await engine.dispose()
    found = await rows(database)
    assert {r["pegawai_id"] for r in found} == set(waiting)
    assert not {r["pegawai_id"] for r in found} & set(acted)
    assert {r["offset_days"] for r in found} == {3}  # 28 March, 3 days before the 31st


async def test_the_mail_server_down_then_up_retries_and_mails_once(database, smtp):
    await world.add_targets(database, 5)
    decider, engine = world.decider(database)
    await decider.decide()
    await engine.dispose()
    smtp.stop()
    mailer = sender(database, smtp)
    assert await mailer.send_batch() == 5
    waiting = await rows(database)
    assert all(r["sent_at"] is None and r["last_error"] and r["attempts"] == 1 for r in waiting)
    assert all(r["next_attempt_at"] > r["created_at"] for r in waiting)  # backed off, not hammered
    smtp.start()
    smtp.defer(2)  # and the first two messages are answered "451 try later"
    await mailer.start()
    try:
        await wait_for(lambda: _all_sent(database), timeout=20)
    finally:
        await mailer.stop()
    ids = smtp.message_ids()
    assert len(ids) == 5 and len(set(ids)) == 5
    assert all(r["refused_at"] is None for r in await rows(database))


async def test_a_refused_recipient_is_recorded_with_its_reason_and_not_retried(database, smtp):
    await world.add_targets(database, 3)
    smtp.refuse("ptk.1@guru.belajar.id")
    decider, engine = world.decider(database)
    await decider.decide()
    await engine.dispose()
    mailer = sender(database, smtp)
    assert await mailer.send_batch() == 3
    assert await mailer.send_batch() == 0  # nothing left to try
    by_email = {r["email"]: r for r in await rows(database)}
    refused = by_email["ptk.1@guru.belajar.id"]
    assert refused["refused_at"] is not None and refused["sent_at"] is None
    assert refused["refused_reason"].startswith("550")
    assert refused["attempts"] == 1
    assert len(smtp.messages) == 2


async def test_someone_without_an_address_is_listed_but_not_mailed(database, smtp):
    (pegawai_id,) = await world.add_targets(database, 1)
    engine = create_async_engine(database)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE remind_target SET email = NULL"))
    await engine.dispose()
    decider, engine = world.decider(database)
    assert await decider.decide() == 1
    await engine.dispose()
    assert await sender(database, smtp).send_batch() == 0
    (row,) = await rows(database)
    assert row["pegawai_id"] == pegawai_id and row["refused_reason"] and row["sent_at"] is None
    assert smtp.messages == []
