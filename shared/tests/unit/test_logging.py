"""JSON logs: NIP/NUPTK masked wherever they appear, names redacted by key, trace ids attached."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider

from pmm_chassis.logging import JsonFormatter, mask_text, mask_value, setup_logging


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nip 198609262015051001 ditolak", "nip 1986************01 ditolak"),
        ("19860926 201505 1 001", "1986************01"),  # grouped as NIPs are written
        ("19860926.201505.1.001", "1986************01"),  # dotted
        ("PPPK 199001012019212001", "PPPK 1990************01"),  # NI PPPK, 18 digits
        ("nuptk=1234567890123456", "nuptk=1234**********56"),  # NUPTK, 16 digits
        ("12345678901234567", "1234***********67"),  # 17 digits: still masked
        ("a 198609262015051001 b 199201152020122003", "a 1986************01 b 1992************03"),
        ("/api/v1/pegawai/198609262015051001/skp", "/api/v1/pegawai/1986************01/skp"),
        ("took 1234 ms, status 200, npsn 20219012", "took 1234 ms, status 200, npsn 20219012"),
        ("call 081234567890", "call 081234567890"),  # a phone number (12 digits) is not an identifier
        ("123456789012345", "123456789012345"),  # 15 digits
        ("ts 1704870000123456789", "ts 1704870000123456789"),  # 19 digits: part of a longer number
        ("periode 2024-S1, 2024-01-31", "periode 2024-S1, 2024-01-31"),
    ],
)
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("nip", "198609262015051001", "***"),
        ("NIP", "anything", "***"),
        ("nuptk", "1234567890123456", "***"),
        ("nama", "Siti Aminah", "***"),
        ("name", "Siti Aminah", "***"),
        ("nama_pegawai", "Budi", "***"),
        ("atasan_nip", "198609262015051001", "***"),
        ("queue_name", "planning.parked", "planning.parked"),  # "name" only as a whole key
        ("reason", "NIP 198609262015051001 invalid", "NIP 1986************01 invalid"),
        ("pegawai_id", 198609262015051001, "1986************01"),  # an int NIP
        ("count", 42, 42),
        ("ok", True, True),
        ("payload", {"nama": "Budi", "npsn": "20219012"}, {"nama": "***", "npsn": "20219012"}),
        ("ids", ["198609262015051001", 7], ["1986************01", 7]),
    ],
)
def test_mask_value(key, value, expected) -> None:
    assert mask_value(key, value) == expected


def _format(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter("planning").format(record))


def _record(msg: str, *args, extra: dict | None = None, exc_info=None) -> logging.LogRecord:
    logger = logging.getLogger("planning.usecases")
    return logger.makeRecord(logger.name, logging.INFO, __file__, 1, msg, args, exc_info, extra=extra)


def test_line_has_the_core_fields_masked_message_and_extras() -> None:
    line = _format(
        _record("SKP %s approved for %s", "abc", "198609262015051001", extra={"nama": "Budi", "periode": "2024"})
    )
    assert line["msg"] == "SKP abc approved for 1986************01"
    assert line["level"] == "INFO" and line["logger"] == "planning.usecases" and line["service"] == "planning"
    assert line["ts"].endswith("Z") and "T" in line["ts"]
    assert line["nama"] == "***" and line["periode"] == "2024"
    assert line["trace_id"] is None and line["span_id"] is None


def test_extras_cannot_forge_core_fields() -> None:
    line = _format(_record("hello", extra={"service": "bkn_sync", "level": "DEBUG", "trace_id": "f" * 32}))
    assert (line["service"], line["level"], line["trace_id"]) == ("planning", "INFO", None)


def test_exception_text_is_masked() -> None:
    try:
        raise ValueError("duplicate key: Key (nip)=(198609262015051001) already exists")
    except ValueError:
        line = _format(_record("insert failed", exc_info=sys.exc_info()))
    assert "ValueError" in line["exc"] and "Traceback" in line["exc"]
    assert "198609262015051001" not in line["exc"] and "1986************01" in line["exc"]


def test_trace_and_span_ids_come_from_the_active_span() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        line = _format(_record("inside"))
    ctx = span.get_span_context()
    assert line["trace_id"] == format(ctx.trace_id, "032x")
    assert line["span_id"] == format(ctx.span_id, "016x")


@pytest.fixture
def restore_logging():
    names = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "faststream", "httpx", "httpcore")
    saved = {
        n: (list(lg.handlers), lg.level, lg.propagate, list(lg.filters)) for n in names for lg in [logging.getLogger(n)]
    }
    yield
    for n, (handlers, level, propagate, filters) in saved.items():
        lg = logging.getLogger(n)
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate = propagate
        lg.filters[:] = filters


def test_setup_routes_uvicorn_access_through_json_without_query(restore_logging, capsys) -> None:
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.addHandler(logging.StreamHandler(sys.stderr))  # as uvicorn's dictConfig leaves it
    uvicorn_access.propagate = False
    setup_logging("planning", level="info")
    setup_logging("planning", level="info")  # idempotent: still one line per record

    uvicorn_access.info(
        '%s - "%s %s HTTP/%s" %d',
        "10.0.0.1:5000",
        "GET",
        "/api/v1/pegawai?nip=198609262015051001",
        "1.1",
        200,
    )
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 1 and out.err == ""
    line = json.loads(lines[0])
    assert line["logger"] == "uvicorn.access"
    assert line["msg"] == '10.0.0.1:5000 - "GET /api/v1/pegawai HTTP/1.1" 200'
    assert logging.getLogger("faststream").level == logging.WARNING
    assert logging.getLogger("httpx").level == logging.WARNING
