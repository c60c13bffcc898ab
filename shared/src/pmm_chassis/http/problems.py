"""RFC 9457 problem details: every refusal names the field and the rule, in one JSON shape.

A school's client (or an operator's script) branches on `errors[].rule`, a stable string, never on the
English `detail`. Request input is never echoed: it may be a NIP.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from pmm_chassis.http.ratelimit import WRITE_METHODS
from pmm_chassis.logging import mask_text
from pmm_chassis.messaging.failures import describe as describe_failure
from pmm_chassis.messaging.failures import is_transient
from pmm_chassis.telemetry import current_trace_id
from pmm_kernel.errors import DomainError, ErrorKind

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://pmm-kinerja.kemdikbud.go.id/problems/"

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str | None = Field(None, description="Dotted path of the offending field; null for the whole request.")
    rule: str = Field(description="Stable machine-readable rule id, e.g. `skp.state` or `schema.missing`.")
    detail: str


class Problem(BaseModel):
    """application/problem+json (RFC 9457); extension members (window dates, trace_id) are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = []


# One home for the kind -> HTTP mapping (the kernel's ErrorKind stays HTTP-free).
KIND_STATUS: dict[ErrorKind, tuple[int, str]] = {
    ErrorKind.INVALID: (422, "Invalid value"),
    ErrorKind.CONFLICT: (409, "Conflict with the current state"),
    ErrorKind.OUTSIDE_WINDOW: (409, "Outside the window"),
    ErrorKind.NOT_FOUND: (404, "Not found"),
    ErrorKind.FORBIDDEN: (403, "Forbidden"),
    ErrorKind.STALE: (412, "Version mismatch"),
    ErrorKind.PRECONDITION_REQUIRED: (428, "Precondition required"),
}

# Standard members that a DomainError's `extra` must not overwrite.
_RESERVED = frozenset(Problem.model_fields)


class HttpProblem(Exception):
    """An HTTP-level refusal that is not a domain rule (authentication, an unavailable key set)."""

    def __init__(
        self,
        status: int,
        *,
        rule: str,
        detail: str,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.rule = rule
        self.detail = detail
        self.title = title or status_phrase(status)
        self.headers = dict(headers or {})
        self.field = field  # the header or part of the request at fault, when there is one


class Unauthenticated(HttpProblem):
    """401: no bearer token, or one that does not verify. `rule` is the reason (`token.expired`, ...)."""

    def __init__(self, rule: str, detail: str, *, challenge: str = 'Bearer error="invalid_token"') -> None:
        super().__init__(
            401, rule=rule, detail=detail, title="Unauthenticated", headers={"WWW-Authenticate": challenge}
        )


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a non-standard code (499, 520...) must not turn an error page into a crash
        return "Error"


def type_uri(rule: str) -> str:
    """A stable URI per rule, so documentation can live at it later without a client change."""
    return PROBLEM_TYPE_BASE + quote(rule, safe=".-_~")


def problem_response(
    status: int,
    *,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    type_: str | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=type_ or "about:blank",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors),
    ).model_dump(mode="json")
    if body["instance"] is None:
        del body["instance"]
    for key, value in (extra or {}).items():
        if key not in _RESERVED:
            body[key] = jsonable_encoder(value)
    trace_id = current_trace_id()
    if trace_id is not None:
        # Lets a school operator quote one id to support, and support find the whole trace.
        body.setdefault("trace_id", trace_id)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON)


# --- exception handlers -----------------------------------------------------------------------------


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, title = KIND_STATUS[exc.kind]
    return problem_response(
        status,
        title=title,
        detail=exc.detail,
        errors=[FieldError(field=exc.field, rule=exc.rule, detail=exc.detail)],
        type_=type_uri(exc.rule),
        extra=exc.extra,
    )


async def _http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HttpProblem)
    return problem_response(
        exc.status,
        title=exc.title,
        detail=exc.detail,
        errors=[FieldError(field=exc.field, rule=exc.rule, detail=exc.detail)],
        type_=type_uri(exc.rule),
        headers=exc.headers,
    )


_LOCATION_PREFIXES = {"query", "path", "header", "cookie"}


def field_path(loc: Sequence[str | int]) -> str | None:
    """`("body", "rhk", 0, "target")` -> `rhk[0].target`; `("query", "limit")` -> `query.limit`.

    The body is what clients think of as "the request", so its prefix is dropped; query, path and header
    keep theirs because `limit` alone would not say where it was sent.
    """
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or None


