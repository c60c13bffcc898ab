"""Who a token's subject is in the roster, remembered for a minute: every request resolves its caller, and at a
deadline the same teachers and kepala sekolah call again and again.

Only hits are kept: a NIP's roster row is never deleted and never changes its id (imports update it in place), so
a remembered hit stays right; a miss is asked again, so a teacher imported a moment ago is found at once. What else
a service keeps beside the id (a school) is bounded by the time to live, as a cache in front of a projection is.
One cache per app (the service's `Deps`), never per process: tests run several apps over different databases.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ActorCache(Generic[T]):
    def __init__(self, *, ttl_seconds: float = 60.0, max_entries: int = 20_000) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()

    async def get(self, subject: str, load: Callable[[], Awaitable[T | None]]) -> T | None:
        now = time.monotonic()
        entry = self._entries.get(subject)
        if entry is not None and entry[0] > now:
            self._entries.move_to_end(subject)
            return entry[1]
        found = await load()
        if found is None:
            self._entries.pop(subject, None)
            return None
        self._entries[subject] = (now + self._ttl, found)
        self._entries.move_to_end(subject)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return found
