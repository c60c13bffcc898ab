"""What bkn_sync reaches outside its database, as the use cases see it: BKN, chance and a stopwatch.

The clock is `pmm_kernel.clock.Clock`. Production wires `adapters.bkn_api.BknClient`, a `random.Random` and
`adapters.stopwatch.MonotonicStopwatch`; unit tests pass fakes that answer what the test needs.
"""

from __future__ import annotations

from typing import Any, Protocol

from bkn_sync.domain.bkn import FeedPage, HeldRecord, Identity, Outcome, Refused
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush


class BknPort(Protocol):
    """e-Kinerja and SIASN: every call ends as a value, or raises `CircuitOpen` when no call was made."""

    async def push(self, jenis: JenisPush, payload: dict[str, Any], who: Identity, periode: BknPeriode) -> Outcome: ...

    async def changes(self, since: int, limit: int) -> FeedPage | Refused: ...

    async def held(self, nip: str) -> list[HeldRecord] | Refused: ...

    def circuit(self) -> dict[str, Any]: ...


class Random(Protocol):
    """Jitter for retry delays, so that pushes that failed together do not come back in one wave."""

    def random(self) -> float:
        """A number in [0, 1)."""
        ...


class Stopwatch(Protocol):
    """How long a call to BKN took, on a clock that never goes back."""

    def seconds(self) -> float:
        """Seconds since an arbitrary origin: only differences mean anything."""
        ...
