"""Whether a service's OpenAPI document tells a newcomer the truth: checked against the routes' own code.

- Every operation has a description (the route's docstring or `description=`), and the document an
  `info.description`.
- A route whose code puts the client's `If-Match` in a command as `ExpectedVersion` answers 428 without it: its
  document must list `If-Match` as a required header. A route that does not must not claim it.

The document is the one the app serves, built without starting the app (no database, no broker).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, routing

from pmm_chassis.http.preconditions import IF_MATCH

# What a route builds when its use case refuses a missing If-Match with 428 (pmm_kernel.versions).
IF_MATCH_ENFORCERS = frozenset({"ExpectedVersion"})


def _code_objects(function: Callable[..., Any]) -> Iterator[types.CodeType]:
    """The function's code and the code of every function defined inside it (a route's `compute`, a lambda)."""
    pending = [inspect.unwrap(function).__code__]
    while pending:
        code = pending.pop()
        yield code
        pending.extend(const for const in code.co_consts if isinstance(const, types.CodeType))


def enforces_if_match(endpoint: Callable[..., Any]) -> bool:
    """Whether the route's own code checks If-Match, so that a request without it is answered 428."""
    return any(IF_MATCH_ENFORCERS & set(code.co_names) for code in _code_objects(endpoint))


def _if_match_parameter(operation: dict[str, Any]) -> dict[str, Any] | None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == IF_MATCH.lower():
            return parameter
    return None


def documented_routes(app: FastAPI) -> dict[tuple[str, str], Callable[..., Any]]:
    """(METHOD, path template) -> endpoint of every route in the document, included routers' prefixes applied."""
    routes: dict[tuple[str, str], Callable[..., Any]] = {}
    for context in routing.iter_route_contexts(app.routes):
        if isinstance(context.original_route, routing.APIRoute) and context.include_in_schema:
            for method in context.methods:
                routes[(method, context.path_format)] = context.endpoint
    return routes


def openapi_untruths(app: FastAPI) -> list[str]:
    """Every way `app`'s OpenAPI document misleads a reader; empty when it does not."""
    document = app.openapi()
    found: list[str] = []
    if not str(document.get("info", {}).get("description", "")).strip():
        found.append("info.description is empty")
    routes = documented_routes(app)
    operations = {
        (method.upper(), path): operation
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }
    # Every operation is judged against the code that serves it: one without a route would go unchecked.
    found += [f"{method} {path}: no route serves it" for method, path in sorted(set(operations) - set(routes))]
    for (method, path), endpoint in sorted(routes.items(), key=lambda entry: entry[0][::-1]):
        label = f"{method} {path}"
        operation = operations.get((method, path))
        if operation is None:
            found.append(f"{label}: not in the document")
            continue
        if not str(operation.get("description", "")).strip():
            found.append(f"{label}: no description")
        parameter = _if_match_parameter(operation)
        documented = parameter is not None and parameter.get("required") is True
        enforced = enforces_if_match(endpoint)
        if enforced and not documented:
            found.append(f"{label}: answers 428 without If-Match, but documents it as optional or not at all")
        if documented and not enforced:
            found.append(f"{label}: documents If-Match as required, but never checks it")
    return found
