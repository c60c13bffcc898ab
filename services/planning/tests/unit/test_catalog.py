from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planning.domain.catalog import CatalogFileError, load_catalog
from pmm_kernel.errors import InvalidValue

CATALOG = load_catalog()
PACKAGE_DIR = Path(__file__).parents[2] / "src/planning/domain/reference/catalog"


@pytest.mark.parametrize(
    ("kode", "nama", "peran", "induk"),
    [
        ("D.1", "Kualitas pembelajaran", "guru", None),
        ("D.1.1", "Manajemen kelas", "guru", "D.1"),
        ("D.1.2", "Dukungan psikologis", "guru", "D.1"),
        ("D.1.3", "Metode pembelajaran (aktivasi kognitif)", "guru", "D.1"),
        ("D.2", "Refleksi dan perbaikan pembelajaran oleh guru", "guru", None),
        ("D.3", "Kepemimpinan instruksional", "kepala_sekolah", None),
        ("D.3.1", "Visi misi satuan pendidikan yang berorientasi mutu", "kepala_sekolah", "D.3"),
        ("D.3.2", "Pengelolaan kurikulum satuan pendidikan", "kepala_sekolah", "D.3"),
        ("D.4", "Iklim keamanan satuan pendidikan", "kepala_sekolah", None),
        ("D.8", "Iklim inklusivitas", "kepala_sekolah", None),
    ],
)
def test_indicators(kode: str, nama: str, peran: str, induk: str | None) -> None:
    indicator = CATALOG.indicator(kode, field="indikator")
    assert (indicator.kode, indicator.nama, indicator.peran, indicator.induk) == (kode, nama, peran, induk)
    # The observation rubric rates each of these behaviours, so every indicator needs them.
    assert 3 <= len(indicator.perilaku_dianjurkan) <= 4
    assert 2 <= len(indicator.perilaku_dihindari) <= 3
    assert not set(indicator.perilaku_dianjurkan) & set(indicator.perilaku_dihindari)


def test_catalogue_holds_exactly_the_listed_indicators() -> None:
    assert list(CATALOG.indicators) == ["D.1", "D.1.1", "D.1.2", "D.1.3", "D.2", "D.3", "D.3.1", "D.3.2", "D.4", "D.8"]


@pytest.mark.parametrize(
    ("peran", "priorities", "expected"),
    [
        ("guru", [], ["D.1", "D.1.1", "D.1.2", "D.1.3"]),
        ("kepala_sekolah", [], ["D.3", "D.3.1", "D.3.2"]),
        ("guru", ["D.2"], ["D.2"]),
        ("guru", ["D.1.3", "D.2"], ["D.1.3", "D.2"]),
        ("guru", ["D.2", "D.1"], ["D.2", "D.1", "D.1.1", "D.1.2", "D.1.3"]),
        ("guru", ["D.1.2", "D.1"], ["D.1.2", "D.1", "D.1.1", "D.1.3"]),
        ("guru", ["D.4", "D.8"], ["D.1", "D.1.1", "D.1.2", "D.1.3"]),  # only KS priorities: default
        ("kepala_sekolah", ["D.4", "D.1", "D.8"], ["D.4", "D.8"]),
        ("kepala_sekolah", ["d.8 ", "D.99", "X"], ["D.8"]),
        ("guru", ["D.2", "D.2"], ["D.2"]),
    ],
)
def test_recommended_indicators(peran: str, priorities: list[str], expected: list[str]) -> None:
    assert [i.kode for i in CATALOG.recommended_indicators(peran, priorities)] == expected


@pytest.mark.parametrize(
    ("peran", "expected"),
    [
        ("guru", ["D.1", "D.1.1", "D.1.2", "D.1.3", "D.2"]),
        ("kepala_sekolah", ["D.3", "D.3.1", "D.3.2", "D.4", "D.8"]),
        ("pengawas", ["D.3", "D.3.1", "D.3.2", "D.4", "D.8"]),  # they accompany the kepala sekolah
    ],
)
def test_indicators_for_role(peran: str, expected: list[str]) -> None:
    assert [i.kode for i in CATALOG.indicators_for(peran)] == expected


