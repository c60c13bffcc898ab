"""The observation process: `uvicorn observation.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from observation.api import install, routers
from observation.bootstrap import build
from observation.db.storage import S3Storage
from observation.settings import ObservationSettings


def create_app(settings: ObservationSettings | None = None) -> FastAPI:
    container = build(settings)

    async def prepare_storage() -> None:
        storage = container.deps.storage
        if isinstance(storage, S3Storage):
            await storage.ensure_bucket()

    app = container.chassis.http_app(
        title="PMM Kinerja: observation",
        version="1.0.0",
        routers=routers(),
        state=container,
        on_started=prepare_storage,
    )
    install(app)
    return app
