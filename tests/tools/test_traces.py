"""The trace tool over span files a consumer really wrote: a run of messages applied together is its own trace,
linked to each message's, so it is no broken hop and each message's tree names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from pmm_chassis.telemetry import JsonLinesSpanExporter
from tools import traces


def _provider(run_dir: Path) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: "appraisal"}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(run_dir / "traces" / "appraisal.jsonl")))
    return provider


def test_a_run_links_each_messages_trace_and_is_no_broken_hop(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    tracer = _provider(tmp_path).get_tracer("test")
    consumed = []
    for name in ("first", "second"):
        with tracer.start_as_current_span(f"{name} publish", kind=SpanKind.PRODUCER):
            with tracer.start_as_current_span("pmm.events.planning.skp.submitted.v1 process", kind=SpanKind.CONSUMER):
                consumed.append(trace.get_current_span().get_span_context())
    links = [trace.Link(context) for context in consumed]
    with tracer.start_as_current_span("appraisal.inbox run", context=trace.set_span_in_context(trace.INVALID_SPAN),
                                      links=links) as run:  # fmt: skip
        run_trace = f"{run.get_span_context().trace_id:032x}"

    assert traces.broken_hops(tmp_path) == []
    first = f"{consumed[0].trace_id:032x}"
    assert traces.main([first, "--run-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "[appraisal] pmm.events.planning.skp.submitted.v1 process (consumer)" in printed
    together = "applied together with 1 other message(s): [appraisal] appraisal.inbox run (internal)"
    run_line = f"{together}, trace {run_trace}"
    assert run_line in printed


def test_a_consumer_that_starts_a_trace_of_its_own_is_a_broken_hop(tmp_path: Path) -> None:
    tracer = _provider(tmp_path).get_tracer("test")
    with tracer.start_as_current_span("pmm.events.planning.skp.submitted.v1 process", kind=SpanKind.CONSUMER):
        pass
    assert [s.name for s in traces.broken_hops(tmp_path)] == ["pmm.events.planning.skp.submitted.v1 process"]
