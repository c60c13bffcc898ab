"""Helpers of appraisal's integration tests: planning's and observation's events published by hand, a tap on the
bus, people.

Neither planning nor observation runs here: the tests publish their events, built with the contract models, onto
the vhost's `pmm.events` exchange exactly as their outbox relays would (roster, relations, periods, approved plans,
completed cycles). Each test gets a school of its own from `World`, so tests never share a penilaian.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text

from pmm_contracts.events import observation as obs
from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, Tokens, wait_for
from tools.demo_roster import pns_nip, pppk_nip

# Inside 2024-S1's penilaian window (1-30 June).
PENILAIAN_2024_S1 = datetime(2024, 6, 10, 9, 0, tzinfo=WIB)
KODE_WILAYAH = "3273"
BERAKHLAK = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")

INDIKATOR = contract.IndikatorPart(
    kode="D.1.3",
    nama="Kualitas pembelajaran: metode pembelajaran",
    perilaku_dianjurkan=["Memberikan umpan balik yang spesifik"],
    perilaku_dihindari=["Menyampaikan materi satu arah"],
)
RHK = [
    contract.RhkPart(
        kode="PK-01",
        nama="Mengikuti pelatihan mandiri di PMM",
        kategori="pengembangan_kompetensi",
        rhk_atasan=None,
        aspek="kuantitas",
        indikator_kinerja_individu="Jumlah topik pelatihan mandiri yang diselesaikan",
        target_kuantitas=4,
        satuan="topik",
        poin=8,
    )
]


def _window(step: str, opens: date, closes: date) -> contract.WindowPart:
    return contract.WindowPart(step=step, opens=opens, closes=closes)


def periods() -> list[contract.PeriodeOpenedV1]:
    """2024's two semesters (with the year's penilaian tahunan) and 2025's one period, as planning opens them."""
    tahunan_2024 = _window("penilaian_tahunan", date(2025, 1, 1), date(2025, 1, 31))
    common_2024 = {
        "tahun": 2024,
        "jenis": "semester",
        "bulan": 6,
        "policy_year": 2024,
        "evidence_upload": True,
        "data_update_step": False,
        "competence_points": (32, 128),
        "penilaian_tahunan": tahunan_2024,
    }
    return [
        contract.PeriodeOpenedV1(
            kode="2024-S1",
            nama="Semester 1 2024",
            mulai=date(2024, 1, 1),
            selesai=date(2024, 6, 30),
            windows=[
                _window("pelaksanaan", date(2024, 2, 1), date(2024, 5, 30)),
                _window("penilaian", date(2024, 6, 1), date(2024, 6, 30)),
            ],
            **common_2024,
        ),
        contract.PeriodeOpenedV1(
            kode="2024-S2",
            nama="Semester 2 2024",
            mulai=date(2024, 7, 1),
            selesai=date(2024, 12, 31),
            windows=[
                _window("pelaksanaan", date(2024, 8, 1), date(2024, 11, 30)),
                _window("penilaian", date(2024, 12, 1), date(2024, 12, 31)),
            ],
            **common_2024,
        ),
        contract.PeriodeOpenedV1(
            kode="2025-T",
            tahun=2025,
            nama="Tahunan 2025",
            jenis="tahunan",
            mulai=date(2025, 1, 1),
            selesai=date(2025, 12, 31),
            bulan=12,
            policy_year=2025,
            evidence_upload=False,
            data_update_step=True,
            competence_points=None,
            windows=[
                _window("pelaksanaan", date(2025, 2, 1), date(2025, 10, 31)),
                _window("penilaian", date(2025, 11, 15), date(2025, 12, 31)),
            ],
        ),
    ]


@dataclass
class Person:
    pegawai_id: uuid.UUID
    nip: str
    nama: str
    status: str
    jenis_gtk: str
    jenjang: str | None
    golongan: str | None
    npsn: str

    def headers(self, tokens: Tokens) -> dict[str, str]:
        roles = {"Kepala Sekolah": ("guru", "kepala_sekolah"), "Pengawas Sekolah": ("guru", "pengawas")}
        return tokens.headers(self.nip, *roles.get(self.jenis_gtk, ("guru",)))


@dataclass
class School:
    npsn: str
    kode_wilayah: str
    kepala: Person
    guru: list[Person]


