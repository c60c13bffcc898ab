"""One statement over several tables (a record loaded in its context: a plan with its pegawai and school, a cycle with
its roster rows): each table's columns under a prefix of its own, so that the names they share (`id`, `version`,
`npsn`) do not collide, and the prefix taken off again for the mapping functions that read one table's row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any


class Prefixed:
    """The columns of `table` (or only those named) as `<prefix>_<column>` in a statement, and back."""

    def __init__(self, table: Any, prefix: str, names: Iterable[str] | None = None) -> None:
        self.table = table
        self.keys = tuple((f"{prefix}_{name}", name) for name in (names or [c.name for c in table.c]))

    def columns(self, source: Any = None) -> list[Any]:
        """The labelled columns, for the statement's select list: of `source` (an alias of the table) when given."""
        columns = (self.table if source is None else source).c
        return [columns[name].label(label) for label, name in self.keys]

    def values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """This table's part of a result row as a dict by its own column names: the keyword arguments of a record
        whose fields are named after the columns."""
        return {name: row[label] for label, name in self.keys}

    def of(self, row: Mapping[str, Any]) -> SimpleNamespace:
        """This table's part of a result row, by its own column names."""
        return SimpleNamespace(**self.values(row))

    def of_outer(self, row: Mapping[str, Any]) -> SimpleNamespace | None:
        """As `of`, for a table outer-joined: None when the join found no row (its first column, the key, is NULL)."""
        return self.of(row) if row[self.keys[0][0]] is not None else None
