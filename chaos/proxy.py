"""A TCP proxy between one service and the broker, to cut that service's network on demand (loopback only).

Modes:
- `pass`: bytes flow both ways.
- `blackhole`: connections stay open (and new ones are accepted) but every byte is dropped, as when a link
  goes dark; the client notices only through its heartbeats or its own timeouts.
- `reset`: every connection is reset (RST), and new ones are reset as soon as they are accepted.

Going back to `pass` after a blackhole resets the connections that were dark (their streams lost bytes, as a
firewall that forgot their state would), so the client reconnects on a clean stream.
"""

from __future__ import annotations

import asyncio
import socket
import struct

PASS, BLACKHOLE, RESET = "pass", "blackhole", "reset"


class TcpProxy:
    def __init__(self, *, listen_port: int, target_port: int, host: str = "127.0.0.1") -> None:
        self.listen_port, self.target_port, self.host = listen_port, target_port, host
        self.mode = PASS
        self._links: set[_Link] = set()
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.listen_port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for link in list(self._links):
            link.reset()

    def set_mode(self, mode: str) -> None:
        previous, self.mode = self.mode, mode
        if mode == RESET or (mode == PASS and previous == BLACKHOLE):
            for link in list(self._links):
                link.reset()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == RESET:
            _rst(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            _rst(writer)
            return
        link = _Link(self, writer, up_writer)
        self._links.add(link)
        try:
            await asyncio.gather(link.pump(reader, up_writer), link.pump(up_reader, writer))
        except asyncio.CancelledError:
            pass  # the run is ending: the loop cancels the links still open
        finally:
            self._links.discard(link)
            link.reset()


class _Link:
    def __init__(self, proxy: TcpProxy, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter) -> None:
        self.proxy, self.client, self.upstream = proxy, client, upstream

    async def pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                if self.proxy.mode == PASS:
                    sink.write(data)
                    await sink.drain()
                # blackhole: read and drop, so the sender's buffers never fill and it cannot tell
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.reset()

    def reset(self) -> None:
        for writer in (self.client, self.upstream):
            _rst(writer)


def _rst(writer: asyncio.StreamWriter) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN: the peer sees "connection reset".
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None and sock.fileno() >= 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.close()
