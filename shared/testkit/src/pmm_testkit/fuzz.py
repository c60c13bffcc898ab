"""Fuzzing a service's HTTP API from its own OpenAPI document (schemathesis 4 + Hypothesis), in process.

Every operation gets `examples` requests, half schema-valid and half schema-breaking, each sent as one of
the suite's personas (a token per role), and every response goes through schemathesis' checks: no 5xx, status
code, content type, headers and body as documented, schema-valid data not refused with 400/422, schema-breaking
data refused with a 4xx. Failures are collected per operation, so one run lists every broken operation, not
only the first.

The app runs in schemathesis' own event-loop thread (its ASGI transport starts the lifespan there: broker,
consumers, relay), so the database and broker connections live in the loop that serves the requests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, CheckFunction
from schemathesis.core.failures import Failure
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# `make test` runs 100 per operation; `make fuzz` (or this variable) the long run.
EXAMPLES_VAR = "PMM_FUZZ_EXAMPLES"
DEFAULT_EXAMPLES = 100


def examples_per_operation() -> int:
    return int(os.environ.get(EXAMPLES_VAR, DEFAULT_EXAMPLES))


# Request-validation rules (pydantic's, the JSON parser's, Starlette's): a schema-valid request refused by one of
# these means the document promises more than the code accepts.
_SCHEMA_RULE_PREFIXES = ("schema", "json.", "http.")


class SchemaValidRequestRefused(Failure):
    def __init__(self, *, operation: str, message: str) -> None:
        super().__init__(
            operation=operation, title="Schema-valid request refused by request validation", message=message
        )

    @property
    def _unique_key(self) -> str:
        return self.message


def refused_only_by_domain_rules(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """Schemathesis' positive_data_acceptance, knowing this API's problem+json.

    A schema-valid request may still break a domain rule no schema can state (an unknown period, a closed
    window, a reason an extension needs): the API answers those 422 with a namespaced rule id (`periode.unknown`).
    What it must never do is refuse such a request by request validation (`schema.*`, `json.malformed`): that
    is the document and the code disagreeing, and the document gets fixed.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    try:
        rules = [error["rule"] for error in response.json().get("errors", [])]
    except (ValueError, AttributeError, KeyError, TypeError):
        rules = []
    offending = [rule for rule in rules if rule.startswith(_SCHEMA_RULE_PREFIXES)]
    if not rules or offending:
        raise SchemaValidRequestRefused(
            operation=case.operation.label,
            message=f"{response.status_code} with rules {rules or '(no errors[] in the body)'}: {response.text[:500]}",
        )
    return None


def rejected_also_by_a_failed_precondition(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """Schemathesis' negative_data_rejection, counting 412 as the refusal it is.

    412 is how this API refuses a request whose precondition fails (a stale If-Match, tus's Tus-Resumable), and a
    schema-breaking request may meet that check before the schema's; schemathesis' list of refusals lacks it.
    """
    if response.status_code == 412:
        return None
    return negative_data_rejection(ctx, response, case)


@contextmanager
def serving(app: FastAPI) -> Iterator[requests.Session]:
    """The app with its lifespan started in schemathesis' loop thread, and a (sync) client for seeding data."""
    with asgi.get_client(app) as client:
        try:
            yield client
        finally:
            # Stops every lifespan the transport started: the suite serves one app at a time.
            asgi.shutdown_lifespans()


@dataclass
class OperationResult:
    label: str
    examples: int
    seconds: float
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@dataclass
class FuzzReport:
    service: str
    results: list[OperationResult]
    skipped: dict[str, str]

    @property
    def examples(self) -> int:
        return sum(r.examples for r in self.results)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    @property
    def failures(self) -> list[tuple[str, str]]:
        return [(r.label, f) for r in self.results for f in r.failures]

    def summary(self) -> str:
        statuses: dict[int, int] = {}
        for result in self.results:
            for code, n in result.statuses.items():
                statuses[code] = statuses.get(code, 0) + n
        spread = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
        lines = [
            f"fuzz {self.service}: {len(self.results)} operations, {self.examples} requests, "
            f"{self.seconds:.1f} s, {len(self.failures)} failing operation/mode pairs; statuses {{{spread}}}"
        ]
        slowest = sorted(self.results, key=lambda r: r.seconds, reverse=True)[:3]
        lines.append("  slowest: " + "; ".join(f"{r.label} {r.seconds:.1f} s/{r.examples}" for r in slowest))
        lines += [f"  skipped {label}: {reason}" for label, reason in self.skipped.items()]
        return "\n".join(lines)

    def details(self) -> str:
        return "\n\n".join(f"{label}\n{failure}" for label, failure in self.failures)


def fuzz_app(
    app: FastAPI,
    service: str,
    *,
    personas: Sequence[Mapping[str, str]],
    examples: int | None = None,
    excluded_checks: Sequence[CheckFunction] = (),
    skip: Mapping[str, str] | None = None,
    modes: Sequence[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
) -> FuzzReport:
    """Fuzzes every operation of `app`'s OpenAPI document; `skip` maps an operation label to the reason."""
    examples = examples or examples_per_operation()
    skip = dict(skip or {})
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # ok() raises on an operation schemathesis cannot read: a broken document fails the suite.
    operations = [outcome.ok() for outcome in schema.get_all_operations()]
    unknown = set(skip) - {operation.label for operation in operations}
    if unknown:
        raise ValueError(f"skip names operations the document does not have: {sorted(unknown)}")
    results = []
    for operation in operations:
        if operation.label in skip:
            continue
        result = OperationResult(operation.label, 0, 0.0)
        started = time.perf_counter()
        for i, mode in enumerate(modes):
            # The operation's examples are shared out between the modes (100 = 50 valid + 50 breaking).
            share = examples // len(modes) + (1 if i < examples % len(modes) else 0)
            failure = _run(operation, mode, personas, share, list(excluded_checks), result)
            if failure is not None:
                result.failures.append(f"[{mode.value}] {failure}")
        result.seconds = time.perf_counter() - started
        results.append(result)
    return FuzzReport(service, results, skip)


def _auth_for(case: Any, persona: Mapping[str, str]) -> dict[str, str]:
    """The persona's token, unless the case is negative *because of* its Authorization header.

    Overriding a removed or malformed Authorization with a good token would turn that case into a valid request,
    and schemathesis would then blame the API for accepting it.
    """
    data = getattr(getattr(case.meta, "phase", None), "data", None) if case.meta is not None else None
    description = str(getattr(data, "description", "") or "")
    if case.meta is not None and case.meta.generation.mode.is_negative and "Authorization" in description:
        return {}
    return dict(persona)


def _run(
    operation: Any,
    mode: GenerationMode,
    personas: Sequence[Mapping[str, str]],
    examples: int,
    excluded_checks: list[CheckFunction],
    result: OperationResult,
) -> str | None:
    # derandomize: CI sees the same requests every run (a failure reproduces); no example database, so a
    # developer's earlier failures do not change what CI runs. Shrinking stays on: the report shows the
    # smallest failing request.
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), persona=st.sampled_from(list(personas)))
    def check(case: Any, persona: Mapping[str, str]) -> None:
        response = case.call_and_validate(
            headers=_auth_for(case, persona),
            excluded_checks=[positive_data_acceptance, negative_data_rejection, *excluded_checks],
            additional_checks=[refused_only_by_domain_rules, rejected_also_by_a_failed_precondition],
        )
        result.examples += 1
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1

    try:
        check()
    except BaseException as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return f"{type(exc).__name__}: {exc}"
    return None
