"""The appraisal process: `uvicorn appraisal.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from appraisal.api import routers
from appraisal.bootstrap import build
from appraisal.settings import AppraisalSettings

DESCRIPTION = """
Penilaian. Appraisal owns each pegawai's penilaian of a period: the atasan's two ratings (hasil kerja and perilaku
kerja), the predikat the PermenPANRB 6/2022 matrix gives them, the angka kredit (PermenPANRB 1/2023, prorated by the
period's months), finalisation (only in the penilaian window) and the evaluation document as a PDF; each school's
predikat organisasi and the warnings when its predikat distribution departs from the SE MenPANRB 3/2023 pattern; and
the monitoring of a period per school, kabupaten/kota or province. It publishes `appraisal.penilaian.*`; bkn_sync
pushes what is finalised. The rules: `docs/domain.md §6`; the service: `docs/design.md §1`.
"""


def create_app(settings: AppraisalSettings | None = None) -> FastAPI:
    container = build(settings)
    return container.chassis.http_app(
        title="PMM Kinerja: appraisal", version="1.0.0", description=DESCRIPTION, routers=routers(), state=container
    )
