"""The evaluation document: a real PDF whose text, read back with pypdf, says who, what was planned and rated."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from pmm_kernel.nip import AsnStatus, parse_nip

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import Bus, appraise, penilaian_of, rate  # noqa: E402

pytestmark = pytest.mark.integration


def text_of(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_the_document_of_a_final_penilaian(client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    rated = await rate(
        client, tokens, ks, item, "di_atas", "di_atas",
        umpan_balik={"kolaboratif": "Aktif di komunitas belajar"}, catatan="Bagikan praktik baik",
    )  # fmt: skip
    draft = text_of(await client.get(f"/api/v1/penilaian/{item['id']}/dokumen", headers=guru.headers(tokens)))
    assert "DRAFT" in draft
    await appraise_final(client, tokens, ks, item["id"], rated.headers["ETag"])

    for reader in (guru, ks):  # the teacher and the atasan may both download it
        text = text_of(await client.get(f"/api/v1/penilaian/{item['id']}/dokumen", headers=reader.headers(tokens)))
        grouped = parse_nip(guru.nip, AsnStatus.PNS, today=date(2024, 6, 10)).grouped()
        assert grouped in text and guru.nip not in text  # "19860926 201505 1 001", never the bare digits
        assert parse_nip(ks.nip, AsnStatus.PNS, today=date(2024, 6, 10)).grouped() in text  # the penilai
        for expected in (
            "FINAL",
            guru.nama,
            f"SD Negeri Uji {school.npsn}",
            "Guru Mapel Ahli Pertama",
            "D.1.3 Kualitas pembelajaran: metode pembelajaran",
            "PK-01 Mengikuti pelatihan mandiri di PMM",
            "Sangat Baik",
            "perilaku di_atas x hasil_kerja di_atas",
            "Di atas ekspektasi",
            "Aktif di komunitas belajar",
            "Bagikan praktik baik",
            "9.38",  # Ahli Pertama, Sangat Baik, one semester: 6/12 x 150 % x 12.5
            "Angka kredit kumulatif",
        ):
            assert expected in text, expected
        assert "DRAFT" not in text


async def appraise_final(client, tokens, ks, penilaian_id: str, version_etag: str) -> None:
    done = await client.post(
        f"/api/v1/penilaian/{penilaian_id}/finalisasi", headers={**ks.headers(tokens), "If-Match": version_etag}
    )
    assert done.status_code == 200, done.text


async def test_a_pppk_number_is_grouped_as_ni_pppk(client, tokens, world):
    school = await world.school(teachers=0)
    guru = world.person("Guru Kelas", school.npsn, status="PPPK")
    async with Bus(world.bus_url) as bus:
        await world.register(bus, guru, school.kode_wilayah)
        await world.relate(bus, guru, school.kepala, "kepala_sekolah")
    await world.wait_relations([guru])
    await world.cycle(guru)
    done = await appraise(client, tokens, school.kepala, guru, "sesuai", "sesuai")
    text = text_of(await client.get(f"/api/v1/penilaian/{done['id']}/dokumen", headers=guru.headers(tokens)))
    assert "NI PPPK" in text
    assert parse_nip(guru.nip, AsnStatus.PPPK, today=date(2024, 6, 10)).grouped() in text


async def test_no_document_before_the_atasan_rates(client, tokens, world):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, school.kepala, guru)
    response = await client.get(f"/api/v1/penilaian/{item['id']}/dokumen", headers=guru.headers(tokens))
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "dokumen.belum_dinilai"
