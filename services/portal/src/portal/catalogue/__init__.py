"""Every user-facing string, in one catalogue per language (`<lang>/*.toml`, one file per area of the portal).

Keys are dotted (`perencanaan.langkah.data_diri`), the file's name first; a template asks
`t("...")`. A service's refusal is shown by its
rule id (`aturan.<rule>`), never by its English detail; a rule the catalogue does not know yet gets the general
message of its HTTP status, so a new rule in a service never shows English to a teacher.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
DEFAULT_LANGUAGE = "id"


class Catalogue:
    def __init__(self, messages: Mapping[str, str], language: str) -> None:
        self.messages = dict(messages)
        self.language = language

    @classmethod
    def load(cls, language: str = DEFAULT_LANGUAGE, root: Path = HERE) -> Catalogue:
        messages: dict[str, str] = {}
        for path in sorted((root / language).glob("*.toml")):
            table = tomllib.loads(path.read_text(encoding="utf-8"))
            # An area's file may name the rules of its own service in an [aturan] table of its own.
            _flatten(table.pop("aturan", {}), "aturan", messages)
            _flatten(table, path.stem, messages)
        return cls(messages, language)

    def __call__(self, key: str, **values: Any) -> str:
        text = self.messages.get(key)
        if text is None:
            raise KeyError(f"no message {key!r} in the {self.language} catalogue")
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.messages

    def rule(self, rule: str, status: int) -> str:
        """What a service's refusal means to the user: its rule's own message, else its status's."""
        for key in (f"aturan.{rule}", f"aturan.{rule.split('.')[0]}.*", f"aturan.http.{status}"):
            if key in self.messages:
                return self.messages[key]
        return self.messages["aturan.http.umum"]


def _flatten(table: Mapping[str, Any], prefix: str, into: dict[str, str]) -> None:
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(value, dotted, into)
        else:
            into[dotted] = str(value)
