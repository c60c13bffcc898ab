"""A domain value as the plain data an answer's JSON is built from: dataclasses as dicts, lists and tuples walked,
every other value as it is.

It answers as `dataclasses.asdict` does, without the deep copy asdict makes of every leaf: an answer is built from
values the request just loaded and drops them once it is serialised, so the copy bought nothing but time (a plan's
steps are some fifty values, read on every Beranda and every step the teacher saves).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if kind is list or kind is tuple:
            return kind(plain(item) for item in value)
        if kind is dict:
            return {plain(key): plain(item) for key, item in value.items()}
        if not is_dataclass(value) or isinstance(value, type):
            return value
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    return {name: plain(getattr(value, name)) for name in names}
