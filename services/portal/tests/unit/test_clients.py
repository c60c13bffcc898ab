"""A service client lets at most `in_flight` requests into its connection pool at once (the others wait their
turn and are all answered); planning's periods are asked once for every page of the next few seconds."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from portal.clients.base import ServiceClient, ServiceDown
from portal.clients.planning import PlanningClient


async def _answer_slowly(state: dict[str, int], request: httpx.Request) -> httpx.Response:
    state["now"] += 1
    state["most"] = max(state["most"], state["now"])
    await asyncio.sleep(0.01)
    state["now"] -= 1
    return httpx.Response(200, json={"path": request.url.path})


@pytest.mark.parametrize("in_flight", [1, 3])
async def test_no_more_than_in_flight_requests_reach_the_pool(in_flight: int) -> None:
    state = {"now": 0, "most": 0}
    transport = httpx.MockTransport(lambda request: _answer_slowly(state, request))
    client = ServiceClient("planning", "http://planning", timeout=5, in_flight=in_flight, transport=transport)
    try:
        answers = await asyncio.gather(*(client.call("GET", f"/skp/{i}", token="t") for i in range(10)))
    finally:
        await client.close()
    assert state["most"] == in_flight
    assert sorted(a.body["path"] for a in answers) == sorted(f"/api/v1/skp/{i}" for i in range(10))


async def test_a_turn_that_never_comes_is_a_timeout() -> None:
    async def stuck(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1)
        return httpx.Response(200, json={})

    client = ServiceClient(
        "planning", "http://planning", timeout=0.1, in_flight=1, transport=httpx.MockTransport(stuck)
    )
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

    def planning(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            return httpx.Response(201, json={"step": "penilaian"})
        return httpx.Response(200, json=[{"kode": "2024-S1", "n": len(calls)}])

    client = PlanningClient("planning", "http://planning", timeout=5, transport=httpx.MockTransport(planning))
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
