"""Domain events -> contract events: the only module that knows both appraisal's domain and the contracts."""

from __future__ import annotations

import uuid
from functools import singledispatch
from typing import Any

from appraisal.domain import events
from pmm_chassis.db.uow import Outgoing
from pmm_contracts.events import appraisal as contract


@singledispatch
def to_contract(event: Any) -> Outgoing:
    raise TypeError(f"no contract for {type(event).__name__}")


def _outgoing(penilaian_id: uuid.UUID, version: int, data: Any) -> Outgoing:
    return Outgoing(data, aggregate_id=f"penilaian:{penilaian_id}", aggregate_version=version)


@to_contract.register
def _(event: events.PenilaianFinalized) -> Outgoing:
    penilai = event.penilai
    data = contract.PenilaianFinalizedV1(
        penilaian_id=event.penilaian_id,
        pegawai_id=event.pegawai_id,
        periode=event.periode,
        bagian=event.bagian,
        jenis=event.jenis,  # type: ignore[arg-type]  (Jenis values are the contract's literals)
        nip=event.nip,
        bulan_mulai=event.bulan_mulai,
        bulan_selesai=event.bulan_selesai,
        tahun_mulai=event.tahun_mulai,
        tahun_selesai=event.tahun_selesai,
        hasil_kerja=event.hasil_kerja.value,  # type: ignore[arg-type]
        hasil_kerja_kode=event.hasil_kerja.bkn_code,
        perilaku_kerja=event.perilaku_kerja.value,  # type: ignore[arg-type]
        perilaku_kerja_kode=event.perilaku_kerja.bkn_code,
        predikat=event.predikat.value,
        predikat_kode=event.predikat.bkn_code,
        jenjang=event.jenjang,
        koefisien=event.koefisien,
        angka_kredit=event.angka_kredit,
        angka_kredit_kumulatif=event.angka_kredit_kumulatif,
        penilai=contract.Penilai(
            pegawai_id=penilai.pegawai_id,
            nip=penilai.nip,
            nama=penilai.nama,
            golongan=penilai.golongan,
            jabatan=penilai.jabatan,
            unor=penilai.unor,
            status_penilai=penilai.status_penilai,  # type: ignore[arg-type]
        ),
        finalized_at=event.finalized_at,
        hanya_perilaku=event.hanya_perilaku,
    )
    return _outgoing(event.penilaian_id, event.version, data)


@to_contract.register
def _(event: events.PenilaianReopened) -> Outgoing:
    data = contract.PenilaianReopenedV1(
        penilaian_id=event.penilaian_id,
        pegawai_id=event.pegawai_id,
        periode=event.periode,
        bagian=event.bagian,
        jenis=event.jenis,  # type: ignore[arg-type]
        alasan=event.alasan,
        reopened_at=event.at,
    )
    return _outgoing(event.penilaian_id, event.version, data)
