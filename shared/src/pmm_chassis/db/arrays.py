"""Many rows as one statement: one array parameter per column, unnested into a derived table.

A statement over a set of rows (a run of messages' keys, their upserted values) built with a VALUES list or an IN
list has a new text for every set size, and SQLAlchemy and asyncpg compile and prepare it again each time. Bound as
arrays, the text is one for any number of rows: prepared once per connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine


def unnested(alias: str, prefix: str, columns: Mapping[str, TypeEngine[Any]]) -> Any:
    """A derived table named `alias`, one row per position of the array parameters `<prefix>_<column>` (one per
    column, of the type given); its columns are named as `columns` are."""
    arrays = (bindparam(f"{prefix}_{name}", type_=ARRAY(type_)) for name, type_ in columns.items())
    return func.unnest(*arrays).table_valued(*columns).render_derived(name=alias)


def array_parameters(prefix: str, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, list[Any]]:
    """The parameters of `unnested(..., prefix, ...)` for `rows`, each a tuple of values in the order of `names`."""
    listed = list(rows)
    return {f"{prefix}_{name}": [row[i] for row in listed] for i, name in enumerate(names)}
