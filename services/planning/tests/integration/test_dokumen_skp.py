"""The official SKP document: a real PDF whose text, read back with pypdf, has every part of the SKP format, whose
pages render (pypdfium2) as non-blank A4 pages, and whose RHK table spans pages without splitting a row."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date, datetime

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from pmm_kernel.clock import WIB
from pmm_kernel.nip import AsnStatus, parse_nip
from tools.demo import skp_steps
from tools.demo_roster import pns_nip, pppk_nip

pytestmark = pytest.mark.integration

FIRST_I = 8800  # this module's people: pns_nip(i) from here on (other modules use other ranges)
PERIODE = "2024-S1"
MULAI = "2023-07-01"
TODAY = datetime(2024, 1, 20, 9, 0, tzinfo=WIB)  # both planning windows of 2024-S1 are open
NPSN, NPSN_LAIN = "20998801", "20998802"
SEKOLAH = [
    {"npsn": NPSN, "nama": "SD Dokumen Satu", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"},
    {"npsn": NPSN_LAIN, "nama": "SD Dokumen Dua", "kode_wilayah": "3273", "nama_wilayah": "Kota Bandung"},
]
EKSPEKTASI = "Laporan kegiatan diserahkan tepat waktu"
RHK_ATASAN = "Meningkatnya kualitas pembelajaran di satuan pendidikan"
A4_POINTS = (595.27, 841.89)


@dataclass
class Person:
    nip: str
    nama: str
    jenis_gtk: str
    npsn: str
    status: str = "PNS"

    def row(self) -> dict[str, str]:
        senior = self.jenis_gtk in ("Kepala Sekolah", "Pengawas Sekolah")
        return {
            "nip": self.nip,
            "status": self.status,
            "nama": self.nama,
            "pangkat_golongan": "IX" if self.status == "PPPK" else ("IV/a" if senior else "III/b"),
            "jenjang_jabatan": "Ahli Madya" if senior else "Ahli Pertama",
            "jenis_gtk": self.jenis_gtk,
            "npsn": self.npsn,
        }

    def grouped(self) -> str:
        return parse_nip(self.nip, AsnStatus(self.status), today=TODAY.date()).grouped()


@dataclass
class People:
    pengawas: Person
    ks: Person
    ks_lain: Person
    guru: list[Person]
    pppk: Person
    peer: Person  # a teacher of the same school who owns no plan here

    def __post_init__(self) -> None:
        self._next = itertools.count()

    def teacher(self) -> Person:
        return self.guru[next(self._next)]


def operator(tokens, wilayah: str) -> dict[str, str]:
    return tokens.headers(f"op-dokumen-{wilayah}", "operator", wilayah=wilayah)


def guru(tokens, person: Person) -> dict[str, str]:
    return tokens.headers(person.nip, "guru")


def kepala(tokens, person: Person) -> dict[str, str]:
    return tokens.headers(person.nip, "guru", "kepala_sekolah")


async def _import(client, tokens, kind: str, rows: list[dict[str, str]]) -> None:
    response = await client.post(f"/api/v1/roster/{kind}", json=rows, headers=operator(tokens, "3273"))
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == [], response.json()


@pytest.fixture(scope="module")
async def people(client, tokens) -> People:
    ids = itertools.count(FIRST_I)

    def pns(nama: str, jenis_gtk: str, npsn: str = NPSN) -> Person:
        return Person(pns_nip(next(ids)), nama, jenis_gtk, npsn)

    pengawas = pns("Dokumen Pengawas", "Pengawas Sekolah")
    ks = pns("Dokumen Kepala", "Kepala Sekolah")
    ks_lain = pns("Dokumen Kepala Lain", "Kepala Sekolah", NPSN_LAIN)
    teachers = [pns(f"Dokumen Guru {letter}", "Guru Mapel") for letter in "ABCD"]
    pppk = Person(pppk_nip(next(ids)), "Dokumen Guru PPPK", "Guru Kelas", NPSN, status="PPPK")
    peer = pns("Dokumen Rekan", "Guru Kelas")
    everyone = [pengawas, ks, ks_lain, *teachers, pppk, peer]
    await _import(client, tokens, "sekolah", SEKOLAH)
    await _import(client, tokens, "pegawai", [p.row() for p in everyone])
    relasi = [
        {"nip_pegawai": p.nip, "nip_atasan": ks.nip, "peran_atasan": "kepala_sekolah", "mulai": MULAI}
        for p in (*teachers, pppk, peer)
    ]
    relasi += [
        {"nip_pegawai": k.nip, "nip_atasan": pengawas.nip, "peran_atasan": "pengawas", "mulai": MULAI}
        for k in (ks, ks_lain)
    ]
    await _import(client, tokens, "relasi", relasi)
    return People(pengawas, ks, ks_lain, teachers, pppk, peer)


@pytest.fixture(autouse=True)
def planning_is_open(set_clock) -> None:
    set_clock(TODAY)


@pytest.fixture(scope="module")
async def catalog(client, tokens, people) -> dict[str, dict]:
    response = await client.get("/api/v1/katalog/rhk", headers=guru(tokens, people.peer))
    assert response.status_code == 200, response.text
    return {item["kode"]: item for item in response.json()["items"]}


async def plan(client, tokens, owner: Person, steps, *, approve_by: Person | None = None) -> str:
    """A plan of `owner` drafted with `steps`; submitted, given an ekspektasi and approved when `approve_by`."""
    h = guru(tokens, owner)
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=h)
    assert created.status_code == 201, created.text
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    for step, body in steps:
        saved = await client.put(f"/api/v1/skp/{skp_id}/{step}", json=body, headers={**h, "If-Match": etag})
        assert saved.status_code == 200, (step, saved.text)
        etag = saved.headers["ETag"]
    if approve_by is None:
        return skp_id
    submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**h, "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    a = kepala(tokens, approve_by)
    expected = await client.put(
        f"/api/v1/skp/{skp_id}/ekspektasi-pimpinan",
        json={"ekspektasi_khusus": {"akuntabel": EKSPEKTASI}},
        headers={**a, "If-Match": submitted.headers["ETag"]},
    )
    assert expected.status_code == 200, expected.text
    approved = await client.post(f"/api/v1/skp/{skp_id}/approve", headers={**a, "If-Match": expected.headers["ETag"]})
    assert approved.status_code == 200, approved.text
    return skp_id


def with_rhk_atasan(steps, rhk_atasan: str):
    """The demo plan's steps, each RHK naming the atasan's RHK it serves."""
    result = []
    for step, body in steps:
        if body and "rhk" in body:
            body = {"rhk": [{**r, "rhk_atasan": rhk_atasan} for r in body["rhk"]]}
        result.append((step, body))
    return result


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    return response.content


def pages_of(content: bytes) -> list[str]:
    """Each page's text with its whitespace folded, so that a wrapped cell reads as one line."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


