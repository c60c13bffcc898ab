"""Period windows and the operator's extensions (docs/domain.md §3).

Planning, observation and appraisal all refuse an action outside its window with the same error, so
the rule lives in the kernel. Dates are whole calendar days of the ministry (WIB, see `clock.today`),
and both ends of a window are inclusive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pmm_kernel.errors import InvalidValue, OutsideWindow

# Kode wilayah prefixes an extension may target: a province (2 digits) or a kabupaten/kota (4 digits).
_REGION = re.compile(r"[0-9]{2}(?:[0-9]{2})?", re.ASCII)


@dataclass(frozen=True)
class Window:
    step: str  # e.g. "perencanaan_guru", "perencanaan_ks", "pemutakhiran_data", "pelaksanaan", "penilaian"
    opens: date
    closes: date
    late_until: date | None = None  # late entry still accepted until this date

    def __post_init__(self) -> None:
        if self.closes < self.opens or (self.late_until is not None and self.late_until < self.closes):
            raise InvalidValue(
                f"window {self.step} must open before it closes, and late entry must end after it closes",
                rule="window.dates",
                field="closes",
            )


@dataclass(frozen=True)
class Extension:
    step: str
    until: date
    region: str | None  # None = everyone; else a kode wilayah prefix: "32" (province) or "3273" (kab/kota)
    reason: str

    def __post_init__(self) -> None:
        # An empty or malformed prefix would silently extend the window for the whole country.
        if self.region is not None and not _REGION.fullmatch(self.region):
            raise InvalidValue(
                "an extension's region is a 2-digit province or 4-digit kabupaten/kota code",
                rule="window.extension_region",
                field="region",
            )

    def applies_to(self, step: str, region_code: str) -> bool:
        return self.step == step and (self.region is None or region_code.startswith(self.region))


def effective_close(window: Window, extensions: Iterable[Extension], region_code: str) -> date:
    """The last day the step is accepted in this region: an extension never shortens a window."""
    candidates = [window.closes]
    if window.late_until is not None:
        candidates.append(window.late_until)
    candidates.extend(e.until for e in extensions if e.applies_to(window.step, region_code))
    return max(candidates)


def check_open(
    window: Window,
    on: date,
    *,
    region_code: str,
    extensions: Iterable[Extension] = (),
    period_label: str = "",
) -> None:
    """Raise `OutsideWindow` naming the window and its dates unless `on` falls inside it."""
    closes = effective_close(window, extensions, region_code)
    if window.opens <= on <= closes:
        return
    subject = f"{window.step} for {period_label}" if period_label else window.step
    raise OutsideWindow(
        f"{subject} is open {window.opens.isoformat()} to {closes.isoformat()}; today is {on.isoformat()}",
        rule=f"window.{window.step}",
        field=None,
        extra={"step": window.step, "opens": window.opens.isoformat(), "closes": closes.isoformat()},
    )
