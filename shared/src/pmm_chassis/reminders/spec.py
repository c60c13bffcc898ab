"""What a service registers to remind: where its windows are, and per kind who has not acted and what to say.

Adding a reminder to a service is a finder and a kind: the chassis decides, sends and lists it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from pmm_chassis.reminders.rules import Recipient, ReminderWindow, Template

# Given the window (one period's step in one region) and today: who has not acted, read in the decider's transaction.
Finder = Callable[[AsyncSession, ReminderWindow, date], Awaitable[Sequence[Recipient]]]
# The service's windows today, each region with its effective close.
WindowSource = Callable[[AsyncSession, date], Awaitable[Sequence[ReminderWindow]]]


@dataclass(frozen=True)
class ReminderKind:
    kind: str  # e.g. "perencanaan.belum_diajukan": listed to the person, the key of its template
    steps: frozenset[str]  # the windows it reminds about
    finder: Finder
    template: Template


@dataclass(frozen=True)
class Reminding:
    windows: WindowSource
    kinds: tuple[ReminderKind, ...]

    def kinds_for(self, step: str) -> list[ReminderKind]:
        return [k for k in self.kinds if step in k.steps]
