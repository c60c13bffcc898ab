"""A domain value as the plain data an answer's JSON is built from: dataclasses as dicts, lists, tuples and dicts
walked, every other value as it is.

For the values answers are built from (frozen dataclasses whose leaves are strings, numbers, dates, ids, enums and
tuples of them) it answers what `dataclasses.asdict` answers, without asdict's deep copy of every leaf: the leaves
cannot change, and every dict, list and tuple is built anew, so an answer shares nothing a caller could change with
the plan or the catalogue it came from. A plan's steps are some fifty values, read on every Beranda and every step a
teacher saves. A namedtuple or a subclass of list, tuple or dict is passed as it is, not walked: no domain value is one.
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
