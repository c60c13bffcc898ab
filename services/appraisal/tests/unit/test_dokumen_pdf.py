"""The evaluation document rendered straight from a penilaian: its words, its pages, its one date."""

from __future__ import annotations

import dataclasses
import io
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from appraisal.api import dokumen_pdf
from appraisal.domain import ReferenceFileError, dokumen
from appraisal.domain import angka_kredit as ak_rules
from appraisal.domain.distribution import PredikatOrganisasi
from appraisal.domain.evaluasi import Jenis
from appraisal.domain.penilaian import RhkRencana, Status
from appraisal.domain.predikat import Predikat, Rating
from appraisal.usecases.views import DistribusiView, PenilaianContext
from pmm_kernel.access import Relation
from services.appraisal.tests.unit.fakes import RosterData

sys.path.insert(0, str(Path(__file__).parent))
from penilaian_factory import FINALISASI, RENCANA, rating, ready  # noqa: E402

NOW = datetime(2024, 6, 10, 18, 30, tzinfo=UTC)  # 11 June in WIB: the printed date is the ministry's day
# Internal values that must never reach the paper: enum values and codes, upper and lower case.
INTERNAL = re.compile(r"\b[A-Za-z]+_[A-Za-z_]+\b")
A4_POINTS = (595.28, 841.89)


def context(*, final: bool = True, rhk: int = 1, organisasi: PredikatOrganisasi | None = PredikatOrganisasi.BAIK):
    p = ready(Status.FINAL if final else Status.DINILAI)
    p.rencana = dataclasses.replace(
        RENCANA,
        rhk=tuple(
            RhkRencana(f"PK-{i:02d}", f"Rencana hasil kerja nomor {i}", "praktik", "jumlah kegiatan", i, "kegiatan")
            for i in range(1, rhk + 1)
        ),
    )
    if not final:  # rated again by the atasan, with feedback
        feedback = {"kolaboratif": "Aktif di komunitas belajar"}
        p.rate(**rating(Rating.DI_ATAS, Rating.SESUAI, umpan_balik=feedback, catatan="Bagikan praktik baik"))
    sekolah = RosterData().add_sekolah("20217301", nama_wilayah="Kota Bandung", kode_wilayah="3273")
    return PenilaianContext(
        penilaian=p,
        pegawai=None,
        sekolah=sekolah,
        relation=Relation.OWNER,
        atasan_id=None,
        peran_atasan=None,
        jenis=Jenis.PERIODIK,
        rentang=FINALISASI.rentang,
        angka_kredit=FINALISASI.angka_kredit,
        progress=ak_rules.progress("ahli_pertama", FINALISASI.angka_kredit.kumulatif),
        distribusi=DistribusiView(
            npsn=sekolah.npsn,
            periode="2024-S1",
            tahun=2024,
            predikat_organisasi=organisasi,
            counts={Predikat.BAIK: 3, Predikat.SANGAT_BAIK: 1},
        ),
    )