async def test_an_approved_plan_prints_every_part_of_the_skp(client, tokens, people, catalog) -> None:
    owner = people.teacher()
    skp_id = await plan(client, tokens, owner, with_rhk_atasan(skp_steps("D.1.3"), RHK_ATASAN), approve_by=people.ks)
    url = f"/api/v1/skp/{skp_id}/dokumen.pdf"

    contents = [
        pdf_of(await client.get(url, headers=h))
        for h in (guru(tokens, owner), kepala(tokens, people.ks), operator(tokens, "3273"))
    ]

    text = " ".join(pages_of(contents[0]))
    assert all(" ".join(pages_of(c)) == text for c in contents[1:])  # the same document whoever asks
    expected = [
        "SASARAN KINERJA PEGAWAI",
        "Periode Semester 1 2024: 1 Januari 2024 s.d. 30 Juni 2024",
        "Status rencana: Disetujui",
        # the pegawai, the pejabat penilai (who approved it), the atasan pejabat penilai (the KS's pengawas)
        "PEGAWAI YANG DINILAI",
        f"Nama {owner.nama}",
        f"NIP {owner.grouped()}",
        "Pangkat/golongan III/b",
        "Jabatan Guru Mapel Ahli Pertama",
        "Unit kerja SD Dokumen Satu",
        "PEJABAT PENILAI KINERJA",
        f"Nama {people.ks.nama}",
        f"NIP {people.ks.grouped()}",
        "Pangkat/golongan IV/a",
        "Jabatan Kepala Sekolah Ahli Madya",
        "ATASAN PEJABAT PENILAI KINERJA",
        f"Nama {people.pengawas.nama}",
        f"NIP {people.pengawas.grouped()}",
        "Unit kerja Dinas Pendidikan Kota Bandung",  # a pengawas works for the region's Dinas
        # the RHK table
        "HASIL KERJA",
        "RHK atasan yang diintervensi",
        "Indikator kinerja individu",
        "A. Pengembangan kompetensi",
        "B. Tugas tambahan",
        RHK_ATASAN,
        "Kuantitas",
        # perilaku kerja
        "PERILAKU KERJA",
        "Ekspektasi khusus pimpinan",
        EKSPEKTASI,
        # place, date and signatures
        "Kota Bandung, 20 Januari 2024",
        "Pejabat Penilai Kinerja",
        "Pegawai yang Dinilai",
    ]
    for kode, target in (("PK-01", 4), ("PK-03", 1), ("TT-04", 1)):
        entry = catalog[kode]
        expected += [entry["nama"], entry["indikator_kinerja_individu"], f"{target} {entry['satuan']}"]
    berakhlak = (await client.get("/api/v1/katalog/berakhlak", headers=guru(tokens, owner))).json()["items"]
    assert len(berakhlak) == 7
    expected += [value["nama"] for value in berakhlak]
    for part in expected:
        assert part in text, part
    # no internal code: not the plan's id, its status code, an RHK code or a BerAKHLAK key
    for code in (skp_id, "DISETUJUI", "PK-01", "TT-04", "akuntabel", "berorientasi_pelayanan", owner.nip):
        assert code not in text, code
    assert "DRAF" not in text
    # one date: the printed one, in the text and in the file's own metadata
    assert "2024" in text and text.count("20 Januari 2024") == 1
    metadata = PdfReader(io.BytesIO(contents[0])).metadata
    assert metadata.creation_date.date() == date(2024, 1, 20)
    assert metadata.title == "Sasaran Kinerja Pegawai Semester 1 2024, dicetak 20 Januari 2024"


