"""bkn_sync against the real PostgreSQL and RabbitMQ and the BKN sandbox as a real process.

Upstream services are played by `World`: it publishes planning's and appraisal's contract events onto
`pmm.events` (as their relays would) and seeds the sandbox with the SIASN profiles of the same people, each test
with people of its own (fresh NIPs and schools), so tests never see each other's pushes.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from sqlalchemy import text

from bkn_sandbox.seed import profile
from bkn_sandbox.testing import CLIENT_ID, CLIENT_SECRET, SandboxAdmin, SandboxProcess
from bkn_sync.main import create_app
from bkn_sync.settings import BknSyncSettings
from pmm_chassis.messaging import topology
from pmm_contracts import EventData, encode, routing_key
from pmm_contracts.events import appraisal, planning
from pmm_testkit import isolated_settings, wait_for
from pmm_testkit.fixtures import app_fixtures, tap_fixture, tokens_fixture
from tools.demo_roster import pns_nip

SERVICE_DIR = Path(__file__).resolve().parents[2]
PERIODE = "2024-S1"
tokens = tokens_fixture()


@pytest.fixture(scope="session")
def trace_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("traces") / "bkn_sync.jsonl"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("bkn-sandbox"))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
async def settings(tokens, trace_file, sandbox):
    async with isolated_settings(
        BknSyncSettings,
        SERVICE_DIR / "alembic.ini",
        jwt_jwks_url=tokens.jwks_url,
        otel_exporter="file",
        otel_file=trace_file,
        bkn_base_url=sandbox.url,
        bkn_client_id=CLIENT_ID,
        bkn_client_secret=CLIENT_SECRET,
        bkn_timeout_seconds=3.0,
        bkn_rate_per_second=100.0,
        bkn_burst=20,
        circuit_failure_threshold=5,
        circuit_open_seconds=1.0,
        backoff_base_seconds=0.2,
        backoff_cap_seconds=1.0,
        backoff_jitter=0.5,
        recheck_seconds=3600.0,
        push_concurrency=8,
        push_poll_seconds=0.1,
        push_lease_seconds=30.0,
        pull_interval_seconds=0.2,
    ) as settings:
        yield settings


app, client = app_fixtures(create_app)


@pytest.fixture(scope="session")
def container(app):
    return app.state.container


@pytest.fixture
async def admin(sandbox) -> AsyncIterator[SandboxAdmin]:
    async with sandbox.admin() as admin:
        yield admin
        await admin.clear_faults()


# --- upstream, played by the test ---------------------------------------------------------------------------


class Upstream:
    """Publishes contract events onto pmm.events the way a producer's relay does (persistent, message_id)."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self.versions: dict[str, int] = {}

    async def __aenter__(self) -> Upstream:
        self.connection = await aio_pika.connect(self.amqp_url)
        channel = await self.connection.channel()
        self.exchange = await channel.get_exchange(topology.EVENTS.name)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()

    async def publish(
        self, data: EventData, *, aggregate_id: str, version: int | None = None, headers: dict | None = None
    ) -> uuid.UUID:
        if version is None:
            version = self.versions.get(aggregate_id, 0) + 1
        self.versions[aggregate_id] = version
        event_id = uuid.uuid4()
        body = encode(
            data,
            event_id=event_id,
            occurred_at=datetime.now(UTC),
            aggregate_id=aggregate_id,
            aggregate_version=version,
        )
        message = aio_pika.Message(
            body,
            message_id=str(event_id),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            content_type="application/json",
            headers=headers or {},
        )
        await self.exchange.publish(message, routing_key=routing_key(data))
        return event_id


@pytest.fixture(scope="session")
async def upstream(settings, app) -> AsyncIterator[Upstream]:
    async with Upstream(settings.amqp_url) as upstream:
        await upstream.publish(
            periode_opened(PERIODE, date(2024, 1, 1), date(2024, 6, 30)), aggregate_id=f"periode:{PERIODE}"
        )
        yield upstream


tap = tap_fixture("bkn_sync.#")


def periode_opened(kode: str, mulai: date, selesai: date) -> planning.PeriodeOpenedV1:
    return planning.PeriodeOpenedV1(
        kode=kode, tahun=mulai.year, nama=kode, jenis="semester", mulai=mulai, selesai=selesai,
        bulan=selesai.month - mulai.month + 1, policy_year=2024, evidence_upload=True, data_update_step=False,
        competence_points=(32, 128), windows=[],
    )  # fmt: skip


# --- the world: schools and people of one test ---------------------------------------------------------------


_NIP_COUNTER = itertools.count(5000)
_NPSN_COUNTER = itertools.count(1)


@dataclass
class Person:
    pegawai_id: uuid.UUID
    nip: str
    nama: str
    status: str
    jenis_gtk: str
    jenjang: str
    golongan: str
    npsn: str
    kode_wilayah: str

    def snapshot(self) -> dict[str, Any]:
        return {
            "pegawai_id": self.pegawai_id, "nip": self.nip, "status": self.status, "nama": self.nama,
            "pangkat_golongan": self.golongan, "jenjang_jabatan": self.jenjang, "jenis_gtk": self.jenis_gtk,
            "npsn": self.npsn, "kode_wilayah": self.kode_wilayah,
        }  # fmt: skip