def pages_of(pdf: bytes) -> list[str]:
    """Each page's text with its line breaks as spaces: table cells wrap where their width ends."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_final_document_says_every_part_in_words():
    text = " ".join(pages_of(dokumen_pdf.render(context(), now=NOW)))
    for expected in (
        "KEMENTERIAN PENDIDIKAN DASAR DAN MENENGAH",
        "Dinas Pendidikan Kota Bandung",
        "Semester 1 Tahun 2024 (Januari - Juni 2024)",
        "Realisasi",
        "Sesuai ekspektasi (penilaian atasan)",  # the rating of the factory's hasil kerja
        "sistem tidak mencatat angka realisasi per RHK",
        "Berorientasi Pelayanan",
        "Kolaboratif",
        "hasil kerja: sesuai ekspektasi; perilaku kerja: di atas ekspektasi",
        "Baik",
        "6 bulan (Januari - Juni 2024)",
        "6 bulan dibagi 12 bulan, dikali 100% (predikat Baik), dikali koefisien 12,5 (Ahli Pertama) = 6,25",
        "Predikat kinerja organisasi",
        "DISTRIBUSI PREDIKAT KINERJA PEGAWAI",
        "paling banyak 70% pegawai Baik",
        "harus ada pegawai Butuh Perbaikan dan/atau Kurang/Misconduct",
        "tidak sesuai",  # no Butuh Perbaikan nor Kurang among the four
        "Kota Bandung, 11 Juni 2024",
        "Pejabat penilai kinerja",
    ):
        assert expected in text, expected
    assert not INTERNAL.findall(text), INTERNAL.findall(text)
    assert "DRAFT" not in text


def test_every_berakhlak_value_is_listed_with_its_feedback():
    text = " ".join(pages_of(dokumen_pdf.render(context(final=False), now=NOW)))
    for name in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif", "Kolaboratif"):
        assert name in text, name
    assert "Aktif di komunitas belajar" in text
    assert "hasil kerja: di atas ekspektasi; perilaku kerja: sesuai ekspektasi" in text
    assert "DRAFT" in text


def test_no_organisation_predikat_yet_is_said_and_nothing_is_compared():
    text = " ".join(pages_of(dokumen_pdf.render(context(organisasi=None), now=NOW)))
    assert "belum ditetapkan oleh Dinas" in text
    assert "Pola tidak dapat dibandingkan" in text


def test_a_long_plan_table_is_kept_whole_on_one_page():
    pdf = dokumen_pdf.render(context(rhk=14), now=NOW)
    pages = pages_of(pdf)
    assert len(pages) >= 3
    [page] = [t for t in pages if "PK-01" in t]  # the whole table on a single page, with its heading
    assert "Rencana dan realisasi kinerja" in page and "PK-14" in page
    assert "sistem tidak mencatat angka realisasi per RHK" in page


def test_pages_are_a4_and_not_blank_and_the_metadata_date_is_the_printed_one():
    pdf = dokumen_pdf.render(context(), now=NOW)
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            width, height = page.get_size()
            assert (round(width, 1), round(height, 1)) == (round(A4_POINTS[0], 1), round(A4_POINTS[1], 1))
            pixels = bytes(page.render(scale=0.5, grayscale=True).buffer)
            assert pixels.count(0xFF) < len(pixels) * 0.995  # something is printed on every page
    finally:
        document.close()
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.creation_date.date().isoformat() == "2024-06-11"
    assert meta.creation_date.utcoffset().total_seconds() == 7 * 3600
    assert meta.title.endswith("11 Juni 2024")
    assert "11 Juni 2024" in " ".join(pages_of(pdf))


def test_a_provincial_school_letterhead_names_the_province():
    rules = dokumen.default_rules()
    assert rules.dinas("SMA Negeri 3 Bandung", "Kota Bandung", "3273") == "Dinas Pendidikan Provinsi Jawa Barat"
    assert rules.dinas("SLB Negeri A", "Kota Bandung", "3273") == "Dinas Pendidikan Provinsi Jawa Barat"
    assert rules.dinas("SD Negeri 1", "Kota Bandung", "3273") == "Dinas Pendidikan Kota Bandung"
    assert rules.dinas("SMKN 1 Lembang", "Kab. Bandung Barat", "3217") == "Dinas Pendidikan Provinsi Jawa Barat"
    assert rules.dinas("SMP Negeri 1 Lembang", "Kab. Bandung Barat", "3217") == "Dinas Pendidikan Kab. Bandung Barat"


def test_the_document_file_is_refused_when_malformed(tmp_path):
    packaged = (Path(dokumen.__file__).parent / "reference" / "dokumen.toml").read_text()
    path = tmp_path / "dokumen.toml"
    path.write_text(packaged.replace('loyal = "Loyal"\n', ""))
    with pytest.raises(ReferenceFileError, match="berakhlak"):
        dokumen.load_rules(path)
    path.write_text(packaged.replace("{wilayah}", "{kota}"))
    with pytest.raises(ReferenceFileError, match="wilayah"):
        dokumen.load_rules(path)


def test_a_prorated_angka_kredit_says_the_months_served():
    # docs/domain.md §6: TMT jabatan 1 March 2024, so March to June of 2024-S1.
    full = context()
    served = dataclasses.replace(full.rentang, bulan=4, bulan_mulai=3)
    ak = dataclasses.replace(full.angka_kredit, bulan=4, nilai=ak_rules.angka_kredit("baik", "ahli_pertama", 4))
    text = " ".join(pages_of(dokumen_pdf.render(dataclasses.replace(full, rentang=served, angka_kredit=ak), now=NOW)))
    assert "4 bulan (Maret - Juni 2024)" in text
    assert "4 bulan dibagi 12 bulan, dikali 100% (predikat Baik), dikali koefisien 12,5 (Ahli Pertama) = 4,17" in text


def test_a_part_ended_by_a_transfer_names_its_school_days_and_months():
    # docs/domain.md §6: part 1 of 2025-T at the old school, ended by a transfer on 14 April: January to April.
    full = context(final=False)
    p = full.penilaian
    p.bagian, p.npsn, p.berakhir = 1, "20217301", True
    p.mulai, p.selesai = datetime(2025, 1, 1).date(), datetime(2025, 4, 14).date()
    part = dataclasses.replace(full.rentang, jenis="tahunan", bulan=4, bulan_mulai=1, bulan_selesai=4)
    part = dataclasses.replace(part, tahun_mulai=2025, tahun_selesai=2025)
    text = " ".join(pages_of(dokumen_pdf.render(dataclasses.replace(full, rentang=part), now=NOW)))
    assert "Bagian 1 periode: 1 Januari 2025 - 14 April 2025" in text
    assert "4 bulan (Januari - April 2025), berakhir karena mutasi" in text
    assert f"{full.sekolah.nama} - NPSN 20217301" in text  # the letterhead is the part's school
