"""Planning's event consumers: the contract event in, a use case called, nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from planning.handlers.on_bkn_pegawai_changed import on_bkn_pegawai_changed
from pmm_chassis.messaging.consumer import Handler
from pmm_contracts import EventData
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1

HANDLERS: Mapping[type[EventData], Handler] = {
    BknPegawaiChangedV1: on_bkn_pegawai_changed,
}
