"""The planning process: `uvicorn planning.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from planning import usecases
from planning.api import routers
from planning.bootstrap import build
from planning.settings import PlanningSettings
from pmm_kernel.clock import today


def create_app(settings: PlanningSettings | None = None) -> FastAPI:
    container = build(settings)

    async def open_current_periods() -> None:
        years = {today(container.deps.clock).year, *container.settings.open_years}
        for year in sorted(years):
            await usecases.open_periods(container.deps, year=year)

    return container.chassis.http_app(
        title="PMM Kinerja: planning",
        version="1.0.0",
        routers=routers(),
        state=container,
        on_started=open_current_periods,
    )
