"""A finalised penilaian goes to e-Kinerja (kinerja periodik per triwulan or the annual result, and the angka
kredit); a reopened one stops what has not gone yet."""

from __future__ import annotations

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.usecases import from_appraisal
from pmm_contracts import Event
from pmm_contracts.events.appraisal import PenilaianFinalizedV1, PenilaianReopenedV1


async def on_penilaian_finalized(event: Event[PenilaianFinalizedV1], uow: BknSyncUnitOfWork) -> None:
    data = event.data
    penilai = data.penilai
    await from_appraisal.record_penilaian_finalized(
        from_appraisal.RecordPenilaianFinalized(
            penilaian_id=data.penilaian_id,
            pegawai_id=data.pegawai_id,
            periode=data.periode,
            jenis=data.jenis,
            tahun_mulai=data.tahun_mulai,
            bulan_mulai=data.bulan_mulai,
            tahun_selesai=data.tahun_selesai,
            bulan_selesai=data.bulan_selesai,
            hasil_kerja_kode=data.hasil_kerja_kode,
            perilaku_kerja_kode=data.perilaku_kerja_kode,
            predikat_kode=data.predikat_kode,
            jenjang=data.jenjang,
            koefisien=data.koefisien,
            angka_kredit=data.angka_kredit,
            angka_kredit_kumulatif=data.angka_kredit_kumulatif,
            penilai=from_appraisal.Penilai(
                nip=penilai.nip,
                nama=penilai.nama,
                golongan=penilai.golongan,
                jabatan=penilai.jabatan,
                unor=penilai.unor,
                status_penilai=penilai.status_penilai,
            ),
            version=event.envelope.aggregate_version,
            bagian=data.bagian,
        ),
        uow=uow,
    )


async def on_penilaian_reopened(event: Event[PenilaianReopenedV1], uow: BknSyncUnitOfWork) -> None:
    await from_appraisal.record_penilaian_reopened(
        from_appraisal.RecordPenilaianReopened(penilaian_id=event.data.penilaian_id), uow=uow
    )
