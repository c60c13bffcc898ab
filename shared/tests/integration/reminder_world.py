"""A reminding service reduced to its reminders, for the mechanism's tests: one window, and a table of people who
have or have not acted. Also run as a process (`python -m shared.tests.integration.reminder_world DSN`) that decides
once, so a test can kill it between the decision and the send."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from pmm_chassis.db.engine import session_factory
from pmm_chassis.reminders import Recipient, ReminderKind, ReminderWindow, Reminding, Template
from pmm_chassis.reminders.decider import ReminderDecider
from pmm_kernel.clock import WIB, FixedClock

SERVICE = "remindertest"
KIND = "uji.belum_bertindak"
TODAY = date(2024, 3, 28)
WINDOW = ReminderWindow(
    periode="2024-S1",
    step="perencanaan_guru",
    wilayah="3273",
    opens=date(2024, 1, 1),
    closes=date(2024, 3, 31),
    offsets=(7, 3, 1),
    nama_periode="Semester 1 2024",
)
TEMPLATE = Template(subject="Pengingat: $nama_periode", body="Bapak/Ibu $nama, batas waktu $tenggat.\n$tautan\n")

TARGET_TABLE = """
CREATE TABLE remind_target (
    pegawai_id uuid PRIMARY KEY, nip text NOT NULL, nama text NOT NULL, email text, acted boolean NOT NULL
)
"""


async def windows(session: AsyncSession, today: date) -> list[ReminderWindow]:
    return [WINDOW]


async def finder(session: AsyncSession, window: ReminderWindow, today: date) -> list[Recipient]:
    rows = await session.execute(text("SELECT pegawai_id, nip, nama, email FROM remind_target WHERE NOT acted"))
    return [
        Recipient(pegawai_id=r.pegawai_id, subject=r.nip, email=r.email, link_path="/uji", params={"nama": r.nama})
        for r in rows
    ]


REMINDING = Reminding(windows=windows, kinds=(ReminderKind(KIND, frozenset({WINDOW.step}), finder, TEMPLATE),))


def decider(url: str, *, on_decided=None) -> tuple[ReminderDecider, object]:
    engine = create_async_engine(url)
    clock = FixedClock(datetime(TODAY.year, TODAY.month, TODAY.day, 8, 0, tzinfo=WIB))
    made = ReminderDecider(
        service=SERVICE,
        sessions=session_factory(engine),
        clock=clock,
        reminding=REMINDING,
        portal_url="https://portal.test",
        on_decided=on_decided,
    )
    return made, engine


async def add_targets(url: str, count: int, *, acted: bool = False) -> list[uuid.UUID]:
    engine = create_async_engine(url)
    ids = [uuid.uuid4() for _ in range(count)]
    async with engine.begin() as conn:
        for n, pegawai_id in enumerate(ids):
            await conn.execute(
                text("INSERT INTO remind_target VALUES (:id, :nip, :nama, :email, :acted)"),
                {
                    "id": pegawai_id,
                    "nip": f"19800101200501{n:04d}",
                    "nama": f"Guru {n}",
                    "email": f"ptk.{n}@guru.belajar.id",
                    "acted": acted,
                },
            )
    await engine.dispose()
    return ids


async def _decide_once(url: str) -> None:
    made, engine = decider(url)
    await made.decide()
    await engine.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    asyncio.run(_decide_once(sys.argv[1]))
