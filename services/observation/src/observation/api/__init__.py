"""Observation's HTTP API: thin routes that parse, authenticate, call a use case and shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from observation.api import bukti, pelaksanaan, tim
from observation.domain.bukti import UploadTooLarge
from pmm_chassis.http.problems import FieldError, problem_response, type_uri


def routers() -> list[APIRouter]:
    return [pelaksanaan.router, bukti.router, tim.router]


async def _too_large(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UploadTooLarge)
    return problem_response(
        413,
        title="Content too large",
        detail=exc.detail,
        errors=[FieldError(field=exc.field, rule=exc.rule, detail=exc.detail)],
        type_=type_uri(exc.rule),
        extra=exc.extra,
    )


class TusResumableHeader:
    """tus 1.0: every response of an upload route (errors too) says `Tus-Resumable: 1.0.0`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not any(marker in path for marker in bukti.TUS_PATHS) or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"tus-resumable"]
                message = {**message, "headers": [*headers, (b"tus-resumable", bukti.TUS_VERSION.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_header)


def install(app: FastAPI) -> None:
    """What observation adds to the chassis app: 413 for an upload past its limit, the tus response header."""
    app.add_exception_handler(UploadTooLarge, _too_large)
    app.add_middleware(TusResumableHeader)