async def test_someone_else_gets_a_404(client, tokens, people) -> None:
    skp_id = await plan(client, tokens, people.teacher(), skp_steps("D.1.3"))
    url = f"/api/v1/skp/{skp_id}/dokumen.pdf"
    for headers in (
        guru(tokens, people.peer),  # a colleague of the same school
        kepala(tokens, people.ks_lain),  # the kepala of another school
        tokens.headers(people.pengawas.nip, "pengawas"),  # the KS's pengawas, not the teacher's atasan
        operator(tokens, "3204"),  # an operator of another region
    ):
        response = await client.get(url, headers=headers)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["rule"] for e in response.json()["errors"]] == ["plan.not_found"]
        assert skp_id not in response.text
    assert (await client.get(url)).status_code == 401


async def test_a_draft_prints_the_draf_mark_and_the_current_atasan(client, tokens, people) -> None:
    owner = people.pppk
    skp_id = await plan(client, tokens, owner, skp_steps("D.1.3"))

    content = pdf_of(await client.get(f"/api/v1/skp/{skp_id}/dokumen.pdf", headers=guru(tokens, owner)))

    pages = pages_of(content)
    assert all("DRAF" in page for page in pages)
    text = " ".join(pages)
    assert "Status rencana: Draf" in text
    assert f"NI PPPK {owner.grouped()}" in text
    assert f"Nama {people.ks.nama}" in text  # not yet approved: the current atasan is the pejabat penilai
    assert "DRAFT" not in text


def assert_rendered_a4(content: bytes) -> int:
    """Every page is A4 and, rendered to an image, has ink on it; answers the number of pages."""
    document = pdfium.PdfDocument(content)
    try:
        for page in document:
            width, height = page.get_size()
            assert (round(width, 1), round(height, 1)) == (round(A4_POINTS[0], 1), round(A4_POINTS[1], 1))
            image = page.render(scale=1).to_pil().convert("L")
            dark = image.histogram()[:128]  # pixels darker than mid-grey: more than a page number's worth
            assert sum(dark) > 600, "a blank page"  # a page number alone is about 200
        return len(document)
    finally:
        document.close()


