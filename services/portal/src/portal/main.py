"""The portal process: `uvicorn portal.main:create_app --factory` (port 8000)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.middleware.gzip import GZipMiddleware

from pmm_chassis import metrics
from pmm_chassis.heap import freeze_startup_heap
from pmm_chassis.telemetry import FASTAPI_TELEMETRY_OFF, instrument_fastapi, shutdown_tracing
from portal import errors
from portal.bootstrap import PortalApp, build
from portal.pages import monitoring, routers
from portal.security import SecurityHeaders
from portal.session import SessionMiddleware
from portal.settings import PortalSettings


def create_app(settings: PortalSettings | None = None, *, portal: PortalApp | None = None) -> FastAPI:
    portal = portal or build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        freeze_startup_heap()
        try:
            yield
        finally:
            await portal.close()
            shutdown_tracing(portal.tracer_provider)

    app = FastAPI(title="PMM Kinerja: portal", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None, telemetry=FASTAPI_TELEMETRY_OFF)  # fmt: skip
    app.state.portal = portal
    errors.install(app)
    for router in [*routers(), monitoring.router]:
        app.include_router(router)
    app.mount("/static", portal.assets)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return Response(status_code=204)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        # Ready once it can sign people in; the services behind it are not checked here: a service that is down
        # is a page that says so, not a portal taken out of rotation.
        checks = {"sign_in": "ok" if await _sign_in_ready(portal) else "unavailable"}
        status = 200 if all(v == "ok" for v in checks.values()) else 503
        return JSONResponse({"status": "ready" if status == 200 else "not ready", "checks": checks}, status)

    app.add_api_route("/metrics", metrics.metrics_endpoint, include_in_schema=False)
    # Outermost last: compression sees the final body, the session is open for every page and error page.
    app.add_middleware(SessionMiddleware, codec=portal.codec, secure=portal.settings.cookie_secure)
    app.add_middleware(SecurityHeaders, hsts=portal.settings.cookie_secure, form_targets=_provider_origin(portal))
    metrics.install_http_metrics(app, "portal")
    app.add_middleware(GZipMiddleware, minimum_size=500)
    instrument_fastapi(app, portal.tracer_provider)
    return app


def _provider_origin(portal: PortalApp) -> tuple[str, ...]:
    issuer = urlsplit(portal.settings.oidc_issuer or "")
    return (f"{issuer.scheme}://{issuer.netloc}",) if portal.oidc is not None and issuer.netloc else ()


async def _sign_in_ready(portal: PortalApp) -> bool:
    if portal.oidc is not None:
        return await portal.oidc.ready()
    return portal.dev_login is not None
