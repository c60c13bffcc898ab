"""The storage port: where the bytes of bukti dukung and of unfinished uploads live.

Keys are made by the service (`unggahan/<id>/<offset>`, `bukti/<pelaksanaan>/<id>`), never from a file name.
`observation.db.storage` implements it on a local directory and on S3-compatible object storage.
"""

from __future__ import annotations

from typing import Protocol


class ObjectStorage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Write (or overwrite) one object, durably, before returning."""

    async def get(self, key: str) -> bytes:
        """The object's bytes; `KeyError` if there is none."""

    async def keys(self, prefix: str) -> list[str]:
        """Every key under `prefix`, sorted."""

    async def delete(self, key: str) -> None:
        """Remove an object; removing one that is not there is not an error."""


def part_key(upload_id: str, offset: int) -> str:
    # Zero-padded so that the sorted keys are the parts in offset order.
    return f"unggahan/{upload_id}/{offset:012d}"


def parts_prefix(upload_id: str) -> str:
    return f"unggahan/{upload_id}/"


def bukti_key(pelaksanaan_id: str, bukti_id: str) -> str:
    return f"bukti/{pelaksanaan_id}/{bukti_id}"
