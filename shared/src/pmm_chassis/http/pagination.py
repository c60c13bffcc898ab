"""Opaque cursors: keyset pagination stays fast and stable while the list changes underneath."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from pmm_kernel.errors import InvalidValue

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor") from exc
    if not isinstance(value, dict):
        raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor")
    return value
