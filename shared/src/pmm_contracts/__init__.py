"""The event contracts of PMM Kinerja: one package, versioned by name, never copied into a service.

`envelope` is the wrapper every event travels in; `events/<producer>.py` holds the payload models, one class per
type and version; `catalogue` maps `(type, version)` to its model and gives the routing key.
"""

from pmm_contracts.catalogue import (
    CATALOGUE,
    ContractViolation,
    Event,
    decode,
    encode,
    event_types,
    routing_key,
)
from pmm_contracts.envelope import Envelope, EventData

__all__ = [
    "CATALOGUE",
    "ContractViolation",
    "Envelope",
    "Event",
    "EventData",
    "decode",
    "encode",
    "event_types",
    "routing_key",
]
