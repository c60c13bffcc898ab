"""The reminder mechanism as a service's suite drives it: the decider the worker runs, on the app's own database,
limited to one kab/kota so each test's region is its own; and what it decided."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import text

from pmm_chassis.reminders import Reminding
from pmm_chassis.reminders.decider import ReminderDecider

PORTAL = "https://portal.test"


def decider_for(app: Any, reminding: Reminding, wilayah: str, *, portal_url: str = PORTAL) -> ReminderDecider:
    """The service's `reminding`, deciding only for `wilayah`."""

    async def windows(session: Any, today: Any) -> list[Any]:
        return [w for w in await reminding.windows(session, today) if w.wilayah == wilayah]

    container = app.state.container
    return ReminderDecider(
        service=container.settings.service_name,
        sessions=container.chassis.sessions,
        clock=container.chassis.clock,
        reminding=dataclasses.replace(reminding, windows=windows),
        portal_url=portal_url,
    )


async def decided(app: Any, wilayah: str) -> list[dict[str, Any]]:
    """Every reminder decided for `wilayah`, oldest first."""
    async with app.state.container.chassis.sessions() as session:
        rows = await session.execute(text("SELECT * FROM pengingat WHERE wilayah = :w ORDER BY id"), {"w": wilayah})
        return [dict(r._mapping) for r in rows]
