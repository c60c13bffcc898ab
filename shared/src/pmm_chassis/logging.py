"""Structured JSON logs with personal data masked (UU 27/2022: NIP and names never in clear).

One line per record on stdout, so the platform's log shipper needs no parser. The masking runs on the
*final* text (message, string extras, exception text) because a NIP can reach a log through any
f-string or driver error ("Key (nip)=(...) already exists"), not only through fields we name.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

# A run of 16–18 digits, each digit optionally preceded by one space or dot: NIP and NI PPPK (18) and
# NUPTK (16) as people write them ("19860926 201505 1 001"). The look-arounds stop a match from starting
# or ending inside a longer number (a 19-digit nanosecond timestamp stays as it is).
_ID_RUN = re.compile(r"(?<!\d)\d(?:[ .]?\d){15,17}(?!\d)")

# Extra keys whose value is personal data as a whole (a name cannot be recognised by its shape).
SENSITIVE_KEYS: frozenset[str] = frozenset({"nip", "nuptk", "nama", "name", "nama_pegawai"})
# ...and keys that merely end with one of these ("atasan_nip"); `name` is not here: "queue_name" is harmless.
SENSITIVE_SUFFIXES: tuple[str, ...] = ("_nip", "_nuptk", "_nama")
REDACTED = "***"

_KEEP_FIRST, _KEEP_LAST = 4, 2

# Attributes every LogRecord has; anything else on a record came from `extra={...}`. uvicorn adds a
# `color_message` copy of the message with terminal escapes: useless in JSON.
_NOT_EXTRAS = {"message", "asctime", "taskName", "color_message"}
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | _NOT_EXTRAS

_OUR_HANDLER = "_pmm_json_handler"


def _mask_run(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    hidden = len(digits) - _KEEP_FIRST - _KEEP_LAST
    return digits[:_KEEP_FIRST] + "*" * hidden + digits[-_KEEP_LAST:]


def mask_text(text: str) -> str:
    """Hide NIP/NUPTK-like digit runs: `19860926 201505 1 001` -> `1986************01`."""
    return _ID_RUN.sub(_mask_run, text)


def is_sensitive_key(key: str) -> bool:
    k = key.lower()
    return k in SENSITIVE_KEYS or k.endswith(SENSITIVE_SUFFIXES)


def mask_value(key: str, value: Any) -> Any:
    """The loggable form of one extra field: redacted by key, masked by shape, JSON-safe."""
    if is_sensitive_key(key):
        return REDACTED
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        # An int NIP (extra={"id": 198609262015051001}) is masked like a string one.
        return value if len(str(abs(value))) < 16 else mask_text(str(value))
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {str(k): mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(key, v) for v in value]
    return mask_text(str(value))


class JsonFormatter(logging.Formatter):
    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def format(self, record: logging.LogRecord) -> str:
        extras = {
            key: mask_value(key, value)
            for key, value in vars(record).items()
            if key not in _RECORD_ATTRS and not key.startswith("_")
        }
        # Core fields are written last so an extra named "service" or "level" cannot forge them.
        entry: dict[str, Any] = {
            **extras,
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
            "service": self.service_name,
            **_trace_fields(),
        }
        if record.exc_info:
            entry["exc"] = mask_text(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = mask_text(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _trace_fields() -> dict[str, str | None]:
    # Read at format time: StreamHandler formats synchronously in the caller's context, where the span is.
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return {"trace_id": None, "span_id": None}
    return {"trace_id": trace.format_trace_id(ctx.trace_id), "span_id": trace.format_span_id(ctx.span_id)}


class _AccessPathFilter(logging.Filter):
    """Drops the query string from uvicorn's access lines: `?nip=...` would otherwise be logged as typed."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn's access record: (client_addr, method, full_path, http_version, status_code)
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            record.args = (args[0], args[1], path, args[3], args[4])
        return True


def setup_logging(service_name: str, *, level: str = "INFO") -> None:
    """Route the root logger and uvicorn's loggers to one JSON handler on stdout.

    Idempotent: a second call replaces the handler it installed before; handlers others installed on the
    root logger (pytest's capture, for instance) are left alone.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service_name))
    setattr(handler, _OUR_HANDLER, True)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OUR_HANDLER, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())

    # uvicorn's own dictConfig gives these loggers plain-text handlers and propagate=False; undo both
    # so every line, access log included, goes through the masking formatter.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
        lg.setLevel(level.upper())
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _AccessPathFilter) for f in access.filters):
        access.addFilter(_AccessPathFilter())

    # FastStream logs two INFO lines per consumed message by default: noise on a hot consumer. httpx logs
    # every outgoing request (JWKS, BKN) at INFO, with its full URL.
    for noisy in ("faststream", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