def _validation_problem(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = "The request body is not valid JSON."
        return problem_response(
            400,
            title="Malformed request body",
            detail=detail,
            errors=[FieldError(field=None, rule="json.malformed", detail=detail)],
            type_=type_uri("json.malformed"),
        )
    field_errors = [
        FieldError(
            field=field_path(e.get("loc", ())),
            rule=f"schema.{e.get('type', 'invalid')}",
            # pydantic's msg describes the rule, not the value; a custom validator could still quote
            # the value, so it is masked like a log line.
            detail=mask_text(str(e.get("msg", "invalid"))),
        )
        for e in errors
    ]
    return problem_response(
        422,
        title="Invalid request",
        detail=f"The request does not match the schema ({len(field_errors)} error(s)).",
        errors=field_errors,
        type_=type_uri("schema"),
    )


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _validation_problem(exc)


async def _starlette_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = status_phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else phrase
    rule = f"http.{exc.status_code}"
    return problem_response(
        exc.status_code,
        title=phrase,
        detail=detail,
        errors=[FieldError(field=None, rule=rule, detail=detail)],
        headers=exc.headers,  # 405 carries Allow, 401 a challenge
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    if is_transient(exc):
        return _unavailable(request, exc)
    # Last resort: the client learns nothing of the internals, the log gets the stack and the trace id.
    log.error("unhandled exception in %s %s", request.method, request.scope.get("path", ""), exc_info=exc)
    detail = "An unexpected error occurred. Quote the trace_id when reporting it."
    return problem_response(
        500,
        title="Internal Server Error",
        detail=detail,
        errors=[FieldError(field=None, rule="internal", detail=detail)],
    )


def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    # A database restarting, a pooled connection that died with it, a deadlock: nothing is wrong with the request,
    # and a retry a moment later succeeds (the pool has dropped the dead connections by then).
    log.warning("transient failure in %s %s: %s", request.method, request.scope.get("path", ""), describe_failure(exc))
    detail = "A dependency is briefly unavailable; retry the request."
    return problem_response(
        503,
        title="Service Unavailable",
        detail=detail,
        errors=[FieldError(field=None, rule="transient", detail=detail)],
        type_=type_uri("transient"),
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Turn every error the app can raise into application/problem+json and fix the OpenAPI media type."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HttpProblem, _http_problem)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _starlette_http)
    app.add_exception_handler(Exception, _unhandled)
    _patch_openapi(app)


# --- OpenAPI ----------------------------------------------------------------------------------------

_DESCRIPTIONS = {
    400: "Malformed request (e.g. the body is not JSON)",
    401: "Missing or invalid bearer token",
    403: "The actor may not do this",
    404: "Not found, or not visible to the actor",
    409: "Conflicts with the current state, or outside the step's window",
    412: "If-Match does not match the current version",
    422: "A value breaks a schema or domain rule",
    428: "If-Match is required",
}

# `model` gives FastAPI the schema (and registers Problem in components); the empty problem+json entry
# marks the response so `_patch_openapi` moves that schema from application/json to problem+json.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description, "content": {PROBLEM_JSON: {}}}
    for status, description in _DESCRIPTIONS.items()
}

_REF = "#/components/schemas/"


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template=_REF + "{model}")
    defs = schema.pop("$defs", {})
    return {**defs, "Problem": schema}


def fix_problem_media_types(schema: dict[str, Any]) -> None:
    """Document problems under application/problem+json, as they are sent.

    Also replaces FastAPI's automatic 422 `HTTPValidationError` (a shape this app never sends) with
    Problem on routes that did not list PROBLEM_RESPONSES.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for method, operation in ((m, op) for path in schema.get("paths", {}).values() for m, op in path.items()):
        if not isinstance(operation, dict):
            continue
        _document_write_limit(method, operation, components)
        for status, response in operation.get("responses", {}).items():
            content = response.get("content", {})
            if PROBLEM_JSON in content and "application/json" in content and not content[PROBLEM_JSON]:
                content[PROBLEM_JSON] = content.pop("application/json")
            elif status == "422" and content.get("application/json", {}).get("schema", {}).get("$ref") == (
                _REF + "HTTPValidationError"
            ):
                for name, definition in _problem_schemas().items():
                    components.setdefault(name, definition)
                response["content"] = {PROBLEM_JSON: {"schema": {"$ref": _REF + "Problem"}}}
                response["description"] = _DESCRIPTIONS[422]
    if not _references(schema, _REF + "HTTPValidationError"):
        components.pop("HTTPValidationError", None)
        if not _references(schema, _REF + "ValidationError"):
            components.pop("ValidationError", None)


def _document_write_limit(method: str, operation: dict[str, Any], components: dict[str, Any]) -> None:
    """Authenticated writes may meet the per-user limit (pmm_chassis.http.ratelimit): say so, with its header."""
    responses = operation.get("responses", {})
    if method.upper() not in WRITE_METHODS or "security" not in operation or "429" in responses:
        return
    for name, definition in _problem_schemas().items():
        components.setdefault(name, definition)
    responses["429"] = {
        "description": "Too many writes by this user; retry after the seconds in Retry-After",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        "content": {PROBLEM_JSON: {"schema": {"$ref": _REF + "Problem"}}},
    }


def _references(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_references(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_references(v, ref) for v in node)
    return False


def _patch_openapi(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            fix_problem_media_types(original())  # original() caches its result on the app; fixed in place
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
