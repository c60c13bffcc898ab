"""Which failures are retried for ever (transient) and which are parked after a few attempts; the back-off tiers."""

import aiormq.exceptions
import asyncpg
import pytest
import sqlalchemy.exc

from pmm_chassis.messaging.failures import describe, is_transient
from pmm_chassis.messaging.topology import delay_seconds_for


def _chained(outer: Exception, cause: Exception) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (ConnectionRefusedError("db down"), True),
        (OSError("network unreachable"), True),
        (TimeoutError(), True),
        (asyncpg.exceptions.CannotConnectNowError("starting up"), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
        (asyncpg.exceptions.DeadlockDetectedError("deadlock"), True),
        (asyncpg.exceptions.SerializationError("could not serialize"), True),
        (sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionError()), True),
        (sqlalchemy.exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")), True),
        (sqlalchemy.exc.TimeoutError("QueuePool limit of size 8 overflow 0 reached"), True),
        (aiormq.exceptions.AMQPConnectionError("broker gone"), True),
        (_chained(RuntimeError("wrapped"), ConnectionResetError()), True),
        (PermissionError(13, "Permission denied"), False),
        (FileNotFoundError(2, "No such file or directory"), False),
        (_chained(RuntimeError("wrapped"), PermissionError()), False),
        (KeyError("jenjang"), False),
        (ValueError("bad"), False),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),
        (sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate")), False),
        (_chained(RuntimeError("wrapped"), TypeError()), False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_transient_classification(exc, transient):
    assert is_transient(exc) is transient


@pytest.mark.parametrize(("attempt", "seconds"), [(0, 1), (1, 1), (2, 5), (3, 30), (4, 120), (5, 120), (50, 120)])
def test_back_off_tiers(attempt, seconds):
    assert delay_seconds_for(attempt) == seconds


def test_a_reason_is_short_and_masks_personal_data():
    reason = describe(ValueError("no pegawai 19860926 201505 1 001 in\n" + "x" * 1000))
    assert reason.startswith("ValueError: ")
    assert "201505" not in reason and "\n" not in reason and len(reason) < 330
