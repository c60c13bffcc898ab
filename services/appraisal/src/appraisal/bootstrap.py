"""Builds appraisal from its settings: the one place that wires the chassis, the rule tables and the handlers."""

from __future__ import annotations

from dataclasses import dataclass

from appraisal import integration
from appraisal.db.pengingat import appraisal_reminders
from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import angka_kredit, distribution, organisasi, predikat
from appraisal.domain.evaluasi import default_rules
from appraisal.handlers import handlers
from appraisal.settings import AppraisalSettings
from appraisal.usecases import Deps
from pmm_chassis.service import Chassis


@dataclass
class Container:
    settings: AppraisalSettings
    chassis: Chassis
    deps: Deps


def build(settings: AppraisalSettings | None = None) -> Container:
    settings = settings or AppraisalSettings()
    # Read every rule table now: a malformed reference file stops the start-up, not the first rating.
    predikat.default_matrix()
    angka_kredit.default_table()
    distribution.default_table()
    organisasi.default_table()
    chassis = Chassis(settings)

    def uow() -> AppraisalUnitOfWork:
        return AppraisalUnitOfWork(
            chassis.sessions, service=settings.service_name, to_contract=integration.to_contract, clock=chassis.clock
        )

    deps = Deps(uow=uow, clock=chassis.clock, rules=default_rules())
    chassis.consume(handlers(deps), uow)
    # An atasan with penilaian not final yet is reminded before the penilaian window closes (docs/domain.md §3).
    chassis.remind(appraisal_reminders())
    return Container(settings=settings, chassis=chassis, deps=deps)
