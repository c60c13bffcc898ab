"""Builds planning from its settings: the one place that wires the chassis, the catalogues and the handlers."""

from __future__ import annotations

from dataclasses import dataclass

from planning import integration
from planning.db.pengingat import planning_reminders
from planning.db.uow import PlanningUnitOfWork
from planning.domain.catalog import load_catalog
from planning.domain.policy import load_policies
from planning.handlers import handlers
from planning.settings import PlanningSettings
from planning.usecases import Deps
from pmm_chassis.service import Chassis


@dataclass
class Container:
    settings: PlanningSettings
    chassis: Chassis
    deps: Deps


def build(settings: PlanningSettings | None = None) -> Container:
    settings = settings or PlanningSettings()
    chassis = Chassis(settings)

    def uow() -> PlanningUnitOfWork:
        return PlanningUnitOfWork(
            chassis.sessions,
            service=settings.service_name,
            to_contract=integration.to_contract,
            clock=chassis.clock,
        )

    deps = Deps(uow=uow, clock=chassis.clock, catalog=load_catalog(), policies=load_policies())
    chassis.consume(handlers(deps), uow)
    # Who has not planned, and atasan with plans waiting, are reminded before the window closes (docs/domain.md §3).
    chassis.remind(planning_reminders())
    return Container(settings=settings, chassis=chassis, deps=deps)
