"""Generate the JSON Schema of every event and check it against the committed copy.

`python -m pmm_contracts.schemas --write` rewrites `shared/schemas/`; the contract test calls `incompatibilities`
so that an incompatible change without a new version fails the build.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pmm_contracts.catalogue import event_types, routing_key
from pmm_contracts.envelope import Envelope, EventData

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def schema_of(model: type[EventData]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def file_name(model: type[EventData]) -> str:
    return f"{routing_key(model)}.json"


def incompatibilities(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """What a consumer built against `old` would trip over in `new`.

    Allowed within a version: new optional properties, new definitions, changed descriptions. Not allowed: a
    removed or retyped property, a property that became required, a narrowed enum.
    """
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_schema in old_props.items():
        if name not in new_props:
            problems.append(f"{path}{name}: removed")
            continue
        problems += _compare(old_schema, new_props[name], f"{path}{name}")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"{path}{name}: became required" for name in sorted(newly_required)]
    for name, old_def in old.get("$defs", {}).items():
        new_def = new.get("$defs", {}).get(name)
        if new_def is None:
            problems.append(f"$defs.{name}: removed")
        else:
            problems += incompatibilities(old_def, new_def, f"$defs.{name}.")
    return problems


def _strip(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip(v) for k, v in schema.items() if k not in ("description", "title", "default")}
    if isinstance(schema, list):
        return [_strip(v) for v in schema]
    return schema


def _compare(old: dict[str, Any], new: dict[str, Any], where: str) -> list[str]:
    if "enum" in old and "enum" in new:
        if not set(old["enum"]) <= set(new["enum"]):
            return [f"{where}: enum narrowed"]
        old, new = {**old, "enum": None}, {**new, "enum": None}
    if _strip(old) != _strip(new):
        return [f"{where}: type changed"]
    return []


def write_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for model in event_types():
        target = directory / file_name(model)
        target.write_text(json.dumps(schema_of(model), indent=2, sort_keys=True) + "\n")
        written.append(target)
    envelope = directory / "envelope.json"
    envelope.write_text(json.dumps(Envelope.model_json_schema(), indent=2, sort_keys=True) + "\n")
    return [*written, envelope]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the committed schemas")
    args = parser.parse_args()
    if args.write:
        for path in write_all():
            print(path)  # noqa: T201


if __name__ == "__main__":
    main()
