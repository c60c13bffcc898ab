"""What arrives from appraisal: a finalised penilaian becomes pushes, a reopened one stops them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bkn_sync.domain.conflict import Plan
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush, PushStatus
from bkn_sync.usecases import from_appraisal
from bkn_sync.usecases.from_appraisal import Penilai, RecordPenilaianFinalized, RecordPenilaianReopened

from ..fakes import PERIODE, stored_push, world

PENILAI = Penilai("197501012000011001", "Kepala", "IV/a", "Guru Ahli Madya", "SD Negeri 1", "ASN")
PENILAIAN = uuid.UUID(int=42)


def finalized(pegawai_id, *, jenis="periodik", angka_kredit=Decimal("12.5"), version=5) -> RecordPenilaianFinalized:
    return RecordPenilaianFinalized(
        penilaian_id=PENILAIAN,
        pegawai_id=pegawai_id,
        periode=PERIODE,
        jenis=jenis,
        tahun_mulai=2024,
        bulan_mulai=1,
        tahun_selesai=2024,
        bulan_selesai=6,
        hasil_kerja_kode=2,
        perilaku_kerja_kode=1,
        predikat_kode=2,
        jenjang="Ahli Pertama",
        koefisien=Decimal("12.5"),
        angka_kredit=angka_kredit,
        angka_kredit_kumulatif=None,
        penilai=PENILAI,
        version=version,
    )


async def test_a_periodic_penilaian_goes_per_triwulan_with_its_angka_kredit():
    w = world()
    await from_appraisal.record_penilaian_finalized(finalized(w.guru.pegawai_id), uow=w.uow)

    pushes = sorted(w.uow.pushes.rows.values(), key=lambda p: (p.jenis.value, p.bagian))
    assert [(p.jenis, p.bagian, p.months) for p in pushes] == [
        (JenisPush.ANGKA_KREDIT, "", BknPeriode(2024, 1, 2024, 6)),
        (JenisPush.KINERJA_PERIODIK, "2024-01..03", BknPeriode(2024, 1, 2024, 3)),
        (JenisPush.KINERJA_PERIODIK, "2024-04..06", BknPeriode(2024, 4, 2024, 6)),
    ]
    kredit, triwulan = pushes[0].payload, pushes[1].payload
    assert kredit == {"penilaian_id": str(PENILAIAN), "angka_kredit": "12.5", "angka_kredit_kumulatif": None}
    assert triwulan["koefisien"] == "12.5" and triwulan["predikat_kode"] == 2
    assert triwulan["penilai"] == {
        "nip": PENILAI.nip,
        "nama": "Kepala",
        "golongan": "IV/a",
        "jabatan": "Guru Ahli Madya",
        "unor": "SD Negeri 1",
        "status_penilai": "ASN",
    }
    assert all(p.source_version == 5 for p in pushes) and w.uow.committed


@pytest.mark.parametrize(
    ("angka_kredit", "jenis"), [(None, [JenisPush.SKP22]), (Decimal(3), [JenisPush.ANGKA_KREDIT, JenisPush.SKP22])]
)
async def test_an_annual_penilaian_goes_as_the_annual_result(angka_kredit, jenis):
    w = world()
    command = finalized(w.guru.pegawai_id, jenis="tahunan", angka_kredit=angka_kredit)
    await from_appraisal.record_penilaian_finalized(command, uow=w.uow)
    assert sorted(p.jenis for p in w.uow.pushes.rows.values()) == jenis


async def test_nothing_of_a_non_asn_goes_to_bkn():
    w = world()
    w.guru.status = "PPPK_PARUH_WAKTU"
    await from_appraisal.record_penilaian_finalized(finalized(w.guru.pegawai_id), uow=w.uow)
    assert w.uow.pushes.rows == {} and w.uow.committed


async def test_a_reopened_penilaian_stops_what_has_not_reached_bkn():
    w = world()
    payload = {"penilaian_id": str(PENILAIAN)}
    waiting = stored_push(w.uow, w.guru, jenis=JenisPush.SKP22, payload=payload)
    failed = stored_push(w.uow, w.guru, jenis=JenisPush.ANGKA_KREDIT, payload=payload, status=PushStatus.FAILED)
    sent = stored_push(w.uow, w.guru, jenis=JenisPush.KINERJA_PERIODIK, payload=payload, status=PushStatus.SUCCEEDED)
    another = stored_push(w.uow, w.ks, jenis=JenisPush.SKP22, payload={"penilaian_id": str(uuid.uuid4())})

    await from_appraisal.record_penilaian_reopened(RecordPenilaianReopened(PENILAIAN), uow=w.uow)

    status = {p.id: p.status for p in w.uow.pushes.rows.values()}
    assert status[waiting.id] is PushStatus.SKIPPED and status[failed.id] is PushStatus.SKIPPED
    assert status[sent.id] is PushStatus.SUCCEEDED and status[another.id] is PushStatus.PENDING
    assert w.uow.committed


async def test_finalised_again_after_a_reopen_the_new_values_go_as_a_new_revision():
    w = world()
    await from_appraisal.record_penilaian_finalized(
        finalized(w.guru.pegawai_id, jenis="tahunan", angka_kredit=None, version=5), uow=w.uow
    )
    await from_appraisal.record_penilaian_reopened(RecordPenilaianReopened(PENILAIAN), uow=w.uow)
    await from_appraisal.record_penilaian_finalized(
        finalized(w.guru.pegawai_id, jenis="tahunan", angka_kredit=None, version=7), uow=w.uow
    )
    [push] = w.uow.pushes.rows.values()
    assert (push.status, push.revision, push.source_version) == (PushStatus.PENDING, 2, 7)


# --- a penilaian of one part of a period (a transfer in the middle of it) --------------------------------------


async def test_a_penilaian_of_part_one_keeps_the_keys_it_always_had_and_part_two_goes_on_its_own():
    w = world()
    first = replace(finalized(w.guru.pegawai_id), bulan_selesai=3)  # part 1: January to March
    second = replace(finalized(w.guru.pegawai_id), penilaian_id=uuid.UUID(int=43), bagian=2, bulan_mulai=3, version=2)
    # Part 1 at the old school, ended by the transfer; part 2 at the school the roster names now.
    w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 1)] = Plan(
        w.guru.pegawai_id, PERIODE, uuid.UUID(int=7), True, 4, [], npsn="20200001", selesai=date(2024, 3, 15)
    )
    w.uow.plans.rows[(w.guru.pegawai_id, PERIODE, 2)] = Plan(
        w.guru.pegawai_id, PERIODE, uuid.UUID(int=8), True, 2, [], bagian=2, npsn="20200002"
    )
    await from_appraisal.record_penilaian_finalized(first, uow=w.uow)
    await from_appraisal.record_penilaian_finalized(second, uow=w.uow)

    pushes = sorted(w.uow.pushes.rows.values(), key=lambda p: (p.jenis.value, p.bagian))
    assert [(p.jenis, p.bagian, p.months) for p in pushes] == [
        (JenisPush.ANGKA_KREDIT, "", BknPeriode(2024, 1, 2024, 3)),
        (JenisPush.ANGKA_KREDIT, "2/", BknPeriode(2024, 3, 2024, 6)),
        (JenisPush.KINERJA_PERIODIK, "2/2024-03..03", BknPeriode(2024, 3, 2024, 3)),
        (JenisPush.KINERJA_PERIODIK, "2/2024-04..06", BknPeriode(2024, 4, 2024, 6)),
        (JenisPush.KINERJA_PERIODIK, "2024-01..03", BknPeriode(2024, 1, 2024, 3)),
    ]
    # The ended part's records go to the old school's SKP; the current part's name the roster's school at attempt
    # time, as every push did before parts.
    assert all(p.payload["npsn"] == "20200001" for p in pushes if not p.bagian.startswith("2/"))
    assert all("npsn" not in p.payload for p in pushes if p.bagian.startswith("2/"))


async def test_an_annual_result_of_a_second_part_is_its_own_push():
    w = world()
    await from_appraisal.record_penilaian_finalized(finalized(w.guru.pegawai_id, jenis="tahunan"), uow=w.uow)
    second = replace(finalized(w.guru.pegawai_id, jenis="tahunan"), penilaian_id=uuid.UUID(int=43), bagian=2)
    await from_appraisal.record_penilaian_finalized(second, uow=w.uow)
    keys = sorted((p.jenis.value, p.bagian) for p in w.uow.pushes.rows.values())
    assert keys == [("angkakredit", ""), ("angkakredit", "2/"), ("skp22", ""), ("skp22", "2/")]
