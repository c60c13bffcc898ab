"""Domain events -> contract events: the only module that knows both planning's domain and the contracts."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from planning.domain import events
from planning.domain.skp_parts import RhkItem
from pmm_chassis.db.uow import Outgoing
from pmm_contracts import EventData
from pmm_contracts.events import planning as contract


@singledispatch
def to_contract(event: Any) -> Outgoing:
    raise TypeError(f"no contract for {type(event).__name__}")


@to_contract.register
def _(event: events.SekolahChanged) -> Outgoing:
    model = contract.SekolahRegisteredV1 if event.new else contract.SekolahUpdatedV1
    data = model(
        npsn=event.npsn,
        nama=event.nama,
        kode_wilayah=event.kode_wilayah,
        nama_wilayah=event.nama_wilayah,
        prioritas_rapor=list(event.prioritas_rapor),
    )
    return Outgoing(data, aggregate_id=f"sekolah:{event.npsn}", aggregate_version=event.version)


@to_contract.register
def _(event: events.PegawaiChanged) -> Outgoing:
    fields = {
        "pegawai_id": event.pegawai_id,
        "nip": event.nip,
        "status": event.status,
        "nama": event.nama,
        "pangkat_golongan": event.pangkat_golongan,
        "jenjang_jabatan": event.jenjang_jabatan,
        "jenis_gtk": event.jenis_gtk,
        "npsn": event.npsn,
        "kode_wilayah": event.kode_wilayah,
        "email": event.email,
        "tmt_jabatan": event.tmt_jabatan,
    }
    data = (
        contract.PegawaiUpdatedV1(**fields, changed=list(event.changed))
        if event.changed
        else contract.PegawaiRegisteredV1(**fields)
    )
    return Outgoing(data, aggregate_id=f"pegawai:{event.pegawai_id}", aggregate_version=event.version)


@to_contract.register
def _(event: events.AtasanChanged) -> Outgoing:
    model = contract.AtasanAssignedV1 if event.new else contract.AtasanUpdatedV1
    data = model(
        relasi_id=event.relasi_id,
        pegawai_id=event.pegawai_id,
        atasan_id=event.atasan_id,
        peran_atasan=event.peran_atasan,
        mulai=event.mulai,
        selesai=event.selesai,
    )
    return Outgoing(data, aggregate_id=f"relasi:{event.relasi_id}", aggregate_version=event.version)


@to_contract.register
def _(event: events.PeriodeOpened) -> Outgoing:
    data = contract.PeriodeOpenedV1.model_validate(event.snapshot)
    return Outgoing(data, aggregate_id=f"periode:{event.kode}", aggregate_version=1)


@to_contract.register
def _(event: events.WindowExtended) -> Outgoing:
    data = contract.PeriodeWindowExtendedV1(
        extension_id=event.extension_id,
        kode=event.kode,
        step=event.step,
        until=event.until,
        wilayah=event.wilayah,
        alasan=event.alasan,
    )
    return Outgoing(data, aggregate_id=f"periode:{event.kode}", aggregate_version=event.version)


def _ref(skp: events.SkpRef) -> dict[str, Any]:
    return {
        "skp_id": skp.skp_id,
        "pegawai_id": skp.pegawai_id,
        "periode": skp.periode,
        "atasan_id": skp.atasan_id,
        "bagian": skp.bagian,
        "npsn": skp.npsn,
        "mulai": skp.mulai,
        "selesai": skp.selesai,
    }


def _skp_outgoing(skp: events.SkpRef, data: EventData) -> Outgoing:
    return Outgoing(data, aggregate_id=f"skp:{skp.skp_id}", aggregate_version=skp.version)


@to_contract.register
def _(event: events.SkpSubmitted) -> Outgoing:
    return _skp_outgoing(event.skp, contract.SkpSubmittedV1(**_ref(event.skp), submitted_at=event.at))


@to_contract.register
def _(event: events.SkpReturned) -> Outgoing:
    data = contract.SkpReturnedV1(**_ref(event.skp), returned_at=event.at, catatan=event.catatan)
    return _skp_outgoing(event.skp, data)


@to_contract.register
def _(event: events.SkpReset) -> Outgoing:
    return _skp_outgoing(event.skp, contract.SkpResetV1(**_ref(event.skp), reset_at=event.at, alasan=event.alasan))


@to_contract.register
def _(event: events.SkpApproved) -> Outgoing:
    indikator = event.indikator
    assert indikator is not None  # an approved plan has passed submit's completeness check
    data = contract.SkpApprovedV1(
        **_ref(event.skp),
        approved_at=event.at,
        indikator=contract.IndikatorPart(
            kode=indikator.kode,
            nama=indikator.nama,
            perilaku_dianjurkan=list(indikator.perilaku_dianjurkan),
            perilaku_dihindari=list(indikator.perilaku_dihindari),
        ),
        rhk=[_rhk(item) for item in event.rhk],
        perilaku=[
            contract.PerilakuPart(kode=p.kode, nama=p.nama, ekspektasi_khusus=p.ekspektasi_khusus)
            for p in event.perilaku
        ],
    )
    return _skp_outgoing(event.skp, data)


@to_contract.register
def _(event: events.SkpEnded) -> Outgoing:
    data = contract.SkpEndedV1(**_ref(event.skp), ended_at=event.at, status=event.status, alasan=event.alasan)
    return _skp_outgoing(event.skp, data)


def _rhk(item: RhkItem) -> contract.RhkPart:
    return contract.RhkPart(
        kode=item.kode,
        nama=item.nama,
        kategori=item.kategori,
        rhk_atasan=item.rhk_atasan,
        aspek=item.aspek,
        indikator_kinerja_individu=item.indikator_kinerja_individu,
        target_kuantitas=item.target_kuantitas,
        satuan=item.satuan,
        poin=item.poin,
    )


def _koreksi_ref(ref: events.KoreksiRef) -> dict[str, Any]:
    return {
        "koreksi_id": ref.koreksi_id,
        "pegawai_id": ref.pegawai_id,
        "npsn": ref.npsn,
        "kode_wilayah": ref.kode_wilayah,
    }


@to_contract.register
def _(event: events.KoreksiReported) -> Outgoing:
    data = contract.KoreksiReportedV1(
        **_koreksi_ref(event.koreksi), jenis=event.jenis, field=event.field, reported_at=event.at
    )
    return Outgoing(data, aggregate_id=f"koreksi:{event.koreksi.koreksi_id}", aggregate_version=event.koreksi.version)


@to_contract.register
def _(event: events.KoreksiClosed) -> Outgoing:
    data = contract.KoreksiClosedV1(**_koreksi_ref(event.koreksi), status=event.status, closed_at=event.at)
    return Outgoing(data, aggregate_id=f"koreksi:{event.koreksi.koreksi_id}", aggregate_version=event.koreksi.version)
