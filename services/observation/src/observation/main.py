"""The observation process: `uvicorn observation.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from observation.adapters.storage import S3Storage
from observation.api import install, routers
from observation.bootstrap import build
from observation.settings import ObservationSettings

DESCRIPTION = """
Pelaksanaan. Observation owns the observation cycle an approved plan opens for its pegawai and period: persiapan
(target behaviours, efforts, an agreed date), the atasan's observasi with its rubric, the diskusi tindak lanjut, the
upaya, and the refleksi that completes the cycle; and the bukti dukung, uploaded as resumable tus 1.0 uploads under
the 2024 policy or confirmed by the atasan from 2025. Every step is open only in the period's pelaksanaan window
(with extensions). It publishes `observation.*` events; `pelaksanaan.completed` lets appraisal rate. The rules:
`docs/domain.md §5`; the service: `docs/design.md §1`.
"""


def create_app(settings: ObservationSettings | None = None) -> FastAPI:
    container = build(settings)

    async def prepare_storage() -> None:
        storage = container.deps.storage
        if isinstance(storage, S3Storage):
            await storage.ensure_bucket()

    app = container.chassis.http_app(
        title="PMM Kinerja: observation",
        version="1.0.0",
        description=DESCRIPTION,
        routers=routers(),
        state=container,
        on_started=prepare_storage,
    )
    install(app)
    return app
