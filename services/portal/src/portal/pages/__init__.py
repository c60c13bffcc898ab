"""The portal's pages, one module per area; each module's `router` is mounted at the root."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from portal.pages import (
        beranda,
        bukti,
        masuk,
        operator,
        organisasi,
        pelaksanaan,
        penilaian,
        perencanaan,
        persetujuan,
        sinkron,
    )

    return [
        m.router
        for m in (
            masuk,
            beranda,
            perencanaan,
            persetujuan,
            pelaksanaan,
            bukti,
            penilaian,
            organisasi,
            sinkron,
            operator,
        )
    ]
