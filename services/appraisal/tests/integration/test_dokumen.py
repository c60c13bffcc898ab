"""The evaluation document: a real PDF whose text, read back with pypdf, says who, what was planned and rated."""

from __future__ import annotations

import io
import re
import sys
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from pmm_kernel.nip import AsnStatus, parse_nip

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import Bus, appraise, penilaian_of, rate  # noqa: E402

pytestmark = pytest.mark.integration

# What never reaches the paper: an enum's value or name (`di_atas`, `DIATAS_EKSPEKTASI`, `SANGAT_BAIK`, ...).
INTERNAL = re.compile(r"\b[A-Za-z]+_[A-Za-z_]+\b")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")  # fmt: skip


def text_of(response) -> str:
    """The document's text, its line breaks as spaces (table cells wrap where their width ends)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def assert_a4_pages_not_blank(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            assert [round(x, 1) for x in page.get_size()] == [595.3, 841.9]  # A4 in points
            pixels = bytes(page.render(scale=0.5, grayscale=True).buffer)
            assert pixels.count(0xFF) < len(pixels) * 0.995, "a blank page"
        return len(document)
    finally:
        document.close()


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
        response = await client.get(f"/api/v1/penilaian/{item['id']}/dokumen", headers=reader.headers(tokens))
        text = text_of(response)
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
            "KEMENTERIAN PENDIDIKAN DASAR DAN MENENGAH",
            "Dinas Pendidikan Kota Bandung",  # the school's region, as the roster names it
            "Semester 1 Tahun 2024 (Januari - Juni 2024)",
            "Realisasi",
            "Di atas ekspektasi (penilaian atasan)",  # beside each target: the atasan's rating, the assumption named
            "sistem tidak mencatat angka realisasi per RHK",
            "Sangat Baik",
            "hasil kerja: di atas ekspektasi; perilaku kerja: di atas ekspektasi",
            "Aktif di komunitas belajar",
            "Bagikan praktik baik",
            "6 bulan (Januari - Juni 2024)",
            "6 bulan dibagi 12 bulan, dikali 150% (predikat Sangat Baik), dikali koefisien 12,5 (Ahli Pertama) = 9,38",
            "Angka kredit kumulatif",
            "Predikat kinerja organisasi",
            "belum ditetapkan oleh Dinas",
            "DISTRIBUSI PREDIKAT KINERJA PEGAWAI",
        ):
            assert expected in text, expected
        for value in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif", "Kolaboratif"):
            assert value in text, value
        assert not INTERNAL.findall(text), INTERNAL.findall(text)
        assert "DRAFT" not in text
        assert assert_a4_pages_not_blank(response.content) >= 2  # the distribution page is a page of its own
        # One date: the day it is printed (the service's clock, 10 June 2024 in WIB), in the text and the metadata.
        meta = PdfReader(io.BytesIO(response.content)).metadata
        printed = f"{meta.creation_date.day} {BULAN[meta.creation_date.month - 1]} {meta.creation_date.year}"
        assert printed == "10 Juni 2024" and meta.creation_date.utcoffset().total_seconds() == 7 * 3600
        assert f"Kota Bandung, {printed}" in text and meta.title.endswith(printed)
        assert len(set(re.findall(rf"\d{{1,2}} (?:{'|'.join(BULAN)}) \d{{4}}", text))) == 1  # no other date printed


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


async def test_the_distribution_page_compares_the_school_with_its_predikat_organisasi(client, tokens, world, operator):
    school = await world.school(teachers=2)
    url = f"/api/v1/sekolah/{school.npsn}/predikat-organisasi/2024"
    assert (await client.put(url, json={"predikat_organisasi": "baik"}, headers=operator)).status_code == 200
    for guru in school.guru:
        await world.cycle(guru)
    first = await appraise(client, tokens, school.kepala, school.guru[0], "sesuai", "sesuai")
    await appraise(client, tokens, school.kepala, school.guru[1], "sesuai", "sesuai")
    response = await client.get(f"/api/v1/penilaian/{first['id']}/dokumen", headers=school.kepala.headers(tokens))
    text = text_of(response)
    for expected in (
        "Predikat kinerja organisasi: Baik (ditetapkan Dinas, tahun 2024)",
        "Baik 2 100,0%",  # both teachers Baik
        "paling banyak 70% pegawai Baik 2 dari 2 (100,0%) tidak sesuai",
        "harus ada pegawai Butuh Perbaikan dan/atau Kurang/Misconduct 0 dari 2 (0,0%) tidak sesuai",
        "bukan pembatas",
    ):
        assert expected in text, expected
    assert not INTERNAL.findall(text), INTERNAL.findall(text)
    assert_a4_pages_not_blank(response.content)