@pytest.mark.parametrize("call", ["recommended", "for"])
def test_unknown_role(call: str) -> None:
    with pytest.raises(InvalidValue) as err:
        if call == "recommended":
            CATALOG.recommended_indicators("operator", [])
        else:
            CATALOG.indicators_for("operator")
    assert err.value.rule == "katalog.peran_unknown"


@pytest.mark.parametrize(
    ("kode", "nama_contains", "kategori", "poin"),
    [
        ("PK-01", "pelatihan mandiri", "pengembangan_kompetensi", 8),
        ("PK-02", "komunitas belajar", "pengembangan_kompetensi", 16),
        ("PK-03", "narasumber", "pengembangan_kompetensi", 32),
        ("PK-04", "pelatihan terstruktur", "pengembangan_kompetensi", 16),
        ("PK-05", "seminar", "pengembangan_kompetensi", 4),
        ("PK-06", "observasi pembelajaran rekan sejawat", "pengembangan_kompetensi", 8),
        ("PK-07", "praktik baik", "pengembangan_kompetensi", 8),
        ("PK-08", "publikasi ilmiah", "pengembangan_kompetensi", 32),
        ("TT-01", "wakil kepala sekolah", "tugas_tambahan", None),
        ("TT-02", "kepala laboratorium", "tugas_tambahan", None),
        ("TT-03", "kepala perpustakaan", "tugas_tambahan", None),
        ("TT-04", "wali kelas", "tugas_tambahan", None),
        ("TT-05", "pembina ekstrakurikuler", "tugas_tambahan", None),
        ("TT-06", "(P5)", "tugas_tambahan", None),
    ],
)
def test_rhk_catalogue(kode: str, nama_contains: str, kategori: str, poin: int | None) -> None:
    entry = CATALOG.rhk_entry(kode, field="rhk")
    assert nama_contains in entry.nama
    assert (entry.kategori, entry.poin, entry.aspek) == (kategori, poin, "kuantitas")
    assert 1 <= entry.target_min <= entry.target_default <= entry.target_max
    assert entry.satuan and entry.indikator_kinerja_individu


def test_rhk_catalogue_has_no_unlisted_entries() -> None:
    assert len(CATALOG.rhk) == 14


@pytest.mark.parametrize(
    ("kode", "nama", "panduan"),
    [
        (
            "berorientasi_pelayanan",
            "Berorientasi Pelayanan",
            (
                "Memahami dan memenuhi kebutuhan masyarakat",
                "Ramah, cekatan, solutif, dan dapat diandalkan",
                "Melakukan perbaikan tiada henti",
            ),
        ),
        (
            "akuntabel",
            "Akuntabel",
            (
                "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin, dan berintegritas tinggi",
                "Menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, dan efisien",
                "Tidak menyalahgunakan kewenangan jabatan",
            ),
        ),
        (
            "kompeten",
            "Kompeten",
            (
                "Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah",
                "Membantu orang lain belajar",
                "Melaksanakan tugas dengan kualitas terbaik",
            ),
        ),
        (
            "harmonis",
            "Harmonis",
            (
                "Menghargai setiap orang apa pun latar belakangnya",
                "Suka menolong orang lain",
                "Membangun lingkungan kerja yang kondusif",
            ),
        ),
        (
            "loyal",
            "Loyal",
            (
                "Memegang teguh ideologi Pancasila, Undang-Undang Dasar Negara Republik Indonesia Tahun 1945,"
                " setia kepada NKRI serta pemerintahan yang sah",
                "Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara",
                "Menjaga rahasia jabatan dan negara",
            ),
        ),
        (
            "adaptif",
            "Adaptif",
            (
                "Cepat menyesuaikan diri menghadapi perubahan",
                "Terus berinovasi dan mengembangkan kreativitas",
                "Bertindak proaktif",
            ),
        ),
        (
            "kolaboratif",
            "Kolaboratif",
            (
                "Memberi kesempatan kepada berbagai pihak untuk berkontribusi",
                "Terbuka dalam bekerja sama untuk menghasilkan nilai tambah",
                "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama",
            ),
        ),
    ],
)
def test_berakhlak(kode: str, nama: str, panduan: tuple[str, str, str]) -> None:
    by_kode = {v.kode: v for v in CATALOG.berakhlak}
    assert (by_kode[kode].nama, by_kode[kode].panduan) == (nama, panduan)


