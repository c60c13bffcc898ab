"""The one database statement a trace always shows: the outbox insert.

A span per SQL statement (the asyncpg instrumentation) costs about a third of a request's CPU, so it is off unless
`trace_db_statements` asks for it while debugging. The outbox row is not just another query, though: it is the
event, committed with the change that caused it, and the trace's hop between the request (or the consumer) and the
relay's publish. This keeps that one span, with the attributes the asyncpg instrumentation gave it, so a trace has
the same shape either way (`tools/traces.py` names it "outbox row(s)").

Hooked on the engine rather than in the unit of work, so every path that writes outbox rows is covered.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

OUTBOX_INSERT = "INSERT INTO outbox_message"
_SPAN_KEY = "_pmm_outbox_span"
# Enough to recognise the statement and read its columns.
_STATEMENT_CHARS = 300


def trace_outbox_inserts(engine: AsyncEngine, provider: trace.TracerProvider) -> None:
    tracer = trace.get_tracer("pmm_chassis.db", tracer_provider=provider)
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if context is None or not statement.startswith(OUTBOX_INSERT):
            return  # every other statement pays one string comparison
        span = tracer.start_span(
            "outbox row(s): " + OUTBOX_INSERT,
            kind=SpanKind.CLIENT,
            attributes={
                "db.system": "postgresql",
                "db.name": conn.engine.url.database or "",
                "db.statement": statement[:_STATEMENT_CHARS],
            },
        )
        setattr(context, _SPAN_KEY, span)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        span = getattr(context, _SPAN_KEY, None)
        if span is not None:
            setattr(context, _SPAN_KEY, None)
            span.end()

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, _SPAN_KEY, None)
        if span is not None:
            setattr(exception_context.execution_context, _SPAN_KEY, None)
            span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            span.end()
