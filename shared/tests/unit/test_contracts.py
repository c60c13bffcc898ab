"""The committed JSON Schemas are the public contract: an incompatible change needs a new version."""

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from pmm_contracts import CATALOGUE, ContractViolation, decode, encode, event_types, routing_key
from pmm_contracts.events.planning import SkpReturnedV1
from pmm_contracts.schemas import SCHEMA_DIR, file_name, incompatibilities, schema_of


@pytest.mark.parametrize("model", event_types(), ids=routing_key)
def test_committed_schema_matches_the_model(model):
    committed_file = SCHEMA_DIR / file_name(model)
    assert committed_file.exists(), f"no committed schema for {routing_key(model)}: run make schemas"
    committed = json.loads(committed_file.read_text())
    current = schema_of(model)
    problems = incompatibilities(committed, current)
    assert not problems, f"{routing_key(model)} changed incompatibly; publish a V{model.VERSION + 1}: {problems}"
    assert committed == json.loads(json.dumps(current, sort_keys=True)), "compatible change: run make schemas"


def test_every_committed_schema_still_has_its_model():
    known = {file_name(m) for m in event_types()} | {"envelope.json"}
    assert {p.name for p in SCHEMA_DIR.glob("*.json")} <= known


OLD = {
    "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "e": {"enum": ["x", "y"]}},
    "required": ["a"],
}


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ({**OLD, "properties": {**OLD["properties"], "c": {"type": "string"}}}, []),
        ({**OLD, "properties": {**OLD["properties"], "a": {"type": "string", "description": "x"}}}, []),
        ({**OLD, "properties": {"a": {"type": "string"}, "e": {"enum": ["x", "y"]}}}, ["b: removed"]),
        ({**OLD, "properties": {**OLD["properties"], "b": {"type": "string"}}}, ["b: type changed"]),
        ({**OLD, "required": ["a", "b"]}, ["b: became required"]),
        ({**OLD, "properties": {**OLD["properties"], "e": {"enum": ["x"]}}}, ["e: enum narrowed"]),
        ({**OLD, "properties": {**OLD["properties"], "e": {"enum": ["x", "y", "z"]}}}, []),
    ],
    ids=["optional-added", "description", "removed", "retyped", "required", "enum-narrowed", "enum-widened"],
)
def test_compatibility_rules(new, expected):
    assert incompatibilities(OLD, new) == expected


def _returned():
    return SkpReturnedV1(
        skp_id=uuid4(),
        pegawai_id=uuid4(),
        periode="2024-S1",
        atasan_id=uuid4(),
        returned_at=datetime(2024, 1, 20, tzinfo=UTC),
        catatan="Lengkapi target",
    )


def test_round_trip_and_routing_key():
    data = _returned()
    body = encode(
        data,
        event_id=uuid4(),
        occurred_at=datetime.now(UTC),
        aggregate_id=str(data.skp_id),
        aggregate_version=3,
    )
    event = decode(body)
    assert event.data == data
    assert event.envelope.aggregate_version == 3
    assert routing_key(data) == "planning.skp.returned.v1"
    assert CATALOGUE[("skp.returned", 1)] is SkpReturnedV1


def test_unknown_fields_are_ignored_by_the_consumer():
    data = _returned()
    raw = json.loads(
        encode(data, event_id=uuid4(), occurred_at=datetime.now(UTC), aggregate_id="x", aggregate_version=1)
    )
    raw["data"]["added_later"] = {"anything": 1}
    raw["also_new_in_envelope"] = True
    assert decode(raw).data == data


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (b"[]", "envelope invalid"),
        (b'{"event_id": "nope"}', "envelope invalid"),
        ("unknown-type", "unknown event"),
        ("unknown-version", "unknown event"),
        ("bad-payload", "payload invalid"),
    ],
)
def test_violations_name_their_reason(body, reason):
    if isinstance(body, str):
        raw = json.loads(
            encode(
                _returned(),
                event_id=uuid4(),
                occurred_at=datetime.now(UTC),
                aggregate_id="x",
                aggregate_version=1,
            )
        )
        if body == "unknown-type":
            raw["type"] = "skp.exploded"
        elif body == "unknown-version":
            raw["version"] = 9
        else:
            raw["data"]["returned_at"] = "yesterday"
        body = json.dumps(raw).encode()
    with pytest.raises(ContractViolation) as err:
        decode(body)
    assert reason in err.value.reason


def test_violation_reason_never_echoes_the_payload():
    raw = json.loads(
        encode(
            _returned(),
            event_id=uuid4(),
            occurred_at=datetime.now(UTC),
            aggregate_id="x",
            aggregate_version=1,
        )
    )
    raw["data"]["catatan"] = {"nip": "198609262015051001"}
    with pytest.raises(ContractViolation) as err:
        decode(json.dumps(raw))
    assert "198609262015051001" not in err.value.reason


def test_the_readme_event_catalogue_is_generated_from_the_contracts():
    from pathlib import Path

    from pmm_contracts.docs import render_into

    readme = Path(__file__).resolve().parents[3] / "README.md"
    text = readme.read_text()
    assert render_into(text) == text, "the README's event catalogue is stale: run make schemas"
