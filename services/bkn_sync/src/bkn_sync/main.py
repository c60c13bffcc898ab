"""The bkn_sync process: `uvicorn bkn_sync.main:create_app --factory` (HTTP, consumers, relay, push worker, pull)."""

from __future__ import annotations

from fastapi import FastAPI

from bkn_sync.api import routers
from bkn_sync.bootstrap import build
from bkn_sync.settings import BknSyncSettings

DESCRIPTION = """
BKN e-Kinerja and SIASN. bkn_sync owns the link to BKN: every push of an approved SKP, a triwulan's kinerja
periodik, the annual result and the angka kredit, as a durable job with its attempts; each failure typed with who can
fix it (the guru, the school's operator, the Dinas, BKN, the platform team) and retried by itself when it can be;
the conflicts between an approved SKP and what e-Kinerja now holds, kept for an operator's decision; and the pull of
BKN's change feed (SIASN profiles, SKP edited in e-Kinerja). This API shows the sync state per pegawai, school and
region and lets an operator retry, decide a conflict or reconcile a region. The rules: `docs/domain.md §7`;
the service: `docs/design.md §1`.
"""


def create_app(settings: BknSyncSettings | None = None) -> FastAPI:
    container = build(settings)
    return container.chassis.http_app(
        title="PMM Kinerja: bkn_sync",
        version="1.0.0",
        description=DESCRIPTION,
        routers=routers(),
        state=container,
        on_started=container.start_loops,
        on_stopping=container.stop_loops,
    )
