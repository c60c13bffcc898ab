"""Domain events -> contract events: the only module that knows both appraisal's domain and the contracts."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from appraisal.domain import events
from appraisal.domain.penilaian import Penilaian
from pmm_chassis.db.uow import Outgoing
from pmm_contracts.events import appraisal as contract


@singledispatch
def to_contract(event: Any) -> Outgoing:
    raise TypeError(f"no contract for {type(event).__name__}")


def _outgoing(penilaian: Penilaian, data: Any) -> Outgoing:
    return Outgoing(data, aggregate_id=f"penilaian:{penilaian.id}", aggregate_version=penilaian.version)


@to_contract.register
def _(event: events.PenilaianFinalized) -> Outgoing:
    p = event.penilaian
    final, nilai = p.final, p.nilai
    assert final is not None and nilai is not None  # finalize() needs both
    ak, rentang, penilai = final.angka_kredit, final.rentang, final.penilai
    data = contract.PenilaianFinalizedV1(
        penilaian_id=p.id,
        pegawai_id=p.pegawai_id,
        periode=p.periode,
        jenis=rentang.jenis,  # type: ignore[arg-type]  (Jenis values are the contract's literals)
        nip=final.identitas.nip,
        bulan_mulai=rentang.bulan_mulai,
        bulan_selesai=rentang.bulan_selesai,
        tahun_mulai=rentang.tahun_mulai,
        tahun_selesai=rentang.tahun_selesai,
        hasil_kerja=nilai.hasil_kerja.value,  # type: ignore[arg-type]
        hasil_kerja_kode=nilai.hasil_kerja.bkn_code,
        perilaku_kerja=nilai.perilaku_kerja.value,  # type: ignore[arg-type]
        perilaku_kerja_kode=nilai.perilaku_kerja.bkn_code,
        predikat=nilai.predikat.value,
        predikat_kode=nilai.predikat.bkn_code,
        jenjang=ak.jenjang if ak else None,
        koefisien=ak.koefisien if ak else None,
        angka_kredit=ak.nilai if ak else None,
        angka_kredit_kumulatif=ak.kumulatif if ak else None,
        penilai=contract.Penilai(
            pegawai_id=penilai.pegawai_id,
            nip=penilai.nip,
            nama=penilai.nama,
            golongan=penilai.golongan,
            jabatan=penilai.jabatan,
            unor=penilai.unor,
            status_penilai=penilai.status_penilai,  # type: ignore[arg-type]
        ),
        finalized_at=final.at,
        hanya_perilaku=p.hanya_perilaku,
    )
    return _outgoing(p, data)


@to_contract.register
def _(event: events.PenilaianReopened) -> Outgoing:
    p = event.penilaian
    data = contract.PenilaianReopenedV1(
        penilaian_id=p.id,
        pegawai_id=p.pegawai_id,
        periode=p.periode,
        jenis=event.jenis,  # type: ignore[arg-type]
        alasan=event.alasan,
        reopened_at=event.at,
    )
    return _outgoing(p, data)
