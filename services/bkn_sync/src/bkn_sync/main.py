"""The bkn_sync process: `uvicorn bkn_sync.main:create_app --factory` (HTTP, consumers, relay, push worker, pull)."""

from __future__ import annotations

from fastapi import FastAPI

from bkn_sync.api import routers
from bkn_sync.bootstrap import build
from bkn_sync.settings import BknSyncSettings


def create_app(settings: BknSyncSettings | None = None) -> FastAPI:
    container = build(settings)
    return container.chassis.http_app(
        title="PMM Kinerja: bkn_sync",
        version="1.0.0",
        routers=routers(),
        state=container,
        on_started=container.start_loops,
        on_stopping=container.stop_loops,
    )
