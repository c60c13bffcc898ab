"""The bench's httpx transport over aiohttp, against a real local HTTP server: what the demo drivers read from
httpx (status, headers, body, errors) is what they read through it."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from bench.transport import AiohttpTransport


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    seen = {"method": request.method, "body": body.decode(), "if_match": request.headers.get("If-Match")}
    answer = web.json_response(seen, status=201 if request.method == "POST" else 200)
    answer.headers["ETag"] = '"v2"'
    answer.headers.add("Set-Cookie", "a=1")
    answer.headers.add("Set-Cookie", "b=2")
    return answer


async def _gzipped(request: web.Request) -> web.Response:
    return web.Response(body=gzip.compress(b'{"items": [1, 2]}'), headers={"Content-Encoding": "gzip"})


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(text="late")


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/echo")


async def _missing(request: web.Request) -> web.Response:
    return web.json_response({"rule": "skp.not_found"}, status=404)


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.add_routes(
        [
            web.route("*", "/echo", _echo),
            web.get("/gzip", _gzipped),
            web.get("/slow", _slow),
            web.get("/missing", _missing),
            web.get("/redirect", _redirect),
        ]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_a_call_reads_as_through_httpx_own_transport(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, transport=AiohttpTransport()) as client:
        posted = await client.post("/echo", json={"periode": "2024-S1"}, headers={"If-Match": '"v1"'})
        assert posted.status_code == 201
        seen = posted.json()
        assert (seen["method"], json.loads(seen["body"]), seen["if_match"]) == ("POST", {"periode": "2024-S1"}, '"v1"')
        assert posted.headers["ETag"] == '"v2"'
        assert posted.headers.get_list("Set-Cookie") == ["a=1", "b=2"]

        head = await client.head("/echo")
        assert (head.status_code, head.content) == (200, b"")
        assert (await client.get("/missing")).json() == {"rule": "skp.not_found"}
        assert (await client.get("/gzip")).json() == {"items": [1, 2]}  # decoded once, by aiohttp
        redirect = await client.get("/redirect")
        assert (redirect.status_code, redirect.headers["Location"]) == (302, "/echo")  # httpx decides to follow


async def test_failures_are_httpx_errors(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, transport=AiohttpTransport(), timeout=0.3) as client:
        with pytest.raises(httpx.TimeoutException):
            await client.get("/slow")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.TransportError):
            await client.get(f"http://127.0.0.1:{closed}/echo")
