"""ETag / If-Match for optimistic concurrency: a stale edit is refused (412), a blind one too (428)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import Header

from pmm_kernel.errors import InvalidValue, PreconditionRequired, StaleVersion

# The header every update takes, as a route parameter type: `if_match: IfMatch = None`.
IfMatch = Annotated[str | None, Header(alias="If-Match", description='the ETag you last read, e.g. "v3"')]

_ETAG = re.compile(r'^(?:W/)?"v(\d{1,18})"$')


def etag(version: int) -> str:
    return f'"v{version}"'


def require_version(if_match: str | None, current: int) -> None:
    """Check the client's If-Match against the aggregate's current version."""
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you last read, so a concurrent change is not overwritten",
            rule="http.if_match_required",
            field="If-Match",
        )
    if if_match.strip() == "*":
        return
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise InvalidValue('If-Match must be an ETag such as "v3"', rule="http.if_match_format", field="If-Match")
    if int(match.group(1)) != current:
        raise StaleVersion(
            f"the record changed since you read it (now {etag(current)}); reload and try again",
            rule="http.if_match_stale",
            field="If-Match",
            extra={"current_etag": etag(current)},
        )


def version_check(if_match: str | None) -> Callable[[int], None]:
    """What a use case calls with the version it loaded, so the check runs inside its transaction."""
    return lambda current: require_version(if_match, current)
