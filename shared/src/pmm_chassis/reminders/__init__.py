"""Reminders that arrive once: decided in a transaction, mailed with the outbox's promises, listed in the portal.

A service registers its windows and, per kind, a finder and a template (`Chassis.remind`); the chassis runs the
decider and the sender in the worker role and mounts the `/pemberitahuan` routes.
"""

from pmm_chassis.reminders.rules import (
    DEFAULT_OFFSETS,
    Recipient,
    ReminderWindow,
    Template,
    deadline_of,
    load_templates,
    offset_bucket,
    tenggat_text,
    windows_from_snapshot,
)
from pmm_chassis.reminders.spec import Finder, ReminderKind, Reminding, WindowSource

__all__ = [
    "DEFAULT_OFFSETS",
    "Finder",
    "Recipient",
    "ReminderKind",
    "ReminderWindow",
    "Reminding",
    "Template",
    "WindowSource",
    "deadline_of",
    "load_templates",
    "offset_bucket",
    "tenggat_text",
    "windows_from_snapshot",
]
