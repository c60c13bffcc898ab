"""Prometheus metrics: HTTP, consumers, published events, the outbox (parked: RabbitMQ's own queue depth).

Every metric carries `service` so one Prometheus (and one Grafana board) can hold all four services.
Labels are bounded on purpose: the route *template*, never the raw path (one series per NIP would
both leak personal data and blow up the series count).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter("pmm_http_requests", "HTTP requests handled", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram(
    "pmm_http_request_duration_seconds",
    "HTTP request latency, first byte in to last byte out",
    ["service", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONSUMED = Counter(
    "pmm_messages_consumed",
    "Messages consumed, by outcome: processed|duplicate|retried|parked",
    ["service", "consumer", "outcome"],
)
# Business progress at a glance: one count per published event (skp.approved, step.completed, push.failed...),
# whether or not any service consumes it. The routing key is a bounded label: the contracts' catalogue.
EVENTS_PUBLISHED = Counter("pmm_events_published", "Events the outbox relay published", ["service", "routing_key"])
OUTBOX_LAG_SECONDS = Gauge(
    "pmm_outbox_lag_seconds", "Age of the oldest unpublished outbox row (0 when none)", ["service"]
)
OUTBOX_PENDING = Gauge("pmm_outbox_pending", "Unpublished outbox rows", ["service"])

# Label for requests that matched no route: scanners probing random paths must not create series.
UNMATCHED_ROUTE = "<unmatched>"


def route_template(scope: Scope) -> str:
    """The matched route's template (`/api/v1/skp/{skp_id}`), with any mount prefix in front."""
    # FastAPI 0.165 keeps an included router's routes unprefixed (scope["route"].path is "/skp/{skp_id}")
    # and records the full template only in its own scope entry. Private, so read defensively; the
    # test with include_router(prefix=...) fails loudly if an upgrade moves it.
    fastapi_scope = scope.get("fastapi")
    effective: Any = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    route: Any = scope.get("route")
    template = getattr(effective, "path_format", None) or getattr(route, "path_format", None)
    # A mounted sub-app's routes only know their own part; root_path has grown by the mount prefix.
    mount_prefix = (scope.get("root_path") or "").removeprefix(scope.get("app_root_path") or "")
    if isinstance(template, str):
        return mount_prefix + template
    if mount_prefix:
        return mount_prefix + "/{path}"  # a mounted plain ASGI app (/metrics): one series per mount
    return UNMATCHED_ROUTE


class HttpMetricsMiddleware:
    """Pure ASGI (BaseHTTPMiddleware wraps each request in a task and costs throughput)."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            # The router has written the matched route into the shared scope by now.
            route = route_template(scope)
            HTTP_REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            HTTP_LATENCY.labels(self.service, route).observe(time.perf_counter() - started)


def install_http_metrics(app: FastAPI, service: str) -> None:
    app.add_middleware(HttpMetricsMiddleware, service=service)


async def metrics_endpoint() -> Response:
    """GET /metrics: the default registry in Prometheus' text format (a route, so no redirect to /metrics/)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
