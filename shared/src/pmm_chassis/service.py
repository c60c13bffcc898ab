"""One service process: the chassis parts built from settings, and their start and stop.

A service's `bootstrap.build()` creates a `Chassis`, adds its handlers with `consume()`, and its `main.py` asks
for `http_app()`. Which roles run (HTTP, consumers, relay) is a setting, so the same image serves as API
replicas and as worker replicas that scale on queue length.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from faststream.rabbit import Channel, RabbitBroker
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.site import get_asyncapi_html
from sqlalchemy import text

from pmm_chassis import metrics
from pmm_chassis.auth.jwt import JwtVerifier
from pmm_chassis.db.engine import asyncpg_dsn, create_engine, session_factory
from pmm_chassis.db.spans import trace_outbox_inserts
from pmm_chassis.db.uow import UnitOfWork
from pmm_chassis.heap import freeze_startup_heap
from pmm_chassis.http.preconditions import document_if_match
from pmm_chassis.http.problems import install_problem_handlers, problem_response, type_uri
from pmm_chassis.http.ratelimit import WriteRateLimiter
from pmm_chassis.http.text import install_text_handler
from pmm_chassis.logging import setup_logging
from pmm_chassis.messaging import topology
from pmm_chassis.messaging.consumer import Consumer, Handler
from pmm_chassis.messaging.publisher import OutboxPublisher
from pmm_chassis.messaging.relay import OutboxRelay
from pmm_chassis.reminders.api import reminders_router
from pmm_chassis.reminders.decider import ReminderDecider
from pmm_chassis.reminders.sender import ReminderSender, SmtpConfig
from pmm_chassis.reminders.spec import Reminding
from pmm_chassis.settings import ServiceSettings
from pmm_chassis.telemetry import (
    FASTAPI_TELEMETRY_OFF,
    instrument_asyncpg,
    instrument_fastapi,
    setup_tracing,
    shutdown_tracing,
)
from pmm_contracts import EventData, event_types, routing_key
from pmm_kernel.clock import Clock, FileClock, SystemClock

logger = logging.getLogger(__name__)

# Swagger UI's files, served by the service itself (http/static/README.md): /docs loads nothing from elsewhere.
DOCS_STATIC_DIR = Path(__file__).parent / "http" / "static"
DOCS_STATIC_PATH = "/docs/static"

# What every service's OpenAPI document says after the service's own paragraph: how to call it.
API_CONVENTIONS = """
**Tokens.** Every `/api/v1` route takes `Authorization: Bearer <access token>`: an RS256 JWT (header `typ: at+jwt`)
with `iss`, `aud` (`pmm-kinerja`) and `exp`, and the claims `sub` (the NIP or NI PPPK of a guru, kepala sekolah or
pengawas; an operator's id), `roles` (`guru`, `kepala_sekolah`, `pengawas`, `operator`) and, for an operator,
`wilayah` (the kode wilayah prefix they manage: `32` a province, `3273` a kabupaten/kota, `""` the whole country).
Who appraises whom and which school a person belongs to come from the roster, never from the token. In development
the token issuer (`make up` starts it at http://127.0.0.1:8099) mints a token for anyone:

    curl -s -X POST http://127.0.0.1:8099/token -H 'Content-Type: application/json' \\
         -d '{"sub": "198609262015051001", "roles": ["guru"]}'

and "Authorize" above takes its `access_token`. In production the token is the identity provider's access token
with the same claims, verified against its JWKS.

**Idempotency-Key** (POST). A client on a slow link sends a key (1-200 visible ASCII characters) with a POST; sent
again with the same key, the request gets the first answer back (`Idempotency-Replayed: true`) instead of a second
effect. A key belongs to its caller and to one request (method, path and body): reused for another, it is a 422
`idempotency.key_reused`.

**If-Match** (every change of a plan, a pelaksanaan or a penilaian). Send the `ETag` of your last read (`"v3"`).
Without it the answer is 428 `http.if_match_required`; if the record changed since, 412 `http.if_match_stale` with
`current_etag`: read again, then decide. Every answer carrying the record has its new `ETag`.

**Refusals** are RFC 9457 `application/problem+json`: `errors[]` names the `field` and a stable `rule` to branch on
(`skp.submit_not_allowed_in_disetujui`, `window.perencanaan_guru`, ...); `detail` is for people. 404 means absent or
not yours to see, 403 visible but not yours to act on, 409 not allowed in the record's state or outside the step's
window, 422 a value breaking a rule, 429 too many writes (retry after `Retry-After`).

**Lists** are pages: pass the `next_cursor` of one page as `cursor` to get the next; `limit` is capped.
"""


def make_clock(settings: ServiceSettings) -> Clock:
    return FileClock(settings.clock_file) if settings.clock_file else SystemClock()


class Chassis:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.service = settings.service_name
        setup_logging(self.service, level=settings.log_level)
        self.tracer_provider = setup_tracing(
            self.service,
            exporter=settings.otel_exporter,
            file_path=settings.otel_file,
            otlp_endpoint=settings.otel_endpoint,
            sample_ratio=settings.trace_sample_ratio,
        )
        self.clock = make_clock(settings)
        self.engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        if settings.trace_db_statements:
            instrument_asyncpg(self.tracer_provider)  # the outbox insert's span is among them
        else:
            trace_outbox_inserts(self.engine, self.tracer_provider)
        self.sessions = session_factory(self.engine)
        self.broker = RabbitBroker(
            settings.amqp_url,
            default_channel=Channel(prefetch_count=settings.prefetch, publisher_confirms=True, on_return_raises=True),
            # No FastStream middleware: the consumer makes each message's process span itself
            # (pmm_chassis.messaging.consumer) and the relay each event's publish span (messaging/publisher.py).
            # The consumer takes its messages from aio-pika itself (pmm_chassis.messaging.consumer); FastStream's
            # subscriber only documents the inbox, with no handler whose arguments FastDepends would solve.
            apply_types=False,
            logger=None,
            app_id=self.service,
            graceful_timeout=settings.graceful_timeout_seconds,
        )
        self.verifier = JwtVerifier(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            jwks_url=settings.jwt_jwks_url,
            token_types=settings.jwt_token_types,
        )
        self.relay = OutboxRelay(
            service=self.service,
            dsn=asyncpg_dsn(settings.database_url),
            publish=OutboxPublisher(self.broker, service=self.service, tracer_provider=self.tracer_provider),
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            retention_days=settings.outbox_retention_days,
        )
        self.consumer: Consumer | None = None
        self.reminding: Reminding | None = None
        self.reminder_decider: ReminderDecider | None = None
        self.reminder_sender: ReminderSender | None = None
        self._document_publications()

    def _document_publications(self) -> None:
        """Name every event this service publishes in its AsyncAPI document (the relay publishes them)."""
        for model in event_types():
            if model.PRODUCER == self.service:
                key = routing_key(model)
                self.broker.publisher(exchange=topology.EVENTS, routing_key=key, schema=model, title=key, persist=True)

    def consume(self, handlers: Mapping[type[EventData], Handler], uow_factory: Callable[[], UnitOfWork]) -> None:
        self.consumer = Consumer(
            service=self.service,
            uow_factory=uow_factory,
            handlers=handlers,
            max_unexpected_attempts=self.settings.max_unexpected_attempts,
            batch_size=self.settings.consumer_batch_size,
            batch_wait_seconds=self.settings.consumer_batch_wait_ms / 1000,
            batch_lanes=self.settings.consumer_batch_lanes,
            tracer_provider=self.tracer_provider,
        )
        self.consumer.document(self.broker, delivery_limit=self.settings.delivery_limit)

    def remind(self, reminding: Reminding) -> None:
        """The service reminds who has not acted (pmm_chassis.reminders): its `/pemberitahuan` routes are mounted,
        and with `reminders_enabled` its worker role decides and mails the reminders."""
        self.reminding = reminding
        settings = self.settings
        if not (settings.reminders_enabled and settings.run_relay):
            return
        self.reminder_sender = ReminderSender(
            service=self.service,
            dsn=asyncpg_dsn(settings.database_url),
            smtp=SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_from,
                starttls=settings.smtp_starttls,
                user=settings.smtp_user,
                password=settings.smtp_password,
                timeout_seconds=settings.smtp_timeout_seconds,
            ),
        )
        self.reminder_decider = ReminderDecider(
            service=self.service,
            sessions=self.sessions,
            clock=self.clock,
            reminding=reminding,
            portal_url=settings.portal_url,
            poll_seconds=settings.reminder_poll_seconds,
            clock_file=settings.clock_file,
            on_decided=self.reminder_sender.wake,
        )

    async def start(self) -> None:
        await self.broker.connect()
        if self.consumer is not None:
            self.consumer.check_subscriptions()
        await topology.declare(self.broker, self.service, delivery_limit=self.settings.delivery_limit)
        await self.broker.start()
        if self.consumer is not None and self.settings.run_consumers:
            await self.consumer.start(self.broker, delivery_limit=self.settings.delivery_limit)
        if self.settings.run_relay:
            await self.relay.start()
        for loop in (self.reminder_sender, self.reminder_decider):
            if loop is not None:
                await loop.start()
        logger.info("started", extra={"consumer": self.settings.run_consumers, "relay": self.settings.run_relay})

    async def stop(self) -> None:
        # Consumers first (in-flight messages finish and are acked), then the relay flushes what they committed,
        # then the connection closes.
        if self.consumer is not None:
            await self.consumer.stop(timeout_seconds=self.settings.graceful_timeout_seconds)
        for loop in (self.reminder_decider, self.reminder_sender):
            if loop is not None:
                await loop.stop()
        if self.settings.run_relay:
            await self.relay.stop()
        await self.broker.stop()
        await self.engine.dispose()
        shutdown_tracing(self.tracer_provider)
        logger.info("stopped")

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
        checks["broker"] = "ok" if await self.broker.ping(timeout=2) else "unreachable"
        if self.settings.run_http:  # an API that cannot verify tokens would answer every caller 503
            checks["jwks"] = "ok" if await self.verifier.ready() else "unavailable"
        return checks

    def http_app(
        self,
        *,
        title: str,
        version: str,
        description: str,
        routers: Sequence[APIRouter],
        state: Any,
        on_started: Callable[[], Awaitable[None]] | None = None,
        on_stopping: Callable[[], Awaitable[None]] | None = None,
    ) -> FastAPI:
        chassis = self

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await chassis.start()
            if on_started is not None:
                await on_started()
            freeze_startup_heap()
            try:
                yield
            finally:
                # A service's own background work stops first, while the database and the relay still run.
                if on_stopping is not None:
                    await on_stopping()
                await chassis.stop()

        # /docs is served below from the package's own copy of Swagger UI; ReDoc would load from a CDN.
        app = FastAPI(
            title=title,
            version=version,
            description=description.strip() + "\n" + API_CONVENTIONS,
            lifespan=lifespan,
            docs_url=None,
            redoc_url=None,
            telemetry=FASTAPI_TELEMETRY_OFF,
        )
        app.state.container = state
        app.state.verifier = self.verifier
        app.state.write_limiter = WriteRateLimiter(
            rate=self.settings.write_rate_per_second, burst=self.settings.write_burst
        )
        app.state.sessions = self.sessions  # idempotency keys are kept in the service's own database
        app.state.service = self.service  # whom a keyed request's audit stamp names when no caller is set
        install_problem_handlers(app)
        document_if_match(app)
        install_text_handler(app)
        metrics.install_http_metrics(app, self.service)
        # A worker (run_http off) keeps this app for its probes and /metrics, but serves no API.
        mounted = [*routers, reminders_router()] if self.reminding is not None else list(routers)
        for router in mounted if self.settings.run_http else ():
            app.include_router(router, prefix="/api/v1")

        @app.get("/healthz", include_in_schema=False)
        async def healthz() -> Response:
            return Response(status_code=204)

        @app.get("/readyz", include_in_schema=False)
        async def readyz() -> Response:
            checks = await chassis.readiness()
            if all(v == "ok" for v in checks.values()):
                return JSONResponse({"status": "ready", "checks": checks})
            # Not ready is transient by nature (a dependency starting or restarting): say when to look again.
            return problem_response(
                503,
                title="Not ready",
                detail=f"dependencies: {checks}",
                type_=type_uri("not_ready"),
                headers={"Retry-After": "2"},
            )

        app.add_api_route("/metrics", metrics.metrics_endpoint, include_in_schema=False)
        app.mount(DOCS_STATIC_PATH, StaticFiles(directory=DOCS_STATIC_DIR), name="docs-static")

        @app.get("/docs", include_in_schema=False)
        async def docs(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "")
            return get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{title} API",
                swagger_js_url=f"{root}{DOCS_STATIC_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{DOCS_STATIC_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{root}{DOCS_STATIC_PATH}/favicon-32x32.png",
                # No validator badge: Swagger UI would send the document to validator.swagger.io.
                swagger_ui_parameters={"validatorUrl": None},
            )

        asyncapi = AsyncAPI(self.broker, title=f"{self.service} events", version=version)

        @app.get("/asyncapi.json", include_in_schema=False)
        async def asyncapi_document() -> JSONResponse:
            return JSONResponse(asyncapi.to_specification().to_jsonable())

        @app.get("/asyncapi", include_in_schema=False)
        async def asyncapi_page(request: Request) -> HTMLResponse:
            return HTMLResponse(_asyncapi_html(asyncapi, request.scope.get("root_path", "")))

        instrument_fastapi(app, self.tracer_provider)
        return app


def _asyncapi_html(asyncapi: AsyncAPI, root: str) -> str:
    """The events' viewer, its script and style served from the chassis package like Swagger UI's (nothing loads
    from a CDN); FastStream's page would also fetch its icons from asyncapi.com, so they point at ours."""
    static = f"{root}{DOCS_STATIC_PATH}"
    html = get_asyncapi_html(
        asyncapi.to_specification(),
        asyncapi_js_url=f"{static}/asyncapi-react.js",
        asyncapi_css_url=f"{static}/asyncapi-react.css",
        try_it_out_path=None,
    )
    icons = re.compile(r'<link rel="icon"[^>]*href="https://www\.asyncapi\.com/[^"]*">\s*')
    return icons.sub("", html).replace("<head>", f'<head>\n<link rel="icon" href="{static}/favicon-32x32.png">', 1)
