"""Tracing to a JSON-lines file, span masking, FastAPI instrumentation and the HTTP metrics middleware."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY

from pmm_chassis import telemetry
from pmm_chassis.http.problems import install_problem_handlers
from pmm_chassis.metrics import UNMATCHED_ROUTE, install_http_metrics, metrics_endpoint
from pmm_chassis.telemetry import (
    current_trace_id,
    instrument_fastapi,
    setup_tracing,
    shutdown_tracing,
)

NIP = "198609262015051001"


@pytest.fixture
def file_provider(tmp_path: Path, monkeypatch) -> tuple[TracerProvider, Path, dict]:
    """setup_tracing with the file exporter, without replacing this test process's global provider."""
    installed: dict = {}
    monkeypatch.setattr(trace, "set_tracer_provider", lambda p: installed.setdefault("provider", p))
    monkeypatch.setattr(propagate, "set_global_textmap", lambda p: installed.setdefault("propagator", p))
    path = tmp_path / "spans" / "planning.jsonl"
    provider = setup_tracing("planning", exporter="file", file_path=path)
    return provider, path, installed


def read_spans(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_parent_and_child_share_the_trace_id_in_the_file(file_provider) -> None:
    provider, path, installed = file_provider
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("usecase.ajukan_skp") as parent:
        with tracer.start_as_current_span("db.insert", attributes={"db.rows": 3}):
            inner_trace_id = current_trace_id()
    shutdown_tracing(provider)

    spans = {s["name"]: s for s in read_spans(path)}
    outer, inner = spans["usecase.ajukan_skp"], spans["db.insert"]
    assert outer["trace_id"] == inner["trace_id"] == inner_trace_id
    assert inner_trace_id == format(parent.get_span_context().trace_id, "032x")
    assert inner["parent_span_id"] == outer["span_id"] and outer["parent_span_id"] is None
    assert inner["service"] == "planning" and inner["kind"] == "INTERNAL" and inner["status"] == "UNSET"
    assert inner["attributes"] == {"db.rows": 3}
    assert outer["start"] <= inner["start"] <= inner["end"] <= outer["end"]
    assert installed["provider"] is provider
    # W3C trace context is what crosses AMQP headers.
    assert "traceparent" in installed["propagator"].fields


def test_no_trace_id_outside_a_span() -> None:
    assert current_trace_id() is None


def test_span_start_attributes_are_masked(file_provider) -> None:
    provider, path, _ = file_provider
    with provider.get_tracer("test").start_as_current_span("x", attributes={"url": f"/p?nip={NIP}", "n": 1}):
        pass
    shutdown_tracing(provider)
    (span,) = read_spans(path)
    assert span["attributes"] == {"url": "/p?nip=1986************01", "n": 1}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"exporter": "jaeger"}, "unknown trace exporter"), ({"exporter": "file"}, "file_path")],
)
def test_bad_exporter_settings_fail_at_start(kwargs, error) -> None:
    with pytest.raises(ValueError, match=error):
        setup_tracing("planning", **kwargs)


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("http://collector:4318/v1/traces", "http://collector:4318/v1/traces"),
    ],
)
def test_otlp_endpoint_gets_the_traces_path(endpoint, url) -> None:
    assert telemetry._otlp_traces_url(endpoint) == url


def make_app(service: str) -> FastAPI:
    app = FastAPI()
    install_http_metrics(app, service)
    router = APIRouter(prefix="/pegawai")

    @router.get("/{nip}")
    async def get_pegawai(nip: str) -> dict[str, str]:
        return {"ok": "yes"}

    app.include_router(router, prefix="/api/v1")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_api_route("/metrics", metrics_endpoint)
    return app


async def test_fastapi_server_spans_use_the_route_and_mask_the_url(file_provider) -> None:
    provider, path, _ = file_provider
    app = make_app("telemetry-test")
    instrument_fastapi(app, provider)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get(f"/api/v1/pegawai/{NIP}", params={"nip": NIP})).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
    shutdown_tracing(provider)

    spans = read_spans(path)
    assert [s["name"] for s in spans] == ["GET /api/v1/pegawai/{nip}"]  # healthz is not traced
    (span,) = spans
    assert span["kind"] == "SERVER" and span["attributes"]["http.route"] == "/api/v1/pegawai/{nip}"
    assert NIP not in json.dumps(span)


def _requests(service: str, route: str, status: str) -> float:
    labels = {"service": service, "method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("pmm_http_requests_total", labels) or 0.0


def _latency_count(service: str, route: str) -> float:
    labels = {"service": service, "route": route}
    return REGISTRY.get_sample_value("pmm_http_request_duration_seconds_count", labels) or 0.0


async def test_http_metrics_label_the_route_template_not_the_path() -> None:
    route = "/api/v1/pegawai/{nip}"
    before = (_requests("metrics-test", route, "200"), _requests("metrics-test", UNMATCHED_ROUTE, "404"))
    latency_before = _latency_count("metrics-test", route)
    app = make_app("metrics-test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for _ in range(2):
            await client.get(f"/api/v1/pegawai/{NIP}")
        await client.get("/no/such/path")
        exposition = (await client.get("/metrics/")).text

    assert _requests("metrics-test", route, "200") - before[0] == 2
    assert _requests("metrics-test", UNMATCHED_ROUTE, "404") - before[1] == 1
    assert _latency_count("metrics-test", route) - latency_before == 2
    assert NIP not in exposition and "/no/such/path" not in exposition


async def test_http_metrics_count_a_crash_as_500() -> None:
    app = FastAPI()
    install_http_metrics(app, "crash-test")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    before = _requests("crash-test", "/boom", "500")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/boom")).status_code == 500
    assert _requests("crash-test", "/boom", "500") - before == 1


def test_a_sample_is_decided_at_the_root_and_followed_by_every_hop(monkeypatch) -> None:
    monkeypatch.setattr(trace, "set_tracer_provider", lambda p: None)
    monkeypatch.setattr(propagate, "set_global_textmap", lambda p: None)
    tracer = setup_tracing("planning", sample_ratio=0.0).get_tracer("test")
    with tracer.start_as_current_span("a request nobody keeps") as root:
        assert not root.get_span_context().trace_flags.sampled
    # A message whose producer kept its trace: the consumer keeps it too, whatever its own ratio.
    kept = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    with tracer.start_as_current_span("consume", context=propagate.extract(kept)) as child:
        assert child.get_span_context().trace_flags.sampled
        assert child.get_span_context().trace_id == 0x0AF7651916CD43DD8448EB211C80319C


async def test_a_request_that_fails_is_named_by_its_route_too(file_provider) -> None:
    provider, path, _ = file_provider
    app = make_app("telemetry-test")

    @app.post("/api/v1/rusak/{nip}")
    async def broken(nip: str) -> dict[str, str]:
        raise RuntimeError("boom")

    install_problem_handlers(app)
    instrument_fastapi(app, provider)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post(f"/api/v1/rusak/{NIP}")).status_code == 500
        assert (await client.get("/api/v1/tidak-ada")).status_code == 404
    shutdown_tracing(provider)

    spans = {s["name"]: s for s in read_spans(path)}
    assert set(spans) == {"POST /api/v1/rusak/{nip}", "GET"}  # an unmatched path is named by its method alone
    assert spans["POST /api/v1/rusak/{nip}"]["attributes"]["http.route"] == "/api/v1/rusak/{nip}"
    assert "http.route" not in spans["GET"]["attributes"]