@dataclass
class World:
    """People registered with appraisal through planning's events; `school()` gives a test its own."""

    bus_url: str
    app: Any
    pengawas: Person | None = None
    _schools: itertools.count = field(default_factory=lambda: itertools.count(1))
    _nips: itertools.count = field(default_factory=lambda: itertools.count(7000))

    def person(self, jenis_gtk: str, npsn: str, *, status: str = "PNS", jenjang: str | None = "Ahli Pertama") -> Person:
        i = next(self._nips)
        nip = pppk_nip(i) if status == "PPPK" else pns_nip(i)
        golongan = {"Ahli Pertama": "III/b", "Ahli Muda": "III/d", "Ahli Madya": "IV/a"}.get(jenjang or "")
        return Person(uuid.uuid4(), nip, f"Pegawai Uji {i}", status, jenis_gtk, jenjang, golongan, npsn)

    async def school(
        self, teachers: int = 3, *, kode_wilayah: str = KODE_WILAYAH, jenjang: tuple[str | None, ...] = ()
    ) -> School:
        """A school with a KS and `teachers` guru (jenjang per teacher, default Ahli Pertama); the KS is appraised
        by the region's pengawas."""
        npsn = f"40{next(self._schools):06d}"
        kinds = [jenjang[i] if i < len(jenjang) else "Ahli Pertama" for i in range(teachers)]
        school = School(
            npsn,
            kode_wilayah,
            self.person("Kepala Sekolah", npsn, jenjang="Ahli Madya"),
            [self.person("Guru Mapel", npsn, jenjang=j) for j in kinds],
        )
        async with Bus(self.bus_url) as bus:
            await bus.publish(
                contract.SekolahRegisteredV1(
                    npsn=npsn, nama=f"SD Negeri Uji {npsn}", kode_wilayah=kode_wilayah, nama_wilayah="Kota Bandung"
                ),
                aggregate_id=f"sekolah:{npsn}",
            )
            if self.pengawas is None:
                self.pengawas = self.person("Pengawas Sekolah", npsn, jenjang="Ahli Madya")
                await self.register(bus, self.pengawas, kode_wilayah)
            for person in (school.kepala, *school.guru):
                await self.register(bus, person, kode_wilayah)
            await self.relate(bus, school.kepala, self.pengawas, "pengawas")
            for guru in school.guru:
                await self.relate(bus, guru, school.kepala, "kepala_sekolah")
        await self.wait_relations([school.kepala, *school.guru])
        return school

    async def register(self, bus: Bus, person: Person, kode_wilayah: str, *, version: int = 1) -> None:
        data = contract.PegawaiRegisteredV1(
            pegawai_id=person.pegawai_id,
            nip=person.nip,
            status=person.status,
            nama=person.nama,
            pangkat_golongan=person.golongan,
            jenjang_jabatan=person.jenjang,
            jenis_gtk=person.jenis_gtk,
            npsn=person.npsn,
            kode_wilayah=kode_wilayah,
        )
        await bus.publish(data, aggregate_id=f"pegawai:{person.pegawai_id}", version=version)

    async def relate(self, bus: Bus, pegawai: Person, atasan: Person, peran: str) -> None:
        relasi_id = uuid.uuid4()
        data = contract.AtasanAssignedV1(
            relasi_id=relasi_id,
            pegawai_id=pegawai.pegawai_id,
            atasan_id=atasan.pegawai_id,
            peran_atasan=peran,
            mulai=date(2023, 7, 1),
            selesai=None,
        )
        await bus.publish(data, aggregate_id=f"relasi:{relasi_id}")

    async def wait_relations(self, people: list[Person]) -> None:
        ids = [str(p.pegawai_id) for p in people]

        async def known() -> bool:
            relations = await scalar(
                self.app, "SELECT count(*) FROM roster_relasi WHERE pegawai_id::text = ANY(:ids)", ids=ids
            )
            registered = await scalar(
                self.app, "SELECT count(*) FROM roster_pegawai WHERE pegawai_id::text = ANY(:ids)", ids=ids
            )
            return relations == len(ids) and registered == len(ids)

        await wait_for(known, timeout=15)

    # --- planning's and observation's events for one pegawai -------------------------------------------------

    def skp_id(self, person: Person, periode: str) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"skp:{person.pegawai_id}:{periode}")

    async def submit(self, person: Person, *, periode: str = "2024-S1", version: int = 6) -> None:
        data = contract.SkpSubmittedV1(
            skp_id=self.skp_id(person, periode),
            pegawai_id=person.pegawai_id,
            periode=periode,
            atasan_id=None,
            submitted_at=datetime.now(UTC),
        )
        async with Bus(self.bus_url) as bus:
            await bus.publish(data, aggregate_id=f"skp:{data.skp_id}", version=version)

    async def approve(
        self, person: Person, *, periode: str = "2024-S1", version: int = 7, event_id: uuid.UUID | None = None,
        times: int = 1,
    ) -> uuid.UUID:  # fmt: skip
        """planning's skp.approved for `person` (several times with one event id: a redelivery)."""
        data = contract.SkpApprovedV1(
            skp_id=self.skp_id(person, periode),
            pegawai_id=person.pegawai_id,
            periode=periode,
            atasan_id=None,
            approved_at=datetime.now(UTC),
            indikator=INDIKATOR,
            rhk=RHK,
            perilaku=[contract.PerilakuPart(kode=k, nama=k.replace("_", " ").title(), ekspektasi_khusus=None)
                      for k in BERAKHLAK],
        )  # fmt: skip
        event_id = event_id or uuid.uuid4()
        async with Bus(self.bus_url) as bus:
            for _ in range(times):
                await bus.publish(data, aggregate_id=f"skp:{data.skp_id}", version=version, event_id=event_id)
        return event_id

    async def reset(self, person: Person, *, periode: str = "2024-S1", version: int) -> None:
        data = contract.SkpResetV1(
            skp_id=self.skp_id(person, periode),
            pegawai_id=person.pegawai_id,
            periode=periode,
            atasan_id=None,
            reset_at=datetime.now(UTC),
            alasan="Salah indikator, dikembalikan operator",
        )
        async with Bus(self.bus_url) as bus:
            await bus.publish(data, aggregate_id=f"skp:{data.skp_id}", version=version)

    async def complete(
        self, person: Person, *, periode: str = "2024-S1", version: int = 12, event_id: uuid.UUID | None = None,
        times: int = 1,
    ) -> uuid.UUID:  # fmt: skip
        """observation's pelaksanaan.completed for `person`, with a rubric summary as evidence."""
        pelaksanaan_id = uuid.uuid5(uuid.NAMESPACE_URL, f"pelaksanaan:{person.pegawai_id}:{periode}")
        data = obs.PelaksanaanCompletedV1(
            pelaksanaan_id=pelaksanaan_id,
            skp_id=self.skp_id(person, periode),
            pegawai_id=person.pegawai_id,
            periode=periode,
            atasan_id=None,
            rubric=obs.RubricSummary(
                mode="langsung",
                belum_dilakukan=0,
                belum_efektif=1,
                efektif=1,
                items=[
                    obs.RubricItem(
                        perilaku="Memberikan umpan balik yang spesifik", jenis="dianjurkan", nilai="efektif"
                    ),
                    obs.RubricItem(perilaku="Menyampaikan materi satu arah", jenis="dihindari", nilai="belum_efektif"),
                ],
            ),
            bukti_count=2,
            completed_at=datetime.now(UTC),
        )
        event_id = event_id or uuid.uuid4()
        async with Bus(self.bus_url) as bus:
            for _ in range(times):
                await bus.publish(
                    data, aggregate_id=f"pelaksanaan:{pelaksanaan_id}", version=version, event_id=event_id
                )
        return event_id

    async def close(self, person: Person, *, periode: str = "2024-S1", version: int) -> None:
        """observation's pelaksanaan.closed: the plan was reset, the cycle opened from it closes."""
        pelaksanaan_id = uuid.uuid5(uuid.NAMESPACE_URL, f"pelaksanaan:{person.pegawai_id}:{periode}")
        data = obs.PelaksanaanClosedV1(
            pelaksanaan_id=pelaksanaan_id,
            skp_id=self.skp_id(person, periode),
            pegawai_id=person.pegawai_id,
            periode=periode,
            reason="skp.reset",
            closed_at=datetime.now(UTC),
        )
        async with Bus(self.bus_url) as bus:
            await bus.publish(data, aggregate_id=f"pelaksanaan:{pelaksanaan_id}", version=version)

    async def cycle(self, person: Person, *, periode: str = "2024-S1") -> None:
        """The whole path to a ratable penilaian: submitted, approved, cycle completed."""
        await self.submit(person, periode=periode)
        await self.approve(person, periode=periode)
        await self.complete(person, periode=periode)


