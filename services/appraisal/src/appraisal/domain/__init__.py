"""Appraisal's rules (docs/domain.md §6): the predikat matrix, angka kredit and the predikat distribution.

Each rule table is data in `appraisal/domain/reference/<table>.toml`, one file per table, naming the regulation
and the version it reproduces: when a regulation changes, the file changes and the code does not. This
module holds what the three loaders share: reading a file and refusing a malformed one at start-up.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pmm_kernel.errors import InvalidValue

E = TypeVar("E", bound=StrEnum)

# Every reference file says where it comes from, so that a result can name its regulation.
HEADER_KEYS = frozenset({"regulation", "source", "version"})


class ReferenceFileError(ValueError):
    """A reference file is malformed: a deployment error, raised when the table is first loaded."""


def read_reference(name: str, path: Path | None = None) -> dict[str, Any]:
    """The parsed TOML of `path`, or of the packaged `reference/<name>.toml` when no path is given.

    Fractions are read as `Decimal` (koefisien 37.5): a binary float has no place in angka kredit.
    """
    packaged = resources.files("appraisal.domain") / "reference" / f"{name}.toml"
    entry: Traversable = path if path is not None else packaged
    try:
        doc = tomllib.loads(entry.read_bytes().decode("utf-8"), parse_float=Decimal)
    # RecursionError: tomllib recurses per nesting level, so `[[[[...` a few thousand deep escapes as no parse error.
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ReferenceFileError(f"reference file {entry.name}: {exc}") from exc
    for key in sorted(HEADER_KEYS):
        header_text(doc, key, where=entry.name)
    return doc


def only_keys(doc: dict[str, Any], allowed: frozenset[str] | set[str], what: str) -> None:
    # A misspelt key would otherwise be ignored and leave a rule silently at its default.
    unknown = set(doc) - set(allowed)
    if unknown:
        raise ReferenceFileError(f"unknown keys in {what}: {sorted(unknown)}; known: {sorted(allowed)}")


def header_text(doc: dict[str, Any], key: str, *, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReferenceFileError(f"{where}: {key} must be a non-empty string")
    return value


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_choice(kind: type[E], value: object, labels: Mapping[E, str], *, field: str, rule: str) -> E:
    """`value` as a member of `kind`: the member, its value ("ahli_muda") or its label ("Ahli Muda").

    Labels are accepted because the roster and BKN carry them; anything else is refused naming the field.
    """
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        text = " ".join(value.split()).casefold()
        for member in kind:
            if text in (member.value, labels[member].casefold()):
                return member
    shown = repr(value)[:40]
    choices = ", ".join(member.value for member in kind)
    raise InvalidValue(f"{field} {shown} is not one of: {choices}", rule=rule, field=field)
