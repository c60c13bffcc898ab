"""Beranda: the current period and the person's phases as a task list, each with its state and deadline in WIB,
and the next thing to do. Each service is asked for its own phase; one that is down marks only that phase."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from portal import cycle
from portal.clients.base import ServiceDown, ServiceProblem
from portal.pages.penilaian import own_rows
from portal.web import SignedInDep

router = APIRouter()


async def _or_none(call: Any) -> tuple[Any, str | None]:
    """A phase's answer, or None with the name of the service that could not answer (the rest still shows)."""
    try:
        return await call, None
    except ServiceDown as down:
        return None, down.service
    except ServiceProblem as problem:
        if problem.status in (403, 404):
            return None, None
        raise


@router.get("/")
async def beranda(portal: SignedInDep) -> Response:
    token, clients = portal.token, portal.clients
    periods = await clients.planning.periods(token)
    period = cycle.current_period(periods, portal.app.today())
    if "operator" in portal.roles or period is None or not portal.roles & {"guru", "kepala_sekolah"}:
        return portal.render("beranda.html", period=period, phases=[], next_step=None, unavailable=[])
    kode = period["kode"]
    (skp, down_p), (pelaksanaan, down_o), (penilaian, down_a), (sinkron, down_b) = await asyncio.gather(
        _or_none(clients.planning.my_skp(token, kode)),
        _or_none(clients.observation.my_pelaksanaan(token, kode)),
        _or_none(own_rows(portal, kode)),  # the state is all Beranda shows: no detail call
        _or_none(clients.bkn_sync.my_sync(token)),
    )
    skp_body = skp.body if skp is not None else None
    mine = next(iter(penilaian or []), None)
    peran = (skp_body or {}).get("peran") or ("kepala_sekolah" if "kepala_sekolah" in portal.roles else "guru")
    phases = cycle.phases(
        period,
        peran=peran,
        wilayah=((skp_body or {}).get("pegawai") or {}).get("kode_wilayah"),
        skp=skp_body,
        pelaksanaan=pelaksanaan.body if pelaksanaan is not None else None,
        penilaian=mine,
        sinkron=sinkron,
    )
    unavailable = sorted({s for s in (down_p, down_o, down_a, down_b) if s})
    return portal.render(
        "beranda.html",
        period=period,
        phases=phases,
        next_step=cycle.next_step(phases),
        skp=skp_body,
        unavailable=[portal.t(f"layanan.{s}") for s in unavailable],
    )
