"""The catalogue: `(type, version)` -> payload model, and the routing key of each.

Routing key: `<producer>.<aggregate>.<event>.v<N>`, e.g. `planning.skp.approved.v1`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import ValidationError

from pmm_contracts.envelope import Envelope, EventData
from pmm_contracts.events import appraisal, bkn_sync, observation, planning

_MODELS: tuple[type[EventData], ...] = (
    planning.SekolahRegisteredV1,
    planning.SekolahUpdatedV1,
    planning.PegawaiRegisteredV1,
    planning.PegawaiUpdatedV1,
    planning.AtasanAssignedV1,
    planning.AtasanUpdatedV1,
    planning.PeriodeOpenedV1,
    planning.PeriodeWindowExtendedV1,
    planning.SkpSubmittedV1,
    planning.SkpApprovedV1,
    planning.SkpReturnedV1,
    planning.SkpResetV1,
    planning.SkpEndedV1,
    planning.KoreksiReportedV1,
    planning.KoreksiClosedV1,
    observation.PelaksanaanOpenedV1,
    observation.PelaksanaanClosedV1,
    observation.StepCompletedV1,
    observation.ObservasiRecordedV1,
    observation.BuktiAddedV1,
    observation.PelaksanaanCompletedV1,
    appraisal.PenilaianFinalizedV1,
    appraisal.PenilaianReopenedV1,
    bkn_sync.BknPegawaiChangedV1,
    bkn_sync.BknSkpReceivedV1,
    bkn_sync.PushSucceededV1,
    bkn_sync.PushFailedV1,
    bkn_sync.ConflictOpenedV1,
    bkn_sync.ConflictResolvedV1,
)

CATALOGUE: dict[tuple[str, int], type[EventData]] = {(m.TYPE, m.VERSION): m for m in _MODELS}
# A type names one event across all producers: two models claiming it would make decoding ambiguous.
assert len(CATALOGUE) == len(_MODELS), "two event models share a (type, version)"


def event_types() -> tuple[type[EventData], ...]:
    return _MODELS


def routing_key(model: type[EventData] | EventData) -> str:
    return f"{model.PRODUCER}.{model.TYPE}.v{model.VERSION}"


class ContractViolation(Exception):
    """A message that no retry can fix: not JSON, not an envelope, unknown type/version, or a payload that
    breaks its schema. The consumer parks it with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


D = TypeVar("D", bound=EventData, covariant=True)


@dataclass(frozen=True)
class Event(Generic[D]):
    """A decoded message: its envelope and its typed payload (`Event[SkpApprovedV1]` in a handler's signature)."""

    envelope: Envelope
    data: D


def encode(
    data: EventData, *, event_id: UUID, occurred_at: datetime, aggregate_id: str, aggregate_version: int
) -> bytes:
    envelope = Envelope.wrap(
        data,
        event_id=event_id,
        occurred_at=occurred_at,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
    )
    return envelope.model_dump_json().encode()


def decode(body: bytes | str | dict[str, Any]) -> Event:
    try:
        raw = body if isinstance(body, dict) else json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ContractViolation(f"body is not JSON: {exc.__class__.__name__}") from exc
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise ContractViolation(f"envelope invalid: {_summary(exc)}") from exc
    model = CATALOGUE.get((envelope.type, envelope.version))
    if model is None:
        raise ContractViolation(f"unknown event {envelope.type} v{envelope.version}")
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as exc:
        raise ContractViolation(f"{envelope.type} v{envelope.version} payload invalid: {_summary(exc)}") from exc
    return Event(envelope=envelope, data=data)


def _summary(exc: ValidationError) -> str:
    # Field paths and error types only: payloads hold personal data, so input values never reach a header or log.
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['type']}" for e in exc.errors()[:5]]
    return "; ".join(parts)
