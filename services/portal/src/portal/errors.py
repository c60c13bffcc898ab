"""What the user sees when something goes wrong: a page in Indonesian that says what failed and what was kept,
never a stack trace. A service's 403/404 is its answer, shown as a page; the portal decides nothing itself."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal import security
from portal.clients.base import ServiceDown, ServiceProblem, SessionExpired
from portal.web import CsrfRefused, NotSignedIn, Portal, masuk_url

log = logging.getLogger(__name__)

# A short wait before the browser's own retry: long enough for a restarted service, short for a teacher.
RETRY_AFTER_SECONDS = 5


async def _form_values(request: Request) -> tuple[dict[str, str | list[str]], bool]:
    """The fields of a post that could not be done, to send again as they were, and whether it carried a file (a
    page cannot hold a file to resend: the person chooses it again)."""
    if request.method != "POST":
        return {}, False
    try:
        form = await request.form()
    except Exception:  # an unreadable body: nothing to keep
        return {}, False
    values: dict[str, str | list[str]] = {}
    had_file = False
    for key in form:
        entries = form.getlist(key)
        had_file = had_file or any(not isinstance(v, str) for v in entries)
        kept = [v for v in entries if isinstance(v, str)]
        if kept:
            values[key] = kept if len(kept) > 1 else kept[0]
    return values, had_file


def _back_to(request: Request) -> str:
    """Where to come back after signing in: the page asked for, or, for a form that was sent, the page the form
    was on (its same-origin Referer: a form's own address may answer POST only)."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    same_origin = referer.netloc == request.url.netloc and referer.scheme in ("http", "https")
    return (referer.path + (f"?{referer.query}" if referer.query else "")) if same_origin and referer.path else "/"


def install(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    @app.exception_handler(SessionExpired)
    async def to_masuk(request: Request, exc: Exception) -> Response:
        portal = Portal(request)
        if portal.user is not None:
            portal.session.sign_out()
            portal.flash("umum.sesi_berakhir", kind="info")
        return portal.redirect(masuk_url(_back_to(request)))

    @app.exception_handler(ServiceDown)
    async def service_down(request: Request, exc: ServiceDown) -> Response:
        log.warning("service unavailable", extra={"service": exc.service, "reason": exc.reason})
        portal = Portal(request)
        values, had_file = await _form_values(request)
        return portal.render(
            "galat/layanan.html",
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            layanan=portal.t(f"layanan.{exc.service}"),
            ulang_values=values,
            ulang_action=_back_to(request) if had_file else request.url.path,
            is_post=request.method == "POST" and not had_file,
            had_file=had_file,
        )

    @app.exception_handler(ServiceProblem)
    async def service_problem(request: Request, exc: ServiceProblem) -> Response:
        portal = Portal(request)
        if exc.status == 412:  # someone else changed it: show the latest, say so
            portal.flash("umum.diubah_orang_lain", kind="peringatan")
            return portal.redirect(request.url.path)
        page = {403: "galat/terlarang.html", 404: "galat/tidak_ada.html"}.get(exc.status, "galat/ditolak.html")
        status = exc.status if exc.status in (403, 404, 409, 422) else 400
        errors = portal.errors_of(exc)
        return portal.render(page, status=status, pesan=[m for _, m in errors.summary])

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return Portal(request).render("galat/csrf.html", status=403)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return Portal(request).render("galat/ditolak.html", status=400, pesan=[Portal(request).t("aturan.http.400")])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        page = "galat/tidak_ada.html" if exc.status_code == 404 else "galat/ditolak.html"
        portal = Portal(request)
        return portal.render(page, status=exc.status_code, pesan=[portal.t("aturan.http.umum")])

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        # Answered outside the middleware stack: the headers every page carries are set here.
        headers = {**security.HEADERS, "Cache-Control": "no-store"}
        return Portal(request).render("galat/server.html", status=500, headers=headers)
