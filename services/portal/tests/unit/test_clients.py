"""A service client lets at most `in_flight` requests into its connection pool at once (the others wait their
turn and are all answered); planning's periods are asked once for every page of the next few seconds; a read a page
may take from the last few seconds is kept per token and forgotten when that token changes anything.

Each client talks HTTP to a real server on a local port (aiohttp's test server), answering as the test says."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from aiohttp.test_utils import RawTestServer

from portal.clients import base
from portal.clients.base import ServiceClient, ServiceDown
from portal.clients.planning import PlanningClient

Answering = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serving(answer: Answering) -> AsyncIterator[str]:
    """The base URL of a local HTTP server that answers every request with `answer`."""
    server = RawTestServer(answer)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def _answer_slowly(state: dict[str, int], request: web.BaseRequest) -> web.StreamResponse:
    state["now"] += 1
    state["most"] = max(state["most"], state["now"])
    await asyncio.sleep(0.01)
    state["now"] -= 1
    return web.json_response({"path": request.path})


@pytest.mark.parametrize("in_flight", [1, 3])
async def test_no_more_than_in_flight_requests_reach_the_pool(in_flight: int) -> None:
    state = {"now": 0, "most": 0}
    async with serving(lambda request: _answer_slowly(state, request)) as url:
        client = ServiceClient("planning", url, timeout=5, in_flight=in_flight)
        try:
            answers = await asyncio.gather(*(client.call("GET", f"/skp/{i}", token="t") for i in range(10)))
        finally:
            await client.close()
    assert state["most"] == in_flight
    assert sorted(a.body["path"] for a in answers) == sorted(f"/api/v1/skp/{i}" for i in range(10))


async def test_a_turn_that_never_comes_is_a_timeout() -> None:
    async def stuck(request: web.BaseRequest) -> web.StreamResponse:
        await asyncio.sleep(1)
        return web.json_response({})

    async with serving(stuck) as url:
        client = ServiceClient("planning", url, timeout=0.1, in_flight=1)
        try:
            first = asyncio.ensure_future(client.call("GET", "/a", token="t"))
            await asyncio.sleep(0)
            with pytest.raises(ServiceDown, match="timeout"):
                await client.call("GET", "/b", token="t")
            first.cancel()
        finally:
            await client.close()


async def test_the_periods_answer_serves_every_page_until_an_extension_through_the_portal() -> None:
    calls: list[str] = []

    async def planning(request: web.BaseRequest) -> web.StreamResponse:
        calls.append(f"{request.method} {request.path}")
        if request.method == "POST":
            return web.json_response({"step": "penilaian"}, status=201)
        return web.json_response([{"kode": "2024-S1", "n": len(calls)}])

    async with serving(planning) as url:
        client = PlanningClient("planning", url, timeout=5)
        try:
            first = await client.periods("guru-token")
            second = await client.periods("another-persons-token")
            await client.extend_window("operator-token", "2024-S1", {"step": "penilaian"}, key="k1")
            third = await client.periods("guru-token")
        finally:
            await client.close()
    assert first == second == [{"kode": "2024-S1", "n": 1}]
    assert third == [{"kode": "2024-S1", "n": 3}]
    assert calls == ["GET /api/v1/periode", "POST /api/v1/periode/2024-S1/perpanjangan", "GET /api/v1/periode"]


async def test_pages_that_come_while_the_periods_are_asked_wait_for_that_one_answer() -> None:
    calls: list[str] = []
    release = asyncio.Event()

    async def planning(request: web.BaseRequest) -> web.StreamResponse:
        calls.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer refused-token":
            return web.json_response({"title": "token refused"}, status=401, content_type="application/problem+json")
        await release.wait()
        return web.json_response([{"kode": "2024-S1", "n": len(calls)}])

    async with serving(planning) as url:
        client = PlanningClient("planning", url, timeout=5)
        try:
            pages = [asyncio.create_task(client.periods(f"token-{i}")) for i in range(20)]
            await asyncio.sleep(0.2)
            release.set()
            answers = await asyncio.gather(*pages)
            assert calls == ["Bearer token-0"] and all(a == [{"kode": "2024-S1", "n": 1}] for a in answers)

            # The first asker's token is refused: that page gets the refusal, a page waiting with it asks again.
            client._periods = None
            calls.clear()
            release.clear()
            refused = asyncio.create_task(client.periods("refused-token"))
            waiting = asyncio.create_task(client.periods("guru-token"))
            await asyncio.sleep(0.1)
            release.set()
            with pytest.raises(base.SessionExpired):
                await refused
            assert await waiting == [{"kode": "2024-S1", "n": 2}]
            assert calls == ["Bearer refused-token", "Bearer guru-token"]
        finally:
            await client.close()


@asynccontextmanager
async def counting(calls: list[str]) -> AsyncIterator[ServiceClient]:
    """A client of a service that counts what it is asked and answers with that count."""

    async def answer(request: web.BaseRequest) -> web.StreamResponse:
        calls.append(f"{request.method} {request.path}?{request.query_string}")
        return web.json_response({"items": [{"n": len(calls)}]})

    async with serving(answer) as url:
        client = ServiceClient("planning", url, timeout=5)
        try:
            yield client
        finally:
            await client.close()


async def test_a_recent_read_is_the_same_tokens_own_and_forgotten_when_it_writes() -> None:
    calls: list[str] = []
    async with counting(calls) as client:
        first = await client.call("GET", "/pemberitahuan", token="guru", params={"limit": 20}, fresh_for=60)
        again = await client.call("GET", "/pemberitahuan", token="guru", params={"limit": 20}, fresh_for=60)
        other_query = await client.call("GET", "/pemberitahuan", token="guru", params={"limit": 5}, fresh_for=60)
        other_person = await client.call("GET", "/pemberitahuan", token="kepala", params={"limit": 20}, fresh_for=60)
        unkept = await client.call("GET", "/pemberitahuan", token="guru", params={"limit": 20})
        await client.call("POST", "/skp/1/submit", token="guru")
        after_write = await client.call("GET", "/pemberitahuan", token="guru", params={"limit": 20}, fresh_for=60)
        kepala_kept = await client.call("GET", "/pemberitahuan", token="kepala", params={"limit": 20}, fresh_for=60)
    assert again is first
    assert other_query.body != first.body and other_person.body != first.body and unkept.body != first.body
    assert after_write.body["items"] == [{"n": 6}]  # read again: the person sees what they just did
    assert kepala_kept is other_person  # another person's write forgets nothing of theirs
    assert len(calls) == 6


async def test_a_recent_read_is_asked_again_once_it_is_older_than_fresh_for(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    async with counting(calls) as client:
        await client.call("GET", "/koreksi/saya", token="guru", fresh_for=15)
        now[0] += 14.9
        await client.call("GET", "/koreksi/saya", token="guru", fresh_for=15)
        now[0] += 0.2
        late = await client.call("GET", "/koreksi/saya", token="guru", fresh_for=15)
    assert len(calls) == 2 and late.body["items"] == [{"n": 2}]


async def test_recent_reads_are_kept_for_a_bounded_number_of_people(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(base, "RECENT_PEOPLE", 3)
    async with counting(calls) as client:
        for person in ("a", "b", "c", "a", "d"):  # "a" seen again, so "b" is the least recently seen
            await client.call("GET", "/koreksi/saya", token=person, fresh_for=60)
        await client.call("GET", "/koreksi/saya", token="a", fresh_for=60)
        await client.call("GET", "/koreksi/saya", token="b", fresh_for=60)
    assert len(calls) == 5  # a, b, c, d, then b again: forgotten; a was still kept
