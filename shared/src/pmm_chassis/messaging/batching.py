"""Gathering what is waiting into batches: up to `size` items, or what came within `wait_seconds` of the oldest.

The consumer hands each delivered message to a `Batcher` and awaits its verdict; one worker task applies the
batches one after another, in arrival order (so messages of one aggregate are applied in the order they came).
The worker runs in a context of its own, not in the first message's: each message's telemetry context is attached
only while that message is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Batcher(Generic[T]):
    def __init__(self, apply: Callable[[list[T]], Awaitable[None]], *, size: int, wait_seconds: float) -> None:
        if size < 1:
            raise ValueError("a batch holds at least one item")
        self._apply = apply
        self._size = size
        self._wait = wait_seconds
        self._pending: list[tuple[float, T]] = []
        self._full = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    @property
    def size(self) -> int:
        return self._size

    def add(self, item: T) -> None:
        loop = asyncio.get_running_loop()
        self._pending.append((loop.time(), item))
        if len(self._pending) >= self._size:
            self._full.set()
        if self._worker is None:
            self._worker = loop.create_task(self._run(), context=contextvars.Context())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                remaining = self._pending[0][0] + self._wait - loop.time()
                if len(self._pending) < self._size and remaining > 0:
                    self._full.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._full.wait(), timeout=remaining)
                taken, self._pending = self._pending[: self._size], self._pending[self._size :]
                await self._apply([item for _, item in taken])
        finally:
            self._worker = None