@dataclass
class School:
    npsn: str
    nama: str
    kode_wilayah: str
    kepala: Person
    guru: list[Person] = field(default_factory=list)


@dataclass
class World:
    upstream: Upstream
    admin: SandboxAdmin
    engine: Any

    async def school(
        self,
        *,
        teachers: int = 2,
        kode_wilayah: str = "3273",
        siasn: dict[int, dict[str, Any] | None] | None = None,
    ) -> School:
        """A school with a kepala and `teachers` guru, in the roster and in SIASN. `siasn` overrides the SIASN
        profile of guru number i (None: SIASN does not know them) — the deliberate mismatches."""
        npsn = f"30{int(kode_wilayah) % 10000:04d}{next(_NPSN_COUNTER) % 100:02d}"
        nama = f"SD Negeri Uji {npsn}"

        def person(jenis_gtk: str, jenjang: str, golongan: str) -> Person:
            i = next(_NIP_COUNTER)
            return Person(uuid.uuid4(), pns_nip(i), f"Pegawai Uji {i}", "PNS", jenis_gtk, jenjang, golongan, npsn,
                          kode_wilayah)  # fmt: skip

        school = School(npsn, nama, kode_wilayah, person("Kepala Sekolah", "Ahli Madya", "IV/a"))
        school.guru = [person("Guru Kelas", "Ahli Pertama", "III/b") for _ in range(teachers)]
        await self.upstream.publish(
            planning.SekolahRegisteredV1(npsn=npsn, nama=nama, kode_wilayah=kode_wilayah, nama_wilayah="Uji"),
            aggregate_id=f"sekolah:{npsn}",
        )
        for p in (school.kepala, *school.guru):
            await self.upstream.publish(
                planning.PegawaiRegisteredV1(**p.snapshot()), aggregate_id=f"pegawai:{p.pegawai_id}"
            )
        for g in school.guru:
            relasi = uuid.uuid4()
            await self.upstream.publish(
                planning.AtasanAssignedV1(
                    relasi_id=relasi, pegawai_id=g.pegawai_id, atasan_id=school.kepala.pegawai_id,
                    peran_atasan="kepala_sekolah", mulai=date(2023, 7, 1), selesai=None,
                ),
                aggregate_id=f"relasi:{relasi}",
            )  # fmt: skip
        overrides = siasn or {}
        profiles = [profile(school.kepala, unor_nama=nama, atasan_nip=None)]
        for index, g in enumerate(school.guru):
            if index in overrides and overrides[index] is None:
                continue
            profiles.append(
                {**profile(g, unor_nama=nama, atasan_nip=school.kepala.nip), **(overrides.get(index) or {})}
            )
        await self.admin.seed(profiles, reset=False)
        await self.in_roster(school.kepala, *school.guru)
        return school

    async def in_roster(self, *people: Person) -> None:
        ids = [p.pegawai_id for p in people]

        async def arrived() -> bool:
            async with self.engine.connect() as conn:
                count = (
                    await conn.execute(
                        text("SELECT count(*) FROM roster_pegawai WHERE pegawai_id = ANY(:ids)"), {"ids": ids}
                    )
                ).scalar_one()
                relations = (
                    await conn.execute(
                        text("SELECT count(*) FROM roster_relasi WHERE pegawai_id = ANY(:ids)"), {"ids": ids}
                    )
                ).scalar_one()
            return count == len(ids) and relations >= len(ids) - 1

        await wait_until(arrived, timeout=20)

    async def approve(
        self, guru: Person, atasan: Person, *, periode: str = PERIODE, target: int = 4, headers: dict | None = None,
        **part: Any,
    ) -> uuid.UUID:  # fmt: skip
        """Planning's skp.approved; `part` (bagian, npsn, mulai, selesai) names the part of the period, absent as
        producers sent it before the parts."""
        skp_id = uuid.uuid4()
        await self.upstream.publish(skp_approved(skp_id, guru, atasan, periode=periode, target=target, **part),
                                    aggregate_id=f"skp:{skp_id}", version=3, headers=headers)  # fmt: skip
        return skp_id

    async def end_part(
        self, guru: Person, skp_id: uuid.UUID, *, selesai: date, version: int = 4, bagian: int = 1,
        npsn: str | None = None, periode: str = PERIODE,
    ) -> uuid.UUID:  # fmt: skip
        """Planning's skp.ended: a transfer ended this approved part of the period on `selesai`."""
        data = planning.SkpEndedV1(
            skp_id=skp_id, pegawai_id=guru.pegawai_id, periode=periode, atasan_id=None, bagian=bagian, npsn=npsn,
            selesai=selesai, ended_at=datetime.now(UTC), status="DISETUJUI", alasan="mutasi",
        )  # fmt: skip
        return await self.upstream.publish(data, aggregate_id=f"skp:{skp_id}", version=version)

    async def finalize(
        self, guru: Person, atasan: Person, *, periode: str = PERIODE, months=(2024, 1, 2024, 6), jenis="periodik",
        angka_kredit: Decimal | None = Decimal("6.25"), bagian: int = 1,
    ) -> uuid.UUID:  # fmt: skip
        penilaian_id = uuid.uuid4()
        data = appraisal.PenilaianFinalizedV1(
            penilaian_id=penilaian_id, pegawai_id=guru.pegawai_id, periode=periode, jenis=jenis, nip=guru.nip,
            bulan_mulai=months[1], bulan_selesai=months[3], tahun_mulai=months[0], tahun_selesai=months[2],
            hasil_kerja="sesuai", hasil_kerja_kode=2, perilaku_kerja="di_atas", perilaku_kerja_kode=1,
            predikat="Baik", predikat_kode=2, jenjang=guru.jenjang, koefisien=Decimal("12.5"),
            angka_kredit=angka_kredit, angka_kredit_kumulatif=angka_kredit,
            penilai=appraisal.Penilai(
                pegawai_id=atasan.pegawai_id, nip=atasan.nip, nama=atasan.nama, golongan=atasan.golongan,
                jabatan=f"Guru {atasan.jenjang}", unor=atasan.npsn, status_penilai="ASN",
            ),
            finalized_at=datetime.now(UTC), bagian=bagian,
        )  # fmt: skip
        await self.upstream.publish(data, aggregate_id=f"penilaian:{penilaian_id}", version=2)
        return penilaian_id

    async def handled(self, *event_ids: uuid.UUID) -> None:
        """Until bkn_sync's consumer has processed these events (their inbox rows are committed)."""

        async def done() -> bool:
            async with self.engine.connect() as conn:
                query = text("SELECT count(*) FROM inbox_message WHERE event_id = ANY(:ids)")
                return (await conn.execute(query, {"ids": list(event_ids)})).scalar_one() == len(event_ids)

        await wait_until(done)

    async def pushes(self, *people: Person) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT * FROM push WHERE pegawai_id = ANY(:ids) ORDER BY pegawai_id, jenis, bagian"),
                {"ids": [p.pegawai_id for p in people]},
            )
            return [dict(r._mapping) for r in rows]

    async def quiet(self, timeout: float = 60) -> None:
        """Until no push of any test is on its way to BKN: a test that counts BKN's writes or injects a one-off
        fault must not share them with another test's straggler."""

        async def nothing_on_its_way() -> bool:
            async with self.engine.connect() as conn:
                busy = await conn.execute(
                    text(
                        "SELECT count(*) FROM push p WHERE p.status = 'pending' AND (p.jenis = 'skp' OR NOT EXISTS ("
                        " SELECT 1 FROM push s WHERE s.pegawai_id = p.pegawai_id AND s.periode = p.periode"
                        " AND s.jenis = 'skp' AND s.status IN ('pending', 'failed')))"
                    )
                )
                return busy.scalar_one() == 0

        await wait_until(nothing_on_its_way, timeout=timeout, interval=0.2)

    async def attempts(self, push_id: uuid.UUID) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT * FROM push_attempt WHERE push_id = :id ORDER BY id"), {"id": push_id}
            )
            return [dict(r._mapping) for r in rows]

    async def settled(self, *people: Person, count: int, status: str = "succeeded", timeout: float = 20) -> list[dict]:
        """Wait until each person has `count` pushes, all in `status`; returns them."""

        async def check() -> list[dict] | None:
            rows = await self.pushes(*people)
            done = len(rows) == count * len(people) and all(r["status"] == status for r in rows)
            return rows if done else None

        return await wait_until(check, timeout=timeout)


