"""Domain errors: every refusal names the field it concerns and the rule it broke.

The HTTP layer turns them into RFC 9457 problems by their `kind`; the domain never speaks HTTP.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    INVALID = "invalid"  # the value itself breaks a rule (HTTP 422)
    CONFLICT = "conflict"  # not allowed in the aggregate's current state (409)
    OUTSIDE_WINDOW = "outside_window"  # the step's window is not open (409)
    NOT_FOUND = "not_found"  # absent, or not visible to this actor (404)
    FORBIDDEN = "forbidden"  # visible, but this actor may not do this (403)
    STALE = "stale"  # If-Match did not match the current version (412)
    PRECONDITION_REQUIRED = "precondition_required"  # If-Match missing (428)


class DomainError(Exception):
    kind: ErrorKind = ErrorKind.INVALID

    def __init__(
        self,
        detail: str,
        *,
        rule: str,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        self.field = field
        self.extra = extra or {}


class InvalidValue(DomainError):
    kind = ErrorKind.INVALID


class StateConflict(DomainError):
    kind = ErrorKind.CONFLICT


class OutsideWindow(DomainError):
    kind = ErrorKind.OUTSIDE_WINDOW


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class Forbidden(DomainError):
    kind = ErrorKind.FORBIDDEN


class StaleVersion(DomainError):
    kind = ErrorKind.STALE


class PreconditionRequired(DomainError):
    kind = ErrorKind.PRECONDITION_REQUIRED
