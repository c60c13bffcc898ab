"""Builds the portal from its settings: catalogue, templates, assets, the four clients, the session codec and the
sign-in. Nothing is created at import time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from opentelemetry.sdk.trace import TracerProvider

from pmm_chassis.logging import setup_logging
from pmm_chassis.telemetry import setup_tracing
from pmm_kernel.clock import Clock, FileClock, SystemClock
from portal import formatting
from portal.assets import Assets
from portal.auth.dev import DevLogin
from portal.auth.oidc import OidcLogin
from portal.catalogue import Catalogue
from portal.clients import AppraisalClient, BknSyncClient, Clients, ObservationClient, PlanningClient
from portal.session import SessionCodec
from portal.settings import PortalSettings

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class PortalApp:
    settings: PortalSettings
    catalogue: Catalogue
    templates: Jinja2Templates
    assets: Assets
    clients: Clients
    codec: SessionCodec
    clock: Clock
    dev_login: DevLogin | None
    oidc: OidcLogin | None
    tracer_provider: TracerProvider

    def today(self) -> date:
        return formatting.wib(self.clock.now()).date()

    def now(self) -> datetime:
        return self.clock.now()

    async def close(self) -> None:
        await self.clients.close()
        if self.dev_login is not None:
            await self.dev_login.close()
        if self.oidc is not None:
            await self.oidc.close()


def build(settings: PortalSettings | None = None) -> PortalApp:
    settings = settings or PortalSettings()
    setup_logging("portal", level=settings.log_level)
    tracer_provider = setup_tracing(
        "portal",
        exporter=settings.otel_exporter,
        file_path=settings.otel_file,
        otlp_endpoint=settings.otel_endpoint,
        sample_ratio=settings.trace_sample_ratio,
    )
    catalogue = Catalogue.load()
    assets = Assets()
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env: Any = templates.env
    # The templates ship with the portal and never change while it runs: no stat of every template on every render.
    env.auto_reload = False
    env.globals.update(t=catalogue, asset=assets.url)
    env.filters.update(formatting.FILTERS)

    def client(cls: type, name: str, url: str) -> Any:
        return cls(name, url, timeout=settings.api_timeout_seconds, in_flight=settings.api_connections_per_service)

    clients = Clients(
        client(PlanningClient, "planning", settings.planning_url),
        client(ObservationClient, "observation", settings.observation_url),
        client(AppraisalClient, "appraisal", settings.appraisal_url),
        client(BknSyncClient, "bkn_sync", settings.bkn_sync_url),
    )
    secrets = [s.get_secret_value() for s in settings.session_secrets]
    return PortalApp(
        settings=settings,
        catalogue=catalogue,
        templates=templates,
        assets=assets,
        clients=clients,
        codec=SessionCodec(secrets, max_age_seconds=settings.session_max_age_seconds),
        clock=FileClock(settings.clock_file) if settings.clock_file else SystemClock(),
        dev_login=DevLogin(settings, clients.planning) if settings.dev_login else None,
        oidc=OidcLogin(settings) if settings.oidc_login else None,
        tracer_provider=tracer_provider,
    )
