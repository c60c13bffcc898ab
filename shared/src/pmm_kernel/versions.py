"""Optimistic concurrency as a plain value: the version a caller last read, checked inside the transaction.

A command carries an `ExpectedVersion` built from the request's `If-Match`; the use case checks it against the
version it loaded, only once the caller may see the record (someone else's record stays a 404). A missing header is
`PreconditionRequired` (428), a stale one `StaleVersion` (412); `*` accepts whatever the version is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pmm_kernel.errors import InvalidValue, PreconditionRequired, StaleVersion

IF_MATCH = "If-Match"
_ETAG = re.compile(r'^(?:W/)?"v(\d{1,18})"$')


def etag(version: int) -> str:
    return f'"v{version}"'


@dataclass(frozen=True)
class ExpectedVersion:
    """What the caller sent as `If-Match`, unparsed until it is checked (`None`: nothing was sent)."""

    if_match: str | None

    @classmethod
    def any(cls) -> ExpectedVersion:
        """No expectation: for commands that do not come from a client's read (events, the system itself)."""
        return cls("*")

    def check(self, current: int) -> None:
        if self.if_match is None:
            raise PreconditionRequired(
                "send If-Match with the ETag you last read, so a concurrent change is not overwritten",
                rule="http.if_match_required",
                field=IF_MATCH,
            )
        sent = self.if_match.strip()
        if sent == "*":
            return
        match = _ETAG.match(sent)
        if match is None:
            raise InvalidValue('If-Match must be an ETag such as "v3"', rule="http.if_match_format", field=IF_MATCH)
        if int(match.group(1)) != current:
            raise StaleVersion(
                f"the record changed since you read it (now {etag(current)}); reload and try again",
                rule="http.if_match_stale",
                field=IF_MATCH,
                extra={"current_etag": etag(current)},
            )
