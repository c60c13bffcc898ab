"""The appraiser's unor as BKN receives it: the Dinas for whoever appraises for the Dinas, else the school."""

from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from appraisal.domain.finalisasi import penilai

SEKOLAH = SimpleNamespace(npsn="20200001", nama="SDN 1 Bandung", kode_wilayah="3273", nama_wilayah="Kota Bandung")


def _atasan(jenis_gtk: str) -> Any:
    return SimpleNamespace(
        pegawai_id=uuid.uuid4(),
        nip="198001012005011001",
        nama="Atasan",
        status="PNS",
        pangkat_golongan="IV/a",
        jenjang_jabatan="Ahli Madya",
        jenis_gtk=jenis_gtk,
        npsn="20200099",
        kode_wilayah="3273",
        email=None,
        tmt_jabatan=date(2020, 1, 1),
    )


@pytest.mark.parametrize(
    ("peran_atasan", "jenis_gtk", "atasan_sekolah", "unor"),
    [
        ("kepala_sekolah", "Kepala Sekolah", "SDN 1 Bandung", "SDN 1 Bandung"),
        ("plt_kepala_sekolah", "Kepala Sekolah", "SDN 7 Bandung", "SDN 7 Bandung"),  # a Plt. from another school
        ("plt_kepala_sekolah", "Guru Kelas", None, "SDN 1 Bandung"),
        ("pengawas", "Pengawas Sekolah", None, "Dinas Pendidikan Kota Bandung"),
        ("koordinator_pengawas", "Pengawas Sekolah", None, "Dinas Pendidikan Kota Bandung"),
    ],
)
def test_the_unor_of_the_appraiser(peran_atasan: str, jenis_gtk: str, atasan_sekolah: str | None, unor: str) -> None:
    found = penilai(_atasan(jenis_gtk), peran_atasan=peran_atasan, sekolah=SEKOLAH, atasan_sekolah=atasan_sekolah)
    assert (found.unor, found.jabatan) == (unor, f"{jenis_gtk} Ahli Madya")
