"""Masuk and keluar: OpenID Connect in production, "masuk sebagai" a roster person in development."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from portal.auth.oidc import OidcRefused
from portal.clients.base import ServiceDown, ServiceProblem
from portal.web import FormDep, PortalDep, form_meta

router = APIRouter()

Lanjut = Annotated[str, Query(max_length=300)]


def _safe(lanjut: str) -> str:
    """Back to a page of this portal only, never to an address elsewhere (an open redirect)."""
    return lanjut if lanjut.startswith("/") and not lanjut.startswith("//") and "\\" not in lanjut else "/"


@router.get("/masuk")
async def masuk(portal: PortalDep, lanjut: Lanjut = "/") -> Response:
    if portal.user is not None:
        return portal.redirect(_safe(lanjut))
    people: list[dict] = []
    roster_unavailable = False
    if portal.app.dev_login is not None:
        try:
            people = await portal.app.dev_login.people()
        except (ServiceDown, ServiceProblem):
            roster_unavailable = True  # the operator can still sign in and import the roster
    return portal.render(
        "masuk.html",
        lanjut=_safe(lanjut),
        people=people,
        wilayah=portal.app.settings.dev_wilayah,
        dev=portal.app.dev_login is not None,
        roster_unavailable=roster_unavailable,
        sso=portal.app.oidc is not None,
        form=form_meta(portal),
    )


@router.post("/masuk/sebagai")
async def masuk_sebagai(portal: PortalDep, form: FormDep) -> Response:
    """Development only: the issuer signs a token for the chosen person (their NIP travels in the body only)."""
    dev = portal.app.dev_login
    if dev is None:
        return portal.render("galat/tidak_ada.html", status=404, pesan=[portal.t("masuk.dev_mati")])
    wilayah = form.get("wilayah")
    if form.get("peran") == "operator" and wilayah in dev.wilayah:
        user = await dev.mint(f"operator-{wilayah}", ["operator"], wilayah)
        user["nama"] = portal.t("masuk.operator_dinas", wilayah=wilayah)
    else:
        chosen = next((p for p in await dev.people() if p["nip"] == form.get("nip")), None)
        if chosen is None:
            portal.flash("masuk.orang_tidak_ada", kind="galat")
            return portal.redirect("/masuk")
        user = await dev.mint(chosen["nip"], list(chosen["peran"]))
        user["nama"] = chosen["nama"]
    portal.session.sign_out()  # a new sid: the CSRF tokens of the signed-out visitor end here
    portal.session["user"] = user
    return portal.redirect(_safe(form.get("lanjut", "/")))


@router.get("/masuk/sso")
async def masuk_sso(portal: PortalDep, lanjut: Lanjut = "/") -> Response:
    if portal.app.oidc is None:
        return portal.render("galat/tidak_ada.html", status=404, pesan=[portal.t("masuk.sso_mati")])
    try:
        return portal.redirect(await portal.app.oidc.start(portal.session, _safe(lanjut)))
    except OidcRefused:
        portal.flash("masuk.sso_gagal", kind="galat")
        return portal.redirect("/masuk")


@router.get("/masuk/sso/kembali")
async def masuk_sso_kembali(
    portal: PortalDep,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    oidc = portal.app.oidc
    if oidc is None:
        return portal.render("galat/tidak_ada.html", status=404, pesan=[portal.t("masuk.sso_mati")])
    pending = portal.session.pop("oidc", None)
    try:
        if error:
            raise OidcRefused(error)
        user = await oidc.finish(pending, code=code, state=state)
    except OidcRefused:
        portal.flash("masuk.sso_gagal", kind="galat")
        return portal.redirect("/masuk")
    lanjut = _safe(str((pending or {}).get("lanjut", "/")))
    portal.session.sign_out()
    portal.session["user"] = user
    return portal.redirect(lanjut)


@router.post("/keluar")
async def keluar(portal: PortalDep, form: FormDep) -> Response:
    user = portal.user
    portal.session.sign_out()
    portal.flash("masuk.sudah_keluar", kind="info")
    if user is not None and portal.app.oidc is not None:
        try:
            end = await portal.app.oidc.logout_url(user, portal.app.settings.public_url.rstrip("/") + "/masuk")
        except (OidcRefused, ServiceDown):
            end = None  # signed out here; the provider's own session ends with its own expiry
        if end:
            return portal.redirect(end)
    return portal.redirect("/masuk")
