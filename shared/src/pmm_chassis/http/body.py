"""Reading a raw request body without holding more of it than the route accepts."""

from __future__ import annotations

from fastapi import Request

from pmm_chassis.http.problems import HttpProblem


def too_large(max_bytes: int, *, rule: str, what: str = "the request body") -> HttpProblem:
    return HttpProblem(413, rule=rule, detail=f"{what} is limited to {max_bytes} bytes", field="body")


async def read_capped(request: Request, *, max_bytes: int, rule: str, what: str = "the request body") -> bytes:
    """The body, or 413 as soon as it is known to exceed `max_bytes`: from Content-Length before reading anything,
    else while streaming (a chunked upload has no length), so an oversized body is never buffered whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes, rule=rule, what=what)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes, rule=rule, what=what)
        chunks.append(chunk)
    return b"".join(chunks)