def test_berakhlak_order_spells_the_acronym() -> None:
    assert "".join(v.nama[0] for v in CATALOG.berakhlak) == "BAKHLAK"


def test_catalogue_version_names_every_file() -> None:
    assert CATALOG.version == "indikator:2024.1,rhk:2024.1,berakhlak:2021.1"


@pytest.mark.parametrize(
    ("method", "kode", "rule"),
    [
        ("indicator", "D.9", "katalog.indikator_unknown"),
        ("indicator", "d.1", "katalog.indikator_unknown"),
        ("indicator", "", "katalog.indikator_unknown"),
        ("rhk_entry", "PK-99", "katalog.rhk_unknown"),
        ("rhk_entry", "D.1", "katalog.rhk_unknown"),
    ],
)
def test_unknown_codes(method: str, kode: str, rule: str) -> None:
    with pytest.raises(InvalidValue) as err:
        getattr(CATALOG, method)(kode, field="rhk.0.kode")
    assert (err.value.rule, err.value.field) == (rule, "rhk.0.kode")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("indikator.toml", 'kode = "D.1.1"', 'kode = "D.1.1.1"', "not like D.1"),
        ("indikator.toml", 'kode = "D.1.1"', 'kode = "D.2"', "appears twice"),
        ("indikator.toml", 'kode = "D.1.1"', 'kode = "D.7.1"', "listed before it"),
        ("indikator.toml", 'peran = "guru"', 'peran = "operator"', "peran must be"),
        ("indikator.toml", 'pengawas = "kepala_sekolah"', 'pengawas = "operator"', "indikator_dari maps"),
        ("indikator.toml", 'guru = "D.1"', 'guru = "D.3"', "rekomendasi_bawaan.guru"),
        ("indikator.toml", '    "Hanya memperhatikan murid yang dianggap pandai",\n', "", None),
        (
            "indikator.toml",
            '"Membangun budaya saling menghargai perbedaan di antara warga sekolah",',
            "",
            "D.8: perilaku_dianjurkan needs 3-4",
        ),
        ("indikator.toml", 'version = "2024.1"', "", "version"),
        ("rhk.toml", "target_default = 4", "target_default = 17", "target"),
        ("rhk.toml", "poin = 8", "poin = 0", "poin"),
        ("rhk.toml", 'kode = "PK-02"', 'kode = "PK-01"', "appears twice"),
        ("rhk.toml", 'kategori = "tugas_tambahan"', 'kategori = "lainnya"', "kategori"),
        ("rhk.toml", "target_max = 16", "", "missing key 'target_max'"),
        ("berakhlak.toml", 'kode = "loyal"', 'kode = "adaptif"', "7 distinct"),
        ("berakhlak.toml", '    "Bertindak proaktif",\n', "", "3-3"),
        ("berakhlak.toml", "[[nilai]]", "[[nilai]", "berakhlak.toml"),
    ],
)
def test_malformed_catalogue_fails_at_load(tmp_path: Path, file: str, old: str, new: str, message: str | None) -> None:
    for source in PACKAGE_DIR.glob("*.toml"):
        shutil.copy(source, tmp_path / source.name)
    target = tmp_path / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    if message is None:  # 2 avoided behaviours are still enough: the change must load
        assert len(load_catalog(tmp_path).indicator("D.1.2", field="x").perilaku_dihindari) == 2
        return
    with pytest.raises(CatalogFileError, match=message):
        load_catalog(tmp_path)


def test_missing_catalogue_file_fails(tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="rhk.toml"):
        shutil.copy(PACKAGE_DIR / "indikator.toml", tmp_path / "indikator.toml")
        load_catalog(tmp_path)
