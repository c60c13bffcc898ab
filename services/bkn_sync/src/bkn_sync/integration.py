"""Domain events -> contract events: the only module that knows both bkn_sync's domain and the contracts."""

from __future__ import annotations

import hashlib
from functools import singledispatch
from typing import Any

from bkn_sync.domain import events
from pmm_chassis.db.uow import Outgoing
from pmm_contracts.events import bkn_sync as contract


@singledispatch
def to_contract(event: Any) -> Outgoing:
    raise TypeError(f"no contract for {type(event).__name__}")


def nip_key(nip: str) -> str:
    """An aggregate id for a pegawai as BKN knows them that is stable but is not the NIP itself: aggregate ids
    reach logs and metrics, NIPs must not."""
    return hashlib.sha256(nip.encode()).hexdigest()[:20]


def _ref(ref: events.PushRef) -> dict[str, Any]:
    return {
        "push_id": ref.push_id,
        "pegawai_id": ref.pegawai_id,
        "periode": ref.periode,
        "jenis": ref.jenis,
        "bagian": ref.bagian,
    }


@to_contract.register
def _(event: events.PushSucceeded) -> Outgoing:
    data = contract.PushSucceededV1(
        **_ref(event.push), bkn_id=event.bkn_id, attempts=event.attempts, succeeded_at=event.at
    )
    return Outgoing(data, aggregate_id=f"push:{event.push.push_id}", aggregate_version=event.push.version)


@to_contract.register
def _(event: events.PushFailed) -> Outgoing:
    data = contract.PushFailedV1(
        **_ref(event.push),
        kode=event.kode,
        fixer=event.fixer,  # type: ignore[arg-type]  (a Fixer value; the contract's Literal lists them)
        action=event.action,
        attempts=event.attempts,
        failed_at=event.at,
    )
    return Outgoing(data, aggregate_id=f"push:{event.push.push_id}", aggregate_version=event.push.version)


@to_contract.register
def _(event: events.BknPegawaiChanged) -> Outgoing:
    data = contract.BknPegawaiChangedV1(
        nip=event.nip, changes=contract.ProfilChanges(**event.changes), siasn_updated_at=event.at
    )
    return Outgoing(data, aggregate_id=f"bkn_pegawai:{nip_key(event.nip)}", aggregate_version=event.seq)


@to_contract.register
def _(event: events.BknSkpReceived) -> Outgoing:
    data = contract.BknSkpReceivedV1(
        nip=event.nip,
        pegawai_id=event.pegawai_id,
        periode=event.periode,
        tahun=event.tahun,
        bulan_mulai=event.bulan_mulai,
        bulan_selesai=event.bulan_selesai,
        status_bkn=event.status_bkn,
        rhk=[contract.BknRhkPart(**row) for row in event.rhk],
        bkn_updated_at=event.at,
        conflict_id=event.conflict_id,
    )
    aggregate = f"bkn_skp:{nip_key(event.nip)}:{event.tahun}-{event.bulan_mulai:02d}-{event.bulan_selesai:02d}"
    return Outgoing(data, aggregate_id=aggregate, aggregate_version=event.seq)


@to_contract.register
def _(event: events.ConflictOpened) -> Outgoing:
    data = contract.ConflictOpenedV1(
        conflict_id=event.conflict_id,
        pegawai_id=event.pegawai_id,
        periode=event.periode,
        jenis=event.jenis,  # type: ignore[arg-type]
        fields=event.fields,
        opened_at=event.at,
    )
    return Outgoing(data, aggregate_id=f"conflict:{event.conflict_id}", aggregate_version=event.version)


@to_contract.register
def _(event: events.ConflictResolved) -> Outgoing:
    data = contract.ConflictResolvedV1(
        conflict_id=event.conflict_id,
        pegawai_id=event.pegawai_id,
        periode=event.periode,
        keputusan=event.keputusan,  # type: ignore[arg-type]
        resolved_at=event.at,
    )
    return Outgoing(data, aggregate_id=f"conflict:{event.conflict_id}", aggregate_version=event.version)
