"""Planning's event consumers: the contract event in, a command built, a use case called, nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from planning.handlers.on_bkn_pegawai_changed import on_bkn_pegawai_changed
from planning.handlers.on_bkn_skp_received import on_bkn_skp_received
from planning.usecases import Deps
from pmm_chassis.messaging.consumer import Handler, InRuns
from pmm_contracts import EventData
from pmm_contracts.events.bkn_sync import BknPegawaiChangedV1, BknSkpReceivedV1


def handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    """Every event planning consumes and its handler (SIASN's profile changes, BKN-side SKP edits)."""
    return {
        BknPegawaiChangedV1: InRuns(on_bkn_pegawai_changed),
        BknSkpReceivedV1: on_bkn_skp_received(deps),
    }
