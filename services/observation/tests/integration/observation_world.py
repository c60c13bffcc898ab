"""Helpers of observation's integration tests: planning's events published by hand, a tap on the bus, people.

Planning is not running here: the tests publish planning's events themselves, built with the contract models,
onto the vhost's `pmm.events` exchange exactly as planning's relay would (roster, relations, periods, then the
approved plans). Each test gets people of its own from `World`, so tests never share a cycle.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, Tokens, wait_for
from pmm_testkit.periods import tahunan
from pmm_testkit.world import Person, RosterWorld

# Inside 2024-S1's pelaksanaan window (1 February - 30 May) and 2025-T's (1 February - 31 October).
TODAY_2024 = datetime(2024, 2, 5, 9, 0, tzinfo=WIB)

INDIKATOR = contract.IndikatorPart(
    kode="D.1",
    nama="Kualitas pembelajaran",
    perilaku_dianjurkan=[
        "Menyampaikan tujuan pembelajaran",
        "Memberikan umpan balik yang spesifik",
        "Menjaga suasana kelas yang tertib",
    ],
    perilaku_dihindari=["Menyampaikan materi satu arah", "Menggunakan hukuman atau ancaman"],
)


def periode_2024_s1() -> contract.PeriodeOpenedV1:
    return contract.PeriodeOpenedV1(
        kode="2024-S1",
        tahun=2024,
        nama="Semester 1 2024",
        jenis="semester",
        mulai=date(2024, 1, 1),
        selesai=date(2024, 6, 30),
        bulan=6,
        policy_year=2024,
        evidence_upload=True,
        data_update_step=False,
        competence_points=(32, 128),
        windows=[
            contract.WindowPart(step="perencanaan_guru", opens=date(2024, 1, 1), closes=date(2024, 1, 31)),
            contract.WindowPart(step="pelaksanaan", opens=date(2024, 2, 1), closes=date(2024, 5, 30)),
            contract.WindowPart(step="penilaian", opens=date(2024, 6, 1), closes=date(2024, 6, 30)),
        ],
    )


def periode_2025_t() -> contract.PeriodeOpenedV1:
    return tahunan(2025)


@dataclass
class World(RosterWorld):
    """People registered with observation through planning's events; `school()` gives a test its own."""


async def approve(
    world: World,
    person: Person,
    *,
    periode: str = "2024-S1",
    skp_id: uuid.UUID | None = None,
    version: int = 5,
    atasan: Person | None = None,
    indikator: contract.IndikatorPart = INDIKATOR,
    event_id: uuid.UUID | None = None,
    times: int = 1,
    bagian: int | None = None,
    npsn: str | None = None,
    mulai: date | None = None,
) -> uuid.UUID:
    """Publish planning's skp.approved for `person` (several times with the same event id: a redelivery); of part
    `bagian` of the period (None: an event as a producer before the parts sent it, without one)."""
    part = f":{bagian}" if bagian is not None else ""
    skp_id = skp_id or uuid.uuid5(uuid.NAMESPACE_URL, f"skp:{person.pegawai_id}:{periode}{part}")
    parts = {} if bagian is None else {"bagian": bagian, "npsn": npsn, "mulai": mulai}
    data = contract.SkpApprovedV1(
        skp_id=skp_id,
        pegawai_id=person.pegawai_id,
        periode=periode,
        atasan_id=atasan.pegawai_id if atasan else None,
        approved_at=datetime.now(UTC),
        indikator=indikator,
        rhk=[],
        perilaku=[],
        **parts,
    )
    event_id = event_id or uuid.uuid4()
    async with Bus(world.bus_url) as bus:
        for _ in range(times):
            await bus.publish(data, aggregate_id=f"skp:{skp_id}", version=version, event_id=event_id)
    return skp_id


async def reset(world: World, person: Person, skp_id: uuid.UUID, *, periode: str = "2024-S1", version: int) -> None:
    data = contract.SkpResetV1(
        skp_id=skp_id,
        pegawai_id=person.pegawai_id,
        periode=periode,
        atasan_id=None,
        reset_at=datetime.now(UTC),
        alasan="Salah indikator, dikembalikan operator",
    )
    async with Bus(world.bus_url) as bus:
        await bus.publish(data, aggregate_id=f"skp:{skp_id}", version=version)


async def end_part(
    world: World,
    person: Person,
    skp_id: uuid.UUID,
    *,
    selesai: date,
    version: int,
    bagian: int = 1,
    periode: str = "2024-S1",
) -> None:
    """Publish planning's skp.ended: a transfer ended this part of the period on `selesai`."""
    data = contract.SkpEndedV1(
        skp_id=skp_id,
        pegawai_id=person.pegawai_id,
        periode=periode,
        atasan_id=None,
        bagian=bagian,
        selesai=selesai,
        ended_at=datetime.now(UTC),
        status="DISETUJUI",
        alasan="mutasi",
    )
    async with Bus(world.bus_url) as bus:
        await bus.publish(data, aggregate_id=f"skp:{skp_id}", version=version)


async def opened(
    client, tokens: Tokens, person: Person, periode: str = "2024-S1", *, siklus: int = 1, bagian: int | None = None
) -> dict:
    """Wait until the person's cycle of `periode` (of part `bagian`: default the latest) is open (events are
    asynchronous) and return it."""
    part = f"&bagian={bagian}" if bagian is not None else ""

    async def read() -> dict | None:
        r = await client.get(f"/api/v1/pelaksanaan/saya?periode={periode}{part}", headers=person.headers(tokens))
        if r.status_code == 200 and r.json()["siklus"] >= siklus and r.json()["tahap"] != "DITUTUP":
            return {**r.json(), "etag": r.headers["ETag"]}
        return None

    return await wait_for(read, timeout=15)


async def settle() -> None:
    await asyncio.sleep(0.5)


PDF = b"%PDF-1.7\n" + b"0" * 200 + b"\n%%EOF\n"


async def upload_whole(client, tokens, person, pelaksanaan_id: str, *, kategori: str, content: bytes = PDF) -> dict:
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": f"{kategori}.pdf", "kategori": kategori, "tanggal_dokumen": "2024-01-15"}.items()
    )
    h = {**person.headers(tokens), "Tus-Resumable": "1.0.0"}
    created = await client.post(
        f"/api/v1/pelaksanaan/{pelaksanaan_id}/bukti/unggah",
        headers={**h, "Upload-Length": str(len(content)), "Upload-Metadata": meta},
    )
    assert created.status_code == 201, created.text
    done = await client.patch(
        created.headers["Location"],
        content=content,
        headers={**h, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert done.status_code == 204, done.text
    return dict(done.headers)
