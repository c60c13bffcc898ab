"""Beranda: the current period and the person's phases as a task list, each with its state and deadline in WIB,
and the next thing to do. Each service is asked for its own phase; one that is down marks only that phase.

Above them, the person's reminders ("Pemberitahuan") from the services that remind (planning, observation,
appraisal): each still open, with its text, deadline and the page to act on; a service that is down hides only
its own. Below the phases, the person's reports of wrong roster data with their state, so a teacher sees that the
operator corrected (or rejected) what they reported."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import Response

from portal import cycle
from portal.clients.base import ServiceDown, ServiceProblem
from portal.pages.penilaian import own_rows
from portal.web import SignedInDep

router = APIRouter()
KOREKSI_SHOWN = 3  # the newest reports; the data diri step lists them all
# Beranda is the page people come back to most. Its reminders (decided by a daily pass) and reports (answered by an
# operator within days) are read again at most this often per person, and at once after the person changes anything
# in that service: half the service calls of a Beranda the person saw a moment ago.
RECENT_SECONDS = 15.0


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


async def pemberitahuan(portal: Any) -> list[dict[str, Any]]:
    """The person's open reminders, newest first, one per kind and period (the 7-, 3- and 1-day reminders of one
    deadline say the same thing); the link is the portal path it names, so it never leads elsewhere."""
    if "operator" in portal.roles:
        return []
    clients = portal.clients
    reminding = (clients.planning, clients.observation, clients.appraisal)
    answers = await asyncio.gather(
        *(_or_none(c.pemberitahuan(portal.token, fresh_for=RECENT_SECONDS)) for c in reminding)
    )
    now = portal.app.now()
    shown: dict[tuple[str, str], dict[str, Any]] = {}
    for items, _down in answers:
        for item in items or []:
            tenggat = _instant(item.get("tenggat"))
            if tenggat is None or tenggat < now:  # past its deadline: nothing left to do about it
                continue
            key = (str(item.get("kind")), str(item.get("periode")))
            if key in shown and shown[key]["dibuat"] >= str(item.get("dibuat", "")):
                continue
            shown[key] = {
                "judul": str(item.get("judul", "")),
                "tenggat": tenggat,
                "href": urlsplit(str(item.get("tautan", ""))).path or "/",
                "dibuat": str(item.get("dibuat", "")),
            }
    return sorted(shown.values(), key=lambda p: p["dibuat"], reverse=True)


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


async def _nothing() -> tuple[None, None]:
    return None, None


@router.get("/")
async def beranda(portal: SignedInDep) -> Response:
    """Every call that does not need the current period (the reminders, the sync state, the reports) goes out with
    the periods' call; only the three phases wait for it: a cold page waits for its slowest service once, not for
    the reminders and then for the phases."""
    token, clients = portal.token, portal.clients
    has_phases = bool(portal.roles & {"guru", "kepala_sekolah"}) and "operator" not in portal.roles

    async def period_and_phases() -> tuple[dict[str, Any] | None, list[tuple[Any, str | None]]]:
        period = cycle.current_period(await clients.planning.periods(token), portal.app.today())
        if not has_phases or period is None:
            return period, []
        kode = period["kode"]
        return period, await asyncio.gather(
            _or_none(clients.planning.my_skp(token, kode)),
            _or_none(clients.observation.my_pelaksanaan(token, kode)),
            _or_none(own_rows(portal, kode)),  # the state is all Beranda shows: no detail call
        )

    (period, phase_answers), reminders, (sinkron, down_b), (koreksi, _) = await asyncio.gather(
        period_and_phases(),
        pemberitahuan(portal),
        _or_none(clients.bkn_sync.my_sync(token)) if has_phases else _nothing(),
        _or_none(clients.planning.my_koreksi(token, fresh_for=RECENT_SECONDS)) if has_phases else _nothing(),
    )
    if not phase_answers:
        return portal.render(
            "beranda.html", period=period, phases=[], next_step=None, unavailable=[], pemberitahuan=reminders
        )
    (skp, down_p), (pelaksanaan, down_o), (penilaian, down_a) = phase_answers
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
        pemberitahuan=reminders,
        koreksi=(koreksi or [])[:KOREKSI_SHOWN],
    )
