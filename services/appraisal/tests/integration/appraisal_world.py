"""Helpers of appraisal's integration tests: planning's and observation's events published by hand, a tap on the
bus, people.

Neither planning nor observation runs here: the tests publish their events, built with the contract models, onto
the vhost's `pmm.events` exchange exactly as their outbox relays would (roster, relations, periods, approved plans,
completed cycles). Each test gets a school of its own from `World`, so tests never share a penilaian.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pmm_contracts.events import observation as obs
from pmm_contracts.events import planning as contract
from pmm_kernel.clock import WIB
from pmm_testkit import Bus, Tokens, wait_for
from pmm_testkit.periods import tahunan
from pmm_testkit.plans import INDIKATOR, PERILAKU, RHK
from pmm_testkit.world import Person, RosterWorld

# Inside 2024-S1's penilaian window (1-30 June).
PENILAIAN_2024_S1 = datetime(2024, 6, 10, 9, 0, tzinfo=WIB)


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
        tahunan(2025),
    ]


@dataclass
class World(RosterWorld):
    """People registered with appraisal through planning's events; `school()` gives a test its own."""

    first_nip: int = 7000
    npsn_prefix: str = "40"
    teachers_per_school: int = 3

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
            perilaku=PERILAKU,
        )
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
