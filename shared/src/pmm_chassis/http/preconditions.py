"""ETag / If-Match for optimistic concurrency: a stale edit is refused (412), a blind one too (428).

Every change of a plan, a pelaksanaan or a penilaian takes `If-Match`. The route declares it as `IfMatch` and puts
`ExpectedVersion(if_match)` (`pmm_kernel.versions`) in its command; the use case checks it against the version it
loaded, inside its transaction: a missing header is a 428 problem, a stale one a 412, both only once the caller may
see the record (someone else's record stays a 404). So the parameter is optional to FastAPI (a missing header must
reach the use case, not become FastAPI's 422), and `document_if_match` marks it required in the OpenAPI document,
which is what a client must do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Header

from pmm_kernel.versions import IF_MATCH, etag

__all__ = ["IF_MATCH", "ETAG_PATTERN", "IfMatch", "etag", "document_if_match"]

# What a client may send: the ETag it last read (`"v3"`, weak or strong) or `*` (whatever the version is).
ETAG_PATTERN = r'^(\*|(W/)?"v[0-9]{1,18}")$'
# Marks the parameter in the generated document; `document_if_match` replaces the schema and removes it.
_MARK = "x-pmm-if-match"

# The header every update takes, as a route parameter type: `if_match: IfMatch = None`.
IfMatch = Annotated[
    str | None,
    Header(
        alias=IF_MATCH,
        description='The ETag of your last read of this record, e.g. "v3" (required: 428 without it, 412 if stale)',
        json_schema_extra={_MARK: True},
    ),
]


def mark_if_match_required(schema: dict[str, Any]) -> None:
    """Document every `IfMatch` parameter of `schema` as the required string it is (in place; idempotent)."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("schema", {}).get(_MARK):
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "pattern": ETAG_PATTERN, "title": IF_MATCH}


def document_if_match(app: FastAPI) -> None:
    """Have `app`'s OpenAPI document say that every route declaring `IfMatch` requires it."""
    inner = app.openapi

    def openapi() -> dict[str, Any]:
        schema = inner()
        mark_if_match_required(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
