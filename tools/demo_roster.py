"""A deterministic demo region: schools, teachers with valid NIP / NI PPPK, principals, a pengawas.

Used by `make demo` and by the tests, so both exercise the same roster import path as an operator's CSV.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

GOLONGAN_BY_JENJANG = {"Ahli Pertama": "III/b", "Ahli Muda": "III/d", "Ahli Madya": "IV/a"}
PPPK_GOLONGAN = {"Ahli Pertama": "IX"}
NAMES = (
    "Siti Rahmawati",
    "Budi Santoso",
    "Dewi Lestari",
    "Agus Prasetyo",
    "Rina Marlina",
    "Yusuf Hidayat",
    "Nur Aini",
    "Hendra Gunawan",
    "Fitri Handayani",
    "Eko Wibowo",
    "Sri Wahyuni",
    "Dedi Kurniawan",
    "Ani Suryani",
    "Joko Susilo",
    "Lina Puspita",
    "Ahmad Fauzi",
    "Maya Sari",
    "Rudi Hartono",
    "Wulan Dari",
    "Iwan Setiawan",
)


def pns_nip(i: int) -> str:
    birth = date(1970 + i % 20, 1 + i % 12, 1 + i % 28)
    tmt_year, tmt_month = birth.year + 24, 1 + (i * 5) % 12
    return f"{birth:%Y%m%d}{tmt_year}{tmt_month:02d}{1 + i % 2}{1 + i % 999:03d}"


def pppk_nip(i: int) -> str:
    birth = date(1985 + i % 10, 1 + i % 12, 1 + i % 28)
    return f"{birth:%Y%m%d}{2021 + i % 3}21{1 + i % 2}{1 + i % 999:03d}"


@dataclass
class Person:
    nip: str
    nama: str
    status: str
    jenis_gtk: str
    jenjang: str | None
    golongan: str | None
    npsn: str

    @property
    def email(self) -> str:
        """A belajar.id address for reminders; opaque, so that no name or NIP travels in a mail header."""
        return f"ptk.{hashlib.sha256(self.nip.encode()).hexdigest()[:10]}@guru.belajar.id"


@dataclass
class School:
    npsn: str
    nama: str
    kode_wilayah: str
    nama_wilayah: str
    prioritas: list[str]
    kepala: Person | None = None
    guru: list[Person] = field(default_factory=list)


@dataclass
class Region:
    schools: list[School]
    pengawas: Person
    mulai: date

    def people(self) -> list[Person]:
        result = [self.pengawas]
        for school in self.schools:
            result += [p for p in (school.kepala, *school.guru) if p is not None]
        return result

    def appraisals(self) -> list[tuple[Person, Person]]:
        """(pegawai, atasan) of every cycle: each guru with their kepala sekolah, each kepala sekolah with the
        pengawas."""
        pairs = []
        for school in self.schools:
            assert school.kepala is not None
            pairs += [(guru, school.kepala) for guru in school.guru]
            pairs.append((school.kepala, self.pengawas))
        return pairs

    def promoted(self) -> Person:
        """The teacher who takes up their jenjang part way through the period: the first school's first guru, whose
        angka kredit then counts only the months served (docs/domain.md §6)."""
        return self.schools[0].guru[0]

    def tmt_jabatan_csv(self, tmt: date) -> str:
        """The roster update giving `promoted()` the TMT jabatan `tmt`; imported once that day has come, since a
        TMT in the future is refused. The other files leave the column out, which keeps the date on file."""
        p = self.promoted()
        return _csv(
            ["nip", "status", "nama", "pangkat_golongan", "jenjang_jabatan", "jenis_gtk", "npsn", "tmt_jabatan"],
            [[p.nip, p.status, p.nama, p.golongan or "", p.jenjang or "", p.jenis_gtk, p.npsn, tmt.isoformat()]],
        )

    def sekolah_csv(self) -> str:
        return _csv(
            ["npsn", "nama", "kode_wilayah", "nama_wilayah", "prioritas_rapor"],
            [[s.npsn, s.nama, s.kode_wilayah, s.nama_wilayah, ";".join(s.prioritas)] for s in self.schools],
        )

    def pegawai_csv(self) -> str:
        return _csv(
            ["nip", "status", "nama", "pangkat_golongan", "jenjang_jabatan", "jenis_gtk", "npsn", "email"],
            [
                [p.nip, p.status, p.nama, p.golongan or "", p.jenjang or "", p.jenis_gtk, p.npsn, p.email]
                for p in self.people()
            ],
        )

    def relasi_csv(self) -> str:
        rows = []
        for school in self.schools:
            assert school.kepala is not None
            rows.append([school.kepala.nip, self.pengawas.nip, "pengawas", self.mulai.isoformat(), ""])
            rows += [[g.nip, school.kepala.nip, "kepala_sekolah", self.mulai.isoformat(), ""] for g in school.guru]
        return _csv(["nip_pegawai", "nip_atasan", "peran_atasan", "mulai", "selesai"], rows)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def demo_region(
    *,
    schools: int = 1,
    teachers_per_school: int = 4,
    kode_wilayah: str = "3273",
    mulai: date = date(2023, 7, 1),
    first: int = 1,
) -> Region:
    """`first` numbers the people (their NIP derive from it): two regions with far apart `first` share no NIP."""
    counter = iter(range(first, 100_000))

    def person(status: str, jenis_gtk: str, jenjang: str, npsn: str) -> Person:
        i = next(counter)
        nip = pns_nip(i) if status == "PNS" else pppk_nip(i)
        golongan = GOLONGAN_BY_JENJANG[jenjang] if status == "PNS" else PPPK_GOLONGAN[jenjang]
        return Person(nip, NAMES[i % len(NAMES)], status, jenis_gtk, jenjang, golongan, npsn)

    region_schools = []
    for s in range(schools):
        npsn = f"2021{int(kode_wilayah) % 100:02d}{s + 1:02d}"
        school = School(npsn, f"SD Negeri {s + 1} Demo", kode_wilayah, f"Wilayah {kode_wilayah}", ["D.1.3", "D.1.1"])
        school.kepala = person("PNS", "Kepala Sekolah", "Ahli Madya", npsn)
        for t in range(teachers_per_school):
            status = "PPPK" if t % 4 == 3 else "PNS"
            jenjang = "Ahli Pertama" if status == "PPPK" else ("Ahli Muda" if t % 2 else "Ahli Pertama")
            school.guru.append(person(status, "Guru Kelas" if t % 2 else "Guru Mapel", jenjang, npsn))
        region_schools.append(school)
    pengawas = person("PNS", "Pengawas Sekolah", "Ahli Madya", region_schools[0].npsn)
    return Region(region_schools, pengawas, mulai)
