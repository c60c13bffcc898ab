"""What arrives from appraisal: a finalised penilaian becomes pushes (kinerja periodik per triwulan or the annual
result, and the angka kredit), a reopened one stops what has not reached BKN yet.

A penilaian of one part of a period (a transfer splits it, one SKP per school) is pushed on its own: its keys are
the part's (`domain/bagian.push_bagian`: part 1's as they always were), its months the part's, as the event says."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from bkn_sync.db.uow import BknSyncUnitOfWork
from bkn_sync.domain.bagian import push_bagian
from bkn_sync.domain.periods import BknPeriode, triwulan
from bkn_sync.domain.push import JenisPush
from bkn_sync.usecases.push import not_asn, queue


@dataclass(frozen=True)
class Penilai:
    """The appraiser as e-Kinerja names them."""

    nip: str
    nama: str
    golongan: str | None
    jabatan: str
    unor: str
    status_penilai: str  # ASN | NON ASN


@dataclass(frozen=True)
class RecordPenilaianFinalized:
    penilaian_id: uuid.UUID
    pegawai_id: uuid.UUID
    periode: str
    jenis: str  # periodik | tahunan
    tahun_mulai: int
    bulan_mulai: int
    tahun_selesai: int
    bulan_selesai: int
    hasil_kerja_kode: int
    perilaku_kerja_kode: int
    predikat_kode: int
    jenjang: str | None
    koefisien: Decimal | None
    angka_kredit: Decimal | None  # None when no angka kredit applies
    angka_kredit_kumulatif: Decimal | None
    penilai: Penilai
    version: int  # the penilaian's version: an older event changes nothing
    bagian: int = 1  # the part of the period this penilaian rates


def _str(value: object) -> str | None:
    return None if value is None else str(value)


async def record_penilaian_finalized(cmd: RecordPenilaianFinalized, *, uow: BknSyncUnitOfWork) -> None:
    """A periodic penilaian goes as kinerja periodik per triwulan, an annual one as the skp22 result; the angka
    kredit goes for the whole period when there is one."""
    async with uow:
        if await not_asn(uow, cmd.pegawai_id):
            await uow.commit()
            return
        whole = BknPeriode(cmd.tahun_mulai, cmd.bulan_mulai, cmd.tahun_selesai, cmd.bulan_selesai)
        rating = {
            "penilaian_id": str(cmd.penilaian_id),
            "hasil_kerja_kode": cmd.hasil_kerja_kode,
            "perilaku_kerja_kode": cmd.perilaku_kerja_kode,
            "predikat_kode": cmd.predikat_kode,
            "koefisien": _str(cmd.koefisien),
            "jenjang": cmd.jenjang,
            "penilai": asdict(cmd.penilai),
        }
        # A part a transfer ended: its records go to the old school's SKP at BKN (`domain/bagian.unit_npsn`).
        plan = await uow.plans.get(cmd.pegawai_id, cmd.periode, cmd.bagian)
        ended = plan is not None and plan.npsn is not None and plan.selesai is not None
        school = {"npsn": plan.npsn, "selesai": plan.selesai.isoformat()} if ended else {}  # type: ignore[union-attr]
        rating.update(school)

        async def push(jenis: JenisPush, bagian: str, months: BknPeriode, payload: dict[str, Any]) -> None:
            await queue(
                uow,
                pegawai_id=cmd.pegawai_id,
                jenis=jenis,
                periode=cmd.periode,
                bagian=push_bagian(cmd.bagian, bagian),
                months=months,
                payload=payload,
                version=cmd.version,
            )

        if cmd.jenis == "periodik":
            for piece in triwulan(whole):
                await push(JenisPush.KINERJA_PERIODIK, piece.label, piece, rating)
        else:
            await push(JenisPush.SKP22, "", whole, rating)
        if cmd.angka_kredit is not None:
            kredit = {
                "penilaian_id": str(cmd.penilaian_id),
                "angka_kredit": str(cmd.angka_kredit),
                "angka_kredit_kumulatif": _str(cmd.angka_kredit_kumulatif),
                **school,
            }
            await push(JenisPush.ANGKA_KREDIT, "", whole, kredit)
        await uow.commit()


@dataclass(frozen=True)
class RecordPenilaianReopened:
    penilaian_id: uuid.UUID


async def record_penilaian_reopened(cmd: RecordPenilaianReopened, *, uow: BknSyncUnitOfWork) -> None:
    """What has not reached BKN yet stops; the next finalisation sends the new values (a new revision)."""
    async with uow:
        await uow.pushes.skip_penilaian(penilaian_id=str(cmd.penilaian_id), now=uow.clock.now())
        await uow.commit()
