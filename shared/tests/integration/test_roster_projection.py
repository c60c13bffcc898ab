"""The roster projection every consuming service keeps: an event older than the row (or the same one again) changes
nothing, a newer one takes its values, and a period's first definition stays."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from pmm_contracts import Envelope, Event
from pmm_contracts.events import planning as contract
from pmm_roster.projections import (
    RosterPegawai,
    RosterPeriode,
    RosterRelasi,
    on_atasan,
    on_pegawai,
    on_periode_opened,
)
from pmm_testkit import drop_database, fresh_database
from pmm_testkit.periods import tahunan

pytestmark = pytest.mark.integration
DATABASE = "pmm_test_roster_projection"


@pytest.fixture
async def engine():
    url = await fresh_database(DATABASE)
    made = create_async_engine(url)
    async with made.begin() as conn:
        for model in (RosterPegawai, RosterRelasi, RosterPeriode):
            await conn.run_sync(model.__table__.create)
    yield made
    await made.dispose()
    await drop_database(DATABASE)


async def _apply(engine, handler, data, version: int) -> None:
    await _apply_run(engine, handler, [(data, version)])


async def _apply_run(engine, handler, run: list[tuple[Any, int]]) -> None:
    """A run of events through the handler at once, as the consumer hands it one (`InRuns`)."""
    events = [
        Event(Envelope.wrap(data, event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), aggregate_id="a",
                            aggregate_version=version), data)
        for data, version in run
    ]  # fmt: skip
    async with engine.connect() as conn:
        session = AsyncSession(bind=conn)
        await handler(events, SimpleNamespace(session=session, commit=session.commit))
        await conn.commit()


def _pegawai(pegawai_id: uuid.UUID, golongan: str) -> contract.PegawaiRegisteredV1:
    return contract.PegawaiRegisteredV1(
        pegawai_id=pegawai_id,
        nip="198001012005011001",
        status="PNS",
        nama="Guru Uji",
        pangkat_golongan=golongan,
        jenjang_jabatan="Ahli Pertama",
        jenis_gtk="Guru Kelas",
        npsn="20999001",
        kode_wilayah="3273",
    )


async def _row(engine, table, **where):
    async with engine.connect() as conn:
        query = sa.select(table).where(*(table.c[k] == v for k, v in where.items()))
        return (await conn.execute(query)).mappings().one()


async def test_a_pegawai_event_older_than_the_row_changes_nothing_and_a_newer_one_applies(engine) -> None:
    pegawai_id = uuid.uuid4()
    table = RosterPegawai.__table__
    await _apply(engine, on_pegawai, _pegawai(pegawai_id, "III/c"), 2)
    await _apply(engine, on_pegawai, _pegawai(pegawai_id, "III/a"), 1)  # overtaken on the way
    await _apply(engine, on_pegawai, _pegawai(pegawai_id, "III/b"), 2)  # the same version again
    row = await _row(engine, table, pegawai_id=pegawai_id)
    assert (row["pangkat_golongan"], row["version"]) == ("III/c", 2)

    await _apply(engine, on_pegawai, _pegawai(pegawai_id, "III/d"), 3)
    row = await _row(engine, table, pegawai_id=pegawai_id)
    assert (row["pangkat_golongan"], row["version"], row["nama"]) == ("III/d", 3, "Guru Uji")


async def test_a_relation_ends_only_by_a_newer_event(engine) -> None:
    relasi_id, pegawai_id, atasan_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def relasi(selesai: str | None) -> contract.AtasanUpdatedV1:
        return contract.AtasanUpdatedV1(
            relasi_id=relasi_id,
            pegawai_id=pegawai_id,
            atasan_id=atasan_id,
            peran_atasan="kepala_sekolah",
            mulai="2024-01-01",
            selesai=selesai,
        )

    await _apply(engine, on_atasan, relasi("2024-05-31"), 2)
    await _apply(engine, on_atasan, relasi(None), 1)
    row = await _row(engine, RosterRelasi.__table__, relasi_id=relasi_id)
    assert (str(row["selesai"]), row["version"]) == ("2024-05-31", 2)


async def test_a_run_of_pegawai_events_applies_each_by_its_own_version(engine) -> None:
    known, overtaken, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await _apply_run(engine, on_pegawai, [(_pegawai(known, "III/a"), 1), (_pegawai(overtaken, "III/c"), 3)])
    await _apply_run(
        engine,
        on_pegawai,
        [(_pegawai(known, "III/b"), 2), (_pegawai(overtaken, "III/a"), 2), (_pegawai(new, "IV/a"), 1)],
    )
    table = RosterPegawai.__table__
    found = {p: (await _row(engine, table, pegawai_id=p)) for p in (known, overtaken, new)}
    assert {p: (r["pangkat_golongan"], r["version"]) for p, r in found.items()} == {
        known: ("III/b", 2),
        overtaken: ("III/c", 3),  # the older event in the run changed nothing
        new: ("IV/a", 1),
    }


async def test_a_periods_first_definition_stays(engine) -> None:
    first = tahunan(2025)
    await _apply(engine, on_periode_opened, first, 1)
    await _apply(engine, on_periode_opened, first.model_copy(update={"nama": "Dinamai ulang"}), 1)
    row = await _row(engine, RosterPeriode.__table__, kode="2025-T")
    assert row["snapshot"]["nama"] == "Tahunan 2025"
    assert row["snapshot"]["windows"][1]["closes"] == "2025-10-31"
