"""Text PostgreSQL cannot store: a NUL character (U+0000) in a path, a query or a body is the client's error.

A NUL can arrive in any string (`/monitoring.csv?periode=%00`): every string field would need its own rule
otherwise, while the database already knows. SQLSTATE 22021 (character_not_in_repertoire) and 22P05
(untranslatable_character) become 422 `text.unsupported_character`; any other database error stays a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from pmm_chassis.http.problems import FieldError, _unhandled, problem_response, type_uri

_TEXT_STATES = frozenset({"22021", "22P05"})
RULE = "text.unsupported_character"


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if getattr(exc.orig, "sqlstate", None) not in _TEXT_STATES:
        return await _unhandled(request, exc)
    detail = "The request holds a character that cannot be stored (a NUL byte, U+0000)."
    return problem_response(
        422,
        title="Invalid value",
        detail=detail,
        errors=[FieldError(field=None, rule=RULE, detail=detail)],
        type_=type_uri(RULE),
    )


def install_text_handler(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _database_error)
