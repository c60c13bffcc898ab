"""A small HTTP/1.1 load generator: keep-alive connections, prepared requests, latency of each.

httpx costs about a millisecond of client CPU per request; on a 2-core machine shared with the server that would
measure the client. Raw asyncio streams cost a fraction of that, so the server's figure is the server's.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.procs import percentile


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def json_request(method: str, path: str, headers: dict[str, str], payload: Any = None) -> Request:
    if payload is None:
        return Request(method, path, headers)
    return Request(method, path, {**headers, "Content-Type": "application/json"}, json.dumps(payload).encode())


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    responses: list[Response | None]

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400 or status == 0)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.requests / self.seconds, 1) if self.seconds else None,
            "p50_ms": _round(percentile(self.latencies_ms, 50)),
            "p99_ms": _round(percentile(self.latencies_ms, 99)),
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def _read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    else:
        body = b""
    return Response(status, headers, body)


async def run(
    base_url: str, requests: Sequence[Request], *, concurrency: int, keep: bool = False, timeout: float = 30.0
) -> LoadResult:
    """Sends every request once over `concurrency` connections; `keep` keeps the responses (in order)."""
    host_port = base_url.removeprefix("http://").rstrip("/")
    host, port = host_port.split(":")
    encoded = [r.encode(host_port) for r in requests]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    responses: list[Response | None] = [None] * len(requests)
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while next_index < len(encoded):
                index = next_index
                next_index += 1
                started = time.perf_counter()
                try:
                    writer.write(encoded[index])
                    response = await asyncio.wait_for(_read_response(reader), timeout)
                except (OSError, asyncio.IncompleteReadError, TimeoutError):
                    statuses[0] = statuses.get(0, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if keep:
                    responses[index] = response
                if response.headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, max(1, len(encoded))))))
    return LoadResult(len(encoded), time.perf_counter() - started, latencies, statuses, responses)
