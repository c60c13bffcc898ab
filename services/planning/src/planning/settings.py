"""Planning's settings: `PLANNING_*` environment variables over the chassis defaults."""

from __future__ import annotations

from typing import ClassVar

from pmm_chassis.settings import ServiceSettings


class PlanningSettings(ServiceSettings):
    model_config = ServiceSettings.prefixed("planning")
    service_name: ClassVar[str] = "planning"

    # Years whose periods are opened from the policy files at start-up, besides the clock's own year.
    open_years: list[int] = []
