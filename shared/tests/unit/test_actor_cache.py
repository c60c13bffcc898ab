"""The caller's roster id, remembered: hits are kept until they expire, misses are asked again every time."""

from __future__ import annotations

from pmm_chassis import actor_cache
from pmm_chassis.actor_cache import ActorCache


class Roster:
    def __init__(self, rows: dict[str, str]) -> None:
        self.rows = rows
        self.asked = 0

    def loader(self, nip: str):
        async def load() -> str | None:
            self.asked += 1
            return self.rows.get(nip)

        return load


async def test_a_hit_is_asked_once_and_a_miss_every_time() -> None:
    cache: ActorCache[str] = ActorCache()
    roster = Roster({"a": "id-a"})
    assert [await cache.get("a", roster.loader("a")) for _ in range(3)] == ["id-a"] * 3
    assert roster.asked == 1
    assert await cache.get("b", roster.loader("b")) is None
    roster.rows["b"] = "id-b"  # imported a moment later: found at once
    assert await cache.get("b", roster.loader("b")) == "id-b"
    assert roster.asked == 3


async def test_an_entry_expires_and_the_oldest_goes_first_when_full(monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr(actor_cache.time, "monotonic", lambda: now[0])
    cache: ActorCache[str] = ActorCache(ttl_seconds=60, max_entries=2)
    roster = Roster({"a": "id-a", "b": "id-b", "c": "id-c"})
    for nip in ("a", "b", "c"):
        await cache.get(nip, roster.loader(nip))
    assert roster.asked == 3
    await cache.get("a", roster.loader("a"))  # evicted by c
    assert roster.asked == 4
    now[0] += 61
    await cache.get("a", roster.loader("a"))  # expired
    assert roster.asked == 5