async def test_each_page_renders_as_a_non_blank_a4_page(client, tokens, people) -> None:
    owner = people.teacher()
    skp_id = await plan(client, tokens, owner, skp_steps("D.1.3"), approve_by=people.ks)

    content = pdf_of(await client.get(f"/api/v1/skp/{skp_id}/dokumen.pdf", headers=guru(tokens, owner)))

    assert assert_rendered_a4(content) >= 1


async def test_many_rhk_span_pages_without_splitting_a_row(client, tokens, people, catalog) -> None:
    owner = people.teacher()
    pk = [k for k, e in catalog.items() if e["kategori"] == "pengembangan_kompetensi"]
    tt = [k for k, e in catalog.items() if e["kategori"] == "tugas_tambahan"]

    def rhk(kode: str) -> dict:
        # A long RHK atasan, marked at both ends: a row cut in two would put its ends on two pages.
        filler = " ".join(["mendukung peningkatan mutu pembelajaran murid"] * 8)
        return {
            "kode": kode,
            "target_kuantitas": catalog[kode]["target_min"],
            "rhk_atasan": f"Awal{kode.replace('-', '')} {filler} Akhir{kode.replace('-', '')}",
        }

    steps = [
        (step, {"rhk": [rhk(k) for k in (pk if step == "pengembangan-kompetensi" else tt)]})
        if step in ("pengembangan-kompetensi", "tugas-tambahan")
        else (step, body)
        for step, body in skp_steps("D.1.3")
    ]
    skp_id = await plan(client, tokens, owner, steps, approve_by=people.ks)

    content = pdf_of(await client.get(f"/api/v1/skp/{skp_id}/dokumen.pdf", headers=guru(tokens, owner)))

    pages = pages_of(content)
    assert assert_rendered_a4(content) == len(pages) >= 2
    holding = [i for i, page in enumerate(pages) if "Awal" in page]
    assert len(holding) >= 2  # the table does span pages
    for kode in pk + tt:
        mark = kode.replace("-", "")
        start = [i for i, page in enumerate(pages) if f"Awal{mark}" in page]
        end = [i for i, page in enumerate(pages) if f"Akhir{mark}" in page]
        assert len(start) == 1 and start == end, kode
        assert catalog[kode]["nama"] in pages[start[0]], kode
    for i in holding:  # the header row is repeated on every page the table spans
        assert "RHK atasan yang diintervensi" in pages[i]


async def test_a_kepala_sekolahs_skp_names_the_kepala_dinas_as_ppk_and_the_pengawas_as_tim_kerja(
    client, tokens, people
) -> None:
    """The region's reading of who appraises a kepala sekolah (policy `[penilai]`, default `tim_kerja`): the
    Kepala Dinas is the PPK, named by office; the pengawas who approved rates as the Dinas's tim kerja."""
    owner = people.ks_lain
    h = kepala(tokens, owner)
    created = await client.post("/api/v1/skp", json={"periode": PERIODE}, headers=h)
    assert created.status_code == 201, created.text
    skp_id, etag = created.json()["id"], created.headers["ETag"]
    for step, body in skp_steps("D.3"):
        etag = (await client.put(f"/api/v1/skp/{skp_id}/{step}", json=body, headers={**h, "If-Match": etag})).headers[
            "ETag"
        ]
    submitted = await client.post(f"/api/v1/skp/{skp_id}/submit", headers={**h, "If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    pengawas = tokens.headers(people.pengawas.nip, "guru", "pengawas")
    approved = await client.post(
        f"/api/v1/skp/{skp_id}/approve", headers={**pengawas, "If-Match": submitted.headers["ETag"]}
    )
    assert approved.json()["status"] == "DISETUJUI", approved.text

    text = " ".join(pages_of(pdf_of(await client.get(f"/api/v1/skp/{skp_id}/dokumen.pdf", headers=h))))
    ppk = text.index("PEJABAT PENILAI KINERJA Jabatan Kepala Dinas Pendidikan Kota Bandung")
    tim = text.index("TIM KERJA DINAS (PENILAI)")
    assert ppk < tim < text.index(f"Nama {people.pengawas.nama}")
    assert "ATASAN PEJABAT PENILAI KINERJA" not in text
