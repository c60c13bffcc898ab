"""OpenTelemetry tracing: one provider per process, exported where settings say.

Spans exist even with exporter "none": their trace id still ties a request's log lines, its outbox row and
the consumers' work together, which is most of the value on a developer machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from pmm_chassis.logging import mask_text
from pmm_chassis.metrics import UNMATCHED_ROUTE, route_template

EXPORTERS = ("none", "console", "file", "otlp")

# Probes and scrapes every few seconds would drown the traces that matter.
EXCLUDED_URLS = "healthz,readyz,metrics"


class JsonLinesSpanExporter(SpanExporter):
    """One JSON object per finished span, appended to a file: greppable without a trace backend."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # the batch processor exports from its own thread
        path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_to_dict(s), default=str) + "\n" for s in spans)
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(lines)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True  # every export is written and closed at once


def _iso(ns: int | None) -> str | None:
    return None if ns is None else datetime.fromtimestamp(ns / 1e9, UTC).isoformat()


def span_to_dict(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.get_span_context()
    assert ctx is not None  # a finished SDK span always has one
    return {
        "trace_id": trace.format_trace_id(ctx.trace_id),
        "span_id": trace.format_span_id(ctx.span_id),
        "parent_span_id": trace.format_span_id(span.parent.span_id) if span.parent else None,
        "name": span.name,
        "kind": span.kind.name,
        "service": span.resource.attributes.get(SERVICE_NAME),
        "start": _iso(span.start_time),
        "end": _iso(span.end_time),
        "attributes": {k: list(v) if isinstance(v, tuple) else v for k, v in (span.attributes or {}).items()},
        "status": span.status.status_code.name,
        # A run of messages applied together links each message's span (pmm_chassis.messaging.consumer).
        **({"links": [_link(link.context) for link in span.links]} if span.links else {}),
    }


def _link(context: trace.SpanContext) -> dict[str, str]:
    return {"trace_id": trace.format_trace_id(context.trace_id), "span_id": trace.format_span_id(context.span_id)}


def mask_span_attributes(span: trace.Span) -> None:
    """Masks NIP-like digit runs in a live span's string attributes.

    HTTP spans record the path (`/pegawai/{nip}` filled in) and the URL with its query string
    (`?nip=...`): a trace backend is a copy of personal data just as a log is.
    """
    attributes = getattr(span, "attributes", None) or {}
    # A copy: rewriting a key re-inserts it, and the live mapping must not change under the loop.
    for key, value in list(attributes.items()):
        if isinstance(value, str):
            masked = mask_text(_without_query(key, value))
            if masked != value:
                span.set_attribute(key, masked)


# A query string may carry a name (`?nama=Dewi Lestari`), which no pattern recognises: spans keep the path only, as
# the access log does (`tools/pii_scan` checks a run for names and NIPs in span attributes).
_URL_KEYS = frozenset({"http.url", "http.target", "url.full"})


def _without_query(key: str, value: str) -> str:
    if key == "url.query":
        return ""
    return value.split("?", 1)[0] if key in _URL_KEYS else value


class MaskingSpanProcessor(SpanProcessor):
    """Masks start attributes of every span, whichever instrumentation made it.

    Attributes set later are not seen here: what a span adds after its start (a route template, a status code) must
    carry no personal data of its own.
    """

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        mask_span_attributes(span)


def _otlp_traces_url(endpoint: str) -> str:
    # The OTLP/HTTP exporter takes the full signal URL; settings usually hold the collector's base URL.
    return endpoint if urlsplit(endpoint).path.strip("/") else endpoint.rstrip("/") + "/v1/traces"


def _exporter(kind: str, file_path: Path | None, otlp_endpoint: str | None) -> SpanExporter | None:
    if kind == "none":
        return None
    if kind == "console":
        return ConsoleSpanExporter()
    if kind == "file":
        if file_path is None:
            raise ValueError("the file exporter needs file_path")
        return JsonLinesSpanExporter(file_path)
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # None lets the exporter read OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT like any OTel process.
        return OTLPSpanExporter(endpoint=_otlp_traces_url(otlp_endpoint) if otlp_endpoint else None)
    raise ValueError(f"unknown trace exporter {kind!r}; expected one of {EXPORTERS}")


def setup_tracing(
    service_name: str,
    *,
    exporter: str = "none",
    file_path: Path | None = None,
    otlp_endpoint: str | None = None,
    sample_ratio: float = 1.0,
) -> TracerProvider:
    """Build the process's tracer provider, make it global and install the W3C propagators."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    provider.add_span_processor(MaskingSpanProcessor())
    span_exporter = _exporter(exporter, file_path, otlp_endpoint)
    if span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    # OTel refuses to replace a global provider once set (it logs a warning): the first call wins, which
    # is the service's own bootstrap. The returned provider is what the chassis passes on explicitly.
    trace.set_tracer_provider(provider)
    # traceparent/tracestate cross AMQP headers and HTTP; baggage rides along for free.
    propagate.set_global_textmap(CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()]))
    return provider


# For `FastAPI(telemetry=...)`: traces come from `instrument_fastapi`, whose spans the trace tools, the masking and the
# tests know. FastAPI's own telemetry would otherwise check its providers and walk the middleware stack on every
# request, and, once a process has a global tracer provider, start a server span of its own from the headers alone.
FASTAPI_TELEMETRY_OFF: Any = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def instrument_fastapi(app: FastAPI, provider: TracerProvider) -> None:
    """A SERVER span per request (`ServerSpans`), around the whole middleware stack, so an answer the error handler
    makes (a 500) is inside it too."""
    build_middleware_stack = app.build_middleware_stack

    def traced_middleware_stack() -> Any:
        return ServerSpans(build_middleware_stack(), provider)

    app.build_middleware_stack = traced_middleware_stack  # type: ignore[method-assign]


# Only the headers the propagators read are copied out of each request.
_PROPAGATION_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})
_UNTRACED_PATHS = frozenset(f"/{path}" for path in EXCLUDED_URLS.split(","))


class ServerSpans:
    """One SERVER span per HTTP request, continuing the caller's trace (`traceparent`), pure ASGI.

    It starts named by the method alone and takes its route (`POST /api/v1/skp/{skp_id}/submit`, `http.route`) as the
    answer starts, from the router's own match. The path is recorded masked and without its query string, which may
    carry a name (docs/design.md §7). OpenTelemetry's general ASGI instrumentation records a dozen attributes in two
    semantic-convention versions and searches the routes before routing: about 0.3 ms a request, twice a small
    request's own work in the profile of `make bench`.
    """

    def __init__(self, app: Any, provider: TracerProvider) -> None:
        self.app = app
        self._tracer = trace.get_tracer("pmm_chassis.http", tracer_provider=provider)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") in _UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in _PROPAGATION_HEADERS}
        method = scope["method"]
        with self._tracer.start_as_current_span(
            method,
            context=propagate.extract(carrier),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": mask_text(scope["path"])},
        ) as span:

            async def answering(message: Any) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(trace.StatusCode.ERROR)
                    _name_server_span(span, scope)
                await send(message)

            try:
                await self.app(scope, receive, answering)
            except BaseException:
                _name_server_span(span, scope)
                raise


def _name_server_span(span: trace.Span, scope: dict[str, Any]) -> None:
    route = route_template(scope)
    if route != UNMATCHED_ROUTE and span.is_recording():
        span.update_name(f"{scope['method']} {route}")
        span.set_attribute("http.route", route)


def instrument_asyncpg(provider: TracerProvider) -> None:
    """A span per query; statement parameters (personal data) are not captured by default."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return trace.format_trace_id(ctx.trace_id) if ctx.is_valid else None


def shutdown_tracing(provider: TracerProvider) -> None:
    """Export what is still queued, then stop; called last on SIGTERM so the final spans are kept."""
    provider.force_flush()
    provider.shutdown()
