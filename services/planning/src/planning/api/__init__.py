"""Planning's HTTP API: thin routes that parse, authenticate, call a use case and shape the answer."""

from fastapi import APIRouter

from planning.api import dokumen, katalog, koreksi, periode, persetujuan, roster, skp


def routers() -> list[APIRouter]:
    return [
        skp.router,
        dokumen.router,
        persetujuan.router,
        koreksi.router,
        periode.router,
        roster.router,
        katalog.router,
    ]
