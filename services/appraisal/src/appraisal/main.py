"""The appraisal process: `uvicorn appraisal.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from appraisal.api import routers
from appraisal.bootstrap import build
from appraisal.settings import AppraisalSettings


def create_app(settings: AppraisalSettings | None = None) -> FastAPI:
    container = build(settings)
    return container.chassis.http_app(
        title="PMM Kinerja: appraisal", version="1.0.0", routers=routers(), state=container
    )
