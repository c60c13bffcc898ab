"""httpx's interface over aiohttp's connection pool, for the drivers `make bench` runs as load.

The cycle drives every service through the demo's drivers, which speak httpx. On this machine httpx spent about
1.8 ms of the client's CPU on each call to a local server, and this transport under the same httpx client about
0.75 ms (aiohttp's own parser and pool, measured with a bare Starlette server): on two cores shared with the services,
the difference is CPU the services get back, so the cycle measures them rather than its client. The demo itself
keeps httpx's own transport.
"""

from __future__ import annotations

import aiohttp
import httpx

# Set by aiohttp from the request it sends, or meaningless between two different connections.
_HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive"})
# aiohttp hands back the body decoded; the headers that described its encoding no longer hold.
_DECODED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session, opened on the first request (inside the running loop), closed with the client."""

    def __init__(self, *, connections: int = 100) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._connections))
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
        timeout = request.extensions.get("timeout", {})
        try:
            async with self._session.request(
                request.method,
                str(request.url),
                headers=headers,
                data=await request.aread() or None,
                allow_redirects=False,  # httpx's client follows redirects itself, when asked to
                timeout=aiohttp.ClientTimeout(total=timeout.get("read"), connect=timeout.get("connect")),
            ) as answer:
                body = await answer.read()
                kept = [(k, v) for k, v in answer.headers.items() if k.lower() not in _DECODED]
                return httpx.Response(answer.status, headers=kept, content=body, request=request)
        except TimeoutError as exc:
            raise httpx.TimeoutException(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.TransportError(str(exc), request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
