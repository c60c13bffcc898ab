"""The planning process: `uvicorn planning.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from planning.api import routers
from planning.bootstrap import build
from planning.settings import PlanningSettings
from planning.usecases.periode import OpenPeriods, open_periods
from pmm_kernel.clock import today

DESCRIPTION = """
Perencanaan. Planning owns the roster (satuan pendidikan, pegawai, and who appraises whom from when), imported by a
Dinas operator as CSV files or JSON rows; the periods of each policy year with their windows and the operators'
audited extensions; the reference catalogues (Rapor Pendidikan indicators, RHK, BerAKHLAK); and the SKP: a pegawai's
plan for a period, saved step by step, submitted to the atasan, approved (immutable from then on) or returned with a
note, and reset only by an operator. It publishes the roster, relations, periods and every decision on a plan as
`planning.*` events, and applies what SIASN says about a pegawai's data diri. The rules: `docs/domain.md §1-§4`;
the service: `docs/design.md §1`.
"""


def create_app(settings: PlanningSettings | None = None) -> FastAPI:
    container = build(settings)

    async def open_current_periods() -> None:
        years = {today(container.deps.clock).year, *container.settings.open_years}
        for year in sorted(years):
            await open_periods(OpenPeriods(year=year), uow=container.deps.uow(), deps=container.deps)

    return container.chassis.http_app(
        title="PMM Kinerja: planning",
        version="1.0.0",
        description=DESCRIPTION,
        routers=routers(),
        state=container,
        on_started=open_current_periods,
    )
