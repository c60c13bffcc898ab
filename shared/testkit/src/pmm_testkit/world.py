"""A school of people, registered with a consuming service as planning's relay would register them.

Planning does not run in the observation, appraisal and bkn_sync suites: a test publishes planning's roster events
(the school, its pegawai, who appraises whom) onto the suite's vhost with the contract models, and waits until the
service's roster projection holds them. Each test asks `RosterWorld.school()` for a school of its own, so tests never
share a record; the KS of every school is appraised by the region's one pengawas.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text

from pmm_contracts.events import planning as contract
from pmm_testkit import Bus, Tokens, wait_for
from tools.demo_roster import pns_nip, pppk_nip

KODE_WILAYAH = "3273"  # Kota Bandung
_GOLONGAN = {"Ahli Pertama": "III/b", "Ahli Muda": "III/d", "Ahli Madya": "IV/a"}
_ROLES = {"Kepala Sekolah": ("guru", "kepala_sekolah"), "Pengawas Sekolah": ("guru", "pengawas")}


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
        """A bearer token with the roles the person's jenis GTK gives them."""
        return tokens.headers(self.nip, *_ROLES.get(self.jenis_gtk, ("guru",)))


@dataclass
class School:
    npsn: str
    kode_wilayah: str
    kepala: Person
    guru: list[Person]


async def scalar(app: Any, sql: str, **params: Any) -> Any:
    """One value from the service's own database (what its projection holds now)."""
    async with app.state.container.chassis.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


@dataclass
class RosterWorld:
    bus_url: str
    app: Any
    first_nip: int = 5000  # suites that share nothing still draw from distinct NIPs
    npsn_prefix: str = "30"
    teachers_per_school: int = 2
    pengawas: Person | None = None
    _schools: itertools.count = field(default_factory=lambda: itertools.count(1))
    _nips: itertools.count = field(init=False)

    def __post_init__(self) -> None:
        self._nips = itertools.count(self.first_nip)

    def person(self, jenis_gtk: str, npsn: str, *, status: str = "PNS", jenjang: str | None = "Ahli Pertama") -> Person:
        i = next(self._nips)
        nip = pppk_nip(i) if status == "PPPK" else pns_nip(i)
        return Person(
            uuid.uuid4(), nip, f"Pegawai Uji {i}", status, jenis_gtk, jenjang, _GOLONGAN.get(jenjang or ""), npsn
        )

    async def school(
        self, teachers: int | None = None, *, kode_wilayah: str = KODE_WILAYAH, jenjang: tuple[str | None, ...] = ()
    ) -> School:
        """A school with a KS and `teachers` guru (jenjang per teacher, Ahli Pertama unless given)."""
        teachers = self.teachers_per_school if teachers is None else teachers
        npsn = f"{self.npsn_prefix}{next(self._schools):06d}"
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

    async def register(self, bus: Bus, person: Person, kode_wilayah: str = KODE_WILAYAH, *, version: int = 1) -> None:
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

    async def set_email(self, person: Person, email: str, kode_wilayah: str = KODE_WILAYAH) -> None:
        """Planning's update of the person with their address (where reminders go), waited for in the projection."""
        data = contract.PegawaiUpdatedV1(
            pegawai_id=person.pegawai_id,
            nip=person.nip,
            status=person.status,
            nama=person.nama,
            pangkat_golongan=person.golongan,
            jenjang_jabatan=person.jenjang,
            jenis_gtk=person.jenis_gtk,
            npsn=person.npsn,
            kode_wilayah=kode_wilayah,
            email=email,
            changed=["email"],
        )
        async with Bus(self.bus_url) as bus:
            await bus.publish(data, aggregate_id=f"pegawai:{person.pegawai_id}", version=2)

        async def known() -> bool:
            query = "SELECT email FROM roster_pegawai WHERE pegawai_id = :p"
            return await scalar(self.app, query, p=person.pegawai_id) == email

        await wait_for(known, timeout=15)

    async def relate(
        self, bus: Bus, pegawai: Person, atasan: Person, peran: str, *, mulai: date = date(2023, 7, 1)
    ) -> uuid.UUID:
        relasi_id = uuid.uuid4()
        data = contract.AtasanAssignedV1(
            relasi_id=relasi_id,
            pegawai_id=pegawai.pegawai_id,
            atasan_id=atasan.pegawai_id,
            peran_atasan=peran,
            mulai=mulai,
            selesai=None,
        )
        await bus.publish(data, aggregate_id=f"relasi:{relasi_id}")
        return relasi_id

    async def wait_relations(self, people: list[Person]) -> None:
        """Until the service's projection holds every one of `people` and their atasan."""
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
