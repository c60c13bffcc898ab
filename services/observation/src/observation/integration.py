"""Domain events -> contract events: the only module that knows both observation's domain and the contracts."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from observation.domain import events
from pmm_chassis.db.uow import Outgoing
from pmm_contracts import EventData
from pmm_contracts.events import observation as contract
from pmm_contracts.events.planning import IndikatorPart


@singledispatch
def to_contract(event: Any) -> Outgoing:
    raise TypeError(f"no contract for {type(event).__name__}")


def _ref(ref: events.Ref) -> dict[str, Any]:
    return {
        "pelaksanaan_id": ref.pelaksanaan_id,
        "skp_id": ref.skp_id,
        "pegawai_id": ref.pegawai_id,
        "periode": ref.periode,
    }


def _outgoing(ref: events.Ref, data: EventData) -> Outgoing:
    return Outgoing(data, aggregate_id=f"pelaksanaan:{ref.pelaksanaan_id}", aggregate_version=ref.version)


def rubric_summary(rubrik: events.Rubrik) -> contract.RubricSummary:
    return contract.RubricSummary(
        mode=rubrik.mode,  # type: ignore[arg-type]  (checked against MODE_OBSERVASI by the domain)
        belum_dilakukan=rubrik.count("belum_dilakukan"),
        belum_efektif=rubrik.count("belum_efektif"),
        efektif=rubrik.count("efektif"),
        items=[
            contract.RubricItem(perilaku=i.perilaku, jenis=i.jenis, nilai=i.nilai, catatan=i.catatan)  # type: ignore[arg-type]
            for i in rubrik.items
        ],
    )


@to_contract.register
def _(event: events.PelaksanaanOpened) -> Outgoing:
    indikator = IndikatorPart(
        kode=event.indikator.kode,
        nama=event.indikator.nama,
        perilaku_dianjurkan=list(event.indikator.perilaku_dianjurkan),
        perilaku_dihindari=list(event.indikator.perilaku_dihindari),
    )
    data = contract.PelaksanaanOpenedV1(
        **_ref(event.ref), atasan_id=event.atasan_id, indikator=indikator, opened_at=event.at
    )
    return _outgoing(event.ref, data)


@to_contract.register
def _(event: events.PelaksanaanClosed) -> Outgoing:
    return _outgoing(
        event.ref, contract.PelaksanaanClosedV1(**_ref(event.ref), reason=event.reason, closed_at=event.at)
    )


@to_contract.register
def _(event: events.StepCompleted) -> Outgoing:
    data = contract.StepCompletedV1(**_ref(event.ref), step=event.step, completed_at=event.at)  # type: ignore[arg-type]
    return _outgoing(event.ref, data)


@to_contract.register
def _(event: events.ObservasiRecorded) -> Outgoing:
    data = contract.ObservasiRecordedV1(
        **_ref(event.ref), atasan_id=event.atasan_id, rubric=rubric_summary(event.rubrik), observed_at=event.at
    )
    return _outgoing(event.ref, data)


@to_contract.register
def _(event: events.PelaksanaanCompleted) -> Outgoing:
    data = contract.PelaksanaanCompletedV1(
        **_ref(event.ref),
        atasan_id=event.atasan_id,
        rubric=rubric_summary(event.rubrik) if event.rubrik else None,
        bukti_count=event.bukti_count,
        completed_at=event.at,
    )
    return _outgoing(event.ref, data)


@to_contract.register
def _(event: events.BuktiAdded) -> Outgoing:
    data = contract.BuktiAddedV1(
        pelaksanaan_id=event.pelaksanaan_id,
        skp_id=event.skp_id,
        pegawai_id=event.pegawai_id,
        periode=event.periode,
        bukti_id=event.bukti_id,
        kategori=event.kategori,
        media_type=event.media_type,
        size_bytes=event.size_bytes,
        sha256=event.sha256,
        outside_period=event.outside_period,
        added_at=event.at,
    )
    return Outgoing(data, aggregate_id=f"bukti:{event.bukti_id}", aggregate_version=1)