def skp_approved(
    skp_id: uuid.UUID, guru: Person, atasan: Person, *, periode: str, target: int, **part: Any
) -> planning.SkpApprovedV1:
    return planning.SkpApprovedV1(
        skp_id=skp_id, pegawai_id=guru.pegawai_id, periode=periode, atasan_id=atasan.pegawai_id,
        approved_at=datetime.now(UTC),
        indikator=planning.IndikatorPart(kode="D.1.3", nama="Pembelajaran", perilaku_dianjurkan=[],
                                         perilaku_dihindari=[]),
        rhk=[planning.RhkPart(kode="PK-01", nama="Pelatihan mandiri", kategori="pengembangan_kompetensi",
                              rhk_atasan=None, aspek="kuantitas", indikator_kinerja_individu="Modul selesai",
                              target_kuantitas=target, satuan="modul", poin=None)],
        perilaku=[], **part,
    )  # fmt: skip


# The sandbox and the push worker answer on their own schedule: a longer wait than wait_for's by default.
wait_until = functools.partial(wait_for, timeout=15.0, interval=0.1)


@pytest.fixture
def world(upstream, admin, container) -> World:
    return World(upstream, admin, container.chassis.engine)


@pytest.fixture
def operator(tokens):
    def headers(wilayah: str = "3273") -> dict[str, str]:
        return tokens.headers(f"op-{wilayah}", "operator", wilayah=wilayah)

    return headers
