"""Appraisal's settings: `APPRAISAL_*` environment variables over the chassis defaults."""

from __future__ import annotations

from typing import ClassVar

from pmm_chassis.settings import ServiceSettings


class AppraisalSettings(ServiceSettings):
    model_config = ServiceSettings.prefixed("appraisal")
    service_name: ClassVar[str] = "appraisal"
