"""What a reminder is and when it is due: pure rules, no database and no mail server.

A reminder goes to someone who has not acted before a window closes, at offsets (days before the EFFECTIVE close,
the region's extension included) that are policy data per policy year (docs/domain.md §3). Each offset is a bucket:
on a given day the bucket is the smallest offset that is still >= the days left, so a decider that wakes late (a
restart over a weekend) still sends the reminder of the bucket it is in, and never one of a bucket already past.
"""

from __future__ import annotations

import hashlib
import string
import tomllib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from types import MappingProxyType
from typing import Any

from pmm_kernel.clock import WIB
from pmm_kernel.windows import Extension, Window, effective_close

DEFAULT_OFFSETS: tuple[int, ...] = (7, 3, 1)

_HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def offset_bucket(offsets: Sequence[int], days_left: int) -> int | None:
    """The offset whose reminder is due when `days_left` whole days remain before the close (0: the close day).

    None before the largest offset (too early) and after the close (too late: the window is shut).
    """
    if days_left < 0:
        return None
    due = [o for o in offsets if o >= days_left]
    return min(due) if due else None


def deadline_of(closes: date) -> datetime:
    """A window's last instant: the end of its closing day in the ministry's time zone (pmm_kernel.windows)."""
    return datetime.combine(closes, time(23, 59), tzinfo=WIB)


def tenggat_text(deadline: datetime) -> str:
    """The deadline as a person reads it: "Kamis, 25 Januari 2024 pukul 23.59 WIB"."""
    at = deadline.astimezone(WIB)
    return f"{_HARI[at.weekday()]}, {at.day} {_BULAN[at.month - 1]} {at.year} pukul {at:%H.%M} WIB"


def window_key(periode: str, step: str, wilayah: str) -> str:
    return f"{periode}:{step}:{wilayah}"


def message_id(*, service: str, pegawai_id: uuid.UUID, key: str, kind: str, offset_days: int) -> str:
    """One Message-ID per reminder key: a message sent twice (a crash between the send and its mark) is one message
    to every mail system that deduplicates, and the id names no person."""
    digest = hashlib.sha256(f"{pegawai_id}|{key}|{kind}|{offset_days}".encode()).hexdigest()[:32]
    return f"<{digest}.{kind}@{service}.pmm-kinerja>"


@dataclass(frozen=True)
class ReminderWindow:
    """One period's step in one region (kode wilayah of a kab/kota), with its effective close."""

    periode: str
    step: str
    wilayah: str
    opens: date
    closes: date  # the effective close: the window's own, its late entry, or the region's extension
    offsets: tuple[int, ...] = DEFAULT_OFFSETS
    nama_periode: str = ""

    @property
    def key(self) -> str:
        return window_key(self.periode, self.step, self.wilayah)

    def bucket(self, today: date) -> int | None:
        """The offset due today; None before the window opens (nobody can act yet) or outside every bucket."""
        if today < self.opens:
            return None
        return offset_bucket(self.offsets, (self.closes - today).days)


def windows_from_snapshot(
    snapshot: Mapping[str, Any],
    extensions: Iterable[Extension],
    *,
    steps: Iterable[str],
    regions: Iterable[str],
) -> list[ReminderWindow]:
    """A published period's windows of `steps`, one per region (kab/kota kode wilayah) with its effective close;
    the offsets are the period's `pengingat_hari` (the policy year's), none when the policy names none."""
    wanted = set(steps)
    extensions = tuple(extensions)
    offsets = tuple(snapshot.get("pengingat_hari") or ())
    found: list[ReminderWindow] = []
    for raw in snapshot.get("windows", ()):
        if raw["step"] not in wanted:
            continue
        late = raw.get("late_until")
        window = Window(
            raw["step"],
            date.fromisoformat(raw["opens"]),
            date.fromisoformat(raw["closes"]),
            date.fromisoformat(late) if late else None,
        )
        for wilayah in sorted(set(regions)):
            found.append(
                ReminderWindow(
                    periode=snapshot["kode"],
                    step=window.step,
                    wilayah=wilayah,
                    opens=window.opens,
                    closes=effective_close(window, extensions, wilayah),
                    offsets=offsets,
                    nama_periode=snapshot.get("nama", ""),
                )
            )
    return found


@dataclass(frozen=True)
class Recipient:
    """Someone a finder found who has not acted: where the mail goes and what it says about them."""

    pegawai_id: uuid.UUID
    subject: str  # who signs in as them (the token's `sub`): their reminders are listed to them by it
    email: str | None
    link_path: str  # the portal page that acts on it, e.g. "/perencanaan/2024-S1"
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Template:
    """A kind's mail text: `string.Template` placeholders ($nama_periode, $tenggat, $tautan and a finder's own)."""

    subject: str
    body: str

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        return string.Template(self.subject).safe_substitute(values), string.Template(self.body).safe_substitute(values)


def load_templates(package: str, name: str) -> dict[str, Template]:
    """A service's mail texts, one `[kinds.<kind>]` table each (`subject`, `body`), from its
    `domain/reference/pengingat/<name>` file."""
    source = resources.files(package) / "reference" / "pengingat" / name
    kinds = tomllib.loads(source.read_text(encoding="utf-8"))["kinds"]
    return {kind: Template(subject=t["subject"], body=t["body"].strip() + "\n") for kind, t in kinds.items()}


def template_values(
    window: ReminderWindow, recipient: Recipient, *, offset_days: int, portal_url: str
) -> dict[str, str]:
    return {
        **recipient.params,
        "periode": window.periode,
        "nama_periode": window.nama_periode or window.periode,
        "tenggat": tenggat_text(deadline_of(window.closes)),
        "hari": str(offset_days),
        "tautan": portal_url.rstrip("/") + recipient.link_path,
    }