async def scalar(app: Any, sql: str, **params: Any) -> Any:
    async with app.state.container.chassis.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def penilaian_of(
    client, tokens: Tokens, atasan: Person, person: Person, periode: str = "2024-S1", *, status: str = "SIAP"
) -> dict:
    """Wait until the atasan sees `person`'s penilaian of `periode` in `status` (events are asynchronous)."""

    async def read() -> dict | None:
        r = await client.get(f"/api/v1/penilaian?periode={periode}&limit=200", headers=atasan.headers(tokens))
        assert r.status_code == 200, r.text
        for item in r.json()["items"]:
            if item["pegawai"] and item["pegawai"]["id"] == str(person.pegawai_id) and item["status"] == status:
                return item
        return None

    return await wait_for(read, timeout=15)


def etag(item: dict) -> str:
    return f'"v{item["version"]}"'


async def rate(
    client, tokens: Tokens, atasan: Person, penilaian: dict, hasil: str | None, perilaku: str, **extra: Any
) -> Any:
    body = {"perilaku_kerja": perilaku, **({"hasil_kerja": hasil} if hasil else {}), **extra}
    return await client.put(
        f"/api/v1/penilaian/{penilaian['id']}/nilai",
        json=body,
        headers={**atasan.headers(tokens), "If-Match": etag(penilaian)},
    )


async def finalize(client, tokens: Tokens, atasan: Person, penilaian_id: str, version_etag: str, **headers: str) -> Any:
    return await client.post(
        f"/api/v1/penilaian/{penilaian_id}/finalisasi",
        headers={**atasan.headers(tokens), "If-Match": version_etag, **headers},
    )


async def appraise(
    client, tokens: Tokens, atasan: Person, person: Person, hasil: str, perilaku: str, periode: str = "2024-S1"
) -> dict:
    """Rate and finalise a ratable penilaian; returns the finalised body."""
    item = await penilaian_of(client, tokens, atasan, person, periode)
    rated = await rate(client, tokens, atasan, item, hasil, perilaku)
    assert rated.status_code == 200, rated.text
    done = await finalize(client, tokens, atasan, item["id"], rated.headers["ETag"])
    assert done.status_code == 200, done.text
    return done.json()
