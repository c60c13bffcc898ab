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
import yarl

# Set by aiohttp from the request it sends, or meaningless between two different connections; and the encodings
# offered, which are aiohttp's to offer, since it is aiohttp that decodes the answer.
_NOT_FORWARDED = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "accept-encoding"}
)
# aiohttp hands back the body decoded; the headers that described its encoding no longer hold.
_DECODED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session, opened on the first request (inside the running loop), closed with the client."""

    def __init__(self, *, connections: int = 100) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx's client keeps the cookies, as with its own transport
            )
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _NOT_FORWARDED]
        timeout = request.extensions.get("timeout", {})
        try:
            async with self._session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),  # httpx encoded it already
                headers=headers,
                data=await request.aread() or None,
                allow_redirects=False,  # httpx's client follows redirects itself, when asked to
                # httpx's limits, each as httpx means it: the wait for a pooled connection, the connect, each read
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
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
