"""Periods as planning announces them, for the consuming services' suites: a year's one annual period under the
2025 rules (docs/domain.md §3), the shape most tests need, built in one place instead of a copy per suite."""

from __future__ import annotations

from datetime import date

from pmm_contracts.events import planning as contract


def tahunan(year: int, *, pengingat_hari: list[int] | None = None) -> contract.PeriodeOpenedV1:
    """`{year}-T`: planning in January, pelaksanaan from February to October, penilaian from 15 November, with the
    2025 policy's flags (no upload, a data-update step, no competence points); reminders on `pengingat_hari`."""
    return contract.PeriodeOpenedV1(
        kode=f"{year}-T",
        tahun=year,
        nama=f"Tahunan {year}",
        jenis="tahunan",
        mulai=date(year, 1, 1),
        selesai=date(year, 12, 31),
        bulan=12,
        policy_year=2025,
        evidence_upload=False,
        data_update_step=True,
        competence_points=None,
        windows=[
            contract.WindowPart(step="perencanaan_guru", opens=date(year, 1, 1), closes=date(year, 1, 31)),
            contract.WindowPart(step="pelaksanaan", opens=date(year, 2, 1), closes=date(year, 10, 31)),
            contract.WindowPart(step="penilaian", opens=date(year, 11, 15), closes=date(year, 12, 31)),
        ],
        pengingat_hari=pengingat_hari,
    )
