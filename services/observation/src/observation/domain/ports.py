"""What observation reaches outside its database, as Protocols; `observation.adapters` implements them."""

from __future__ import annotations

from typing import Protocol


class ObjectStorage(Protocol):
    """Where the bytes of bukti dukung and of unfinished uploads live (keys: `observation.domain.storage`)."""

    async def put(self, key: str, data: bytes) -> None:
        """Write (or overwrite) one object, durably, before returning."""

    async def get(self, key: str) -> bytes:
        """The object's bytes; `KeyError` if there is none."""

    async def keys(self, prefix: str) -> list[str]:
        """Every key under `prefix`, sorted."""

    async def delete(self, key: str) -> None:
        """Remove an object; removing one that is not there is not an error."""
