"""Planning's events as use cases: an approval opens (or re-opens) the cycle, a reset closes it, an older or
repeated event changes nothing but is still acknowledged (its inbox row commits)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest

from observation.domain.events import PelaksanaanClosed, PelaksanaanOpened
from observation.domain.pelaksanaan import Tahap
from observation.usecases.from_planning import (
    ClosePelaksanaan,
    EndPelaksanaan,
    OpenPelaksanaan,
    close_pelaksanaan,
    end_pelaksanaan,
    open_pelaksanaan,
)
from services.observation.tests.unit.fakes import INDIKATOR, FakeObservationUnitOfWork

PEGAWAI, ATASAN, SKP = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def approved(version: int, *, skp_id: uuid.UUID = SKP, atasan_id: uuid.UUID | None = ATASAN) -> OpenPelaksanaan:
    return OpenPelaksanaan(
        skp_id=skp_id,
        skp_version=version,
        pegawai_id=PEGAWAI,
        periode="2024-S1",
        atasan_id=atasan_id,
        indikator_kode=INDIKATOR.kode,
        indikator_nama=INDIKATOR.nama,
        perilaku_dianjurkan=INDIKATOR.perilaku_dianjurkan,
        perilaku_dihindari=INDIKATOR.perilaku_dihindari,
    )


def reset(version: int, alasan: str = "salah indikator") -> ClosePelaksanaan:
    return ClosePelaksanaan(skp_id=SKP, skp_version=version, pegawai_id=PEGAWAI, periode="2024-S1", alasan=alasan)


def the_cycle(uow: FakeObservationUnitOfWork):
    (cycle,) = uow.pelaksanaan.rows.values()
    return cycle


@pytest.fixture
def uow() -> FakeObservationUnitOfWork:
    return FakeObservationUnitOfWork()


async def test_an_approval_opens_the_cycle(uow):
    assert await open_pelaksanaan([approved(3)], uow=uow) == ["opened"]
    cycle = the_cycle(uow)
    assert (cycle.tahap, cycle.siklus, cycle.skp_version, cycle.atasan_id) == (Tahap.PERSIAPAN, 1, 3, ATASAN)
    assert cycle.indikator == INDIKATOR
    (opened,) = uow.published
    assert isinstance(opened, PelaksanaanOpened)
    assert (opened.ref.pelaksanaan_id, opened.ref.skp_id, opened.indikator) == (cycle.id, SKP, INDIKATOR)
    assert uow.committed


@pytest.mark.parametrize("version", [3, 2])
async def test_a_repeated_or_older_approval_changes_nothing_but_is_acknowledged(uow, version):
    await open_pelaksanaan([approved(3)], uow=uow)
    before, published = the_cycle(uow), len(uow.published)
    uow.committed = False
    assert await open_pelaksanaan([approved(version)], uow=uow) == ["stale"]
    assert the_cycle(uow) == before and len(uow.published) == published
    assert uow.committed  # the inbox row goes with it


async def test_a_reset_closes_the_cycle_with_its_reason(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    assert await close_pelaksanaan(reset(4), uow=uow) == "closed"
    assert the_cycle(uow).tahap is Tahap.DITUTUP
    (closed,) = uow.published_of(PelaksanaanClosed)
    assert closed.reason == "salah indikator" and closed.ref.version == the_cycle(uow).version


async def test_a_reset_that_overtook_its_approval_keeps_that_approval_from_opening(uow):
    assert await close_pelaksanaan(reset(4), uow=uow) == "nothing_open"
    assert uow.committed and uow.skp_seen.versions[SKP] == 4
    assert await open_pelaksanaan([approved(3)], uow=uow) == ["stale"]
    assert uow.pelaksanaan.rows == {} and uow.published == []


async def test_a_second_reset_finds_nothing_open(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    await close_pelaksanaan(reset(4), uow=uow)
    assert await close_pelaksanaan(reset(5, "lagi"), uow=uow) == "nothing_open"
    assert len(uow.published_of(PelaksanaanClosed)) == 1


async def test_an_approval_after_a_reset_opens_a_fresh_cycle_of_the_same_pelaksanaan(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    first = the_cycle(uow).id
    await close_pelaksanaan(reset(4), uow=uow)
    new_atasan = uuid.uuid4()
    assert await open_pelaksanaan([approved(5, atasan_id=new_atasan)], uow=uow) == ["reopened"]
    cycle = the_cycle(uow)
    assert (cycle.id, cycle.siklus, cycle.tahap, cycle.atasan_id) == (first, 2, Tahap.PERSIAPAN, new_atasan)
    assert [r["siklus"] for r in cycle.riwayat] == [1]
    assert [type(e) for e in uow.published] == [PelaksanaanOpened, PelaksanaanClosed, PelaksanaanOpened]


async def test_a_newer_approval_of_a_cycle_still_open_closes_it_before_the_fresh_one_opens(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    assert await open_pelaksanaan([approved(6)], uow=uow) == ["reopened"]
    closed, opened = uow.published[1:]
    assert isinstance(closed, PelaksanaanClosed) and closed.reason == "the plan was approved again"
    assert isinstance(opened, PelaksanaanOpened) and opened.ref.version > closed.ref.version
    assert the_cycle(uow).siklus == 2 and the_cycle(uow).skp_version == 6


# --- the parts of a period (a transfer in the middle of it) ----------------------------------------------------

SKP_2 = uuid.uuid4()


def approved_part(version: int, *, bagian: int, skp_id: uuid.UUID, mulai=None, npsn=None) -> OpenPelaksanaan:
    return dataclasses.replace(approved(version, skp_id=skp_id), bagian=bagian, mulai=mulai, npsn=npsn)


def ended(version: int, *, bagian: int = 1, skp_id: uuid.UUID = SKP, selesai=date(2024, 3, 15)) -> EndPelaksanaan:
    return EndPelaksanaan(
        skp_id=skp_id, skp_version=version, pegawai_id=PEGAWAI, periode="2024-S1", bagian=bagian, selesai=selesai
    )


async def test_the_second_part_opens_its_own_cycle_and_leaves_the_first_as_it_was(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    first = the_cycle(uow)
    assert first.bagian == 1 and first.npsn is None  # an event without parts: the period's only part
    assert await end_pelaksanaan(ended(4), uow=uow) == "ended"
    uow.published.clear()
    (outcome,) = await open_pelaksanaan(
        [approved_part(2, bagian=2, skp_id=SKP_2, mulai=date(2024, 3, 16), npsn="20200002")], uow=uow
    )
    assert outcome == "opened"
    by_part = {p.bagian: p for p in uow.pelaksanaan.rows.values()}
    assert set(by_part) == {1, 2}
    assert (by_part[1].tahap, by_part[1].siklus, by_part[1].riwayat) == (Tahap.PERSIAPAN, 1, [])  # not archived
    assert by_part[1].selesai == date(2024, 3, 15)
    assert (by_part[2].npsn, by_part[2].mulai, by_part[2].selesai) == ("20200002", date(2024, 3, 16), None)
    (opened,) = uow.published
    assert isinstance(opened, PelaksanaanOpened) and opened.ref.pelaksanaan_id == by_part[2].id


async def test_the_end_of_a_part_keeps_what_it_recorded_and_publishes_nothing(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    before = the_cycle(uow)
    uow.published.clear()
    assert await end_pelaksanaan(ended(4), uow=uow) == "ended"
    after = the_cycle(uow)
    assert (after.tahap, after.selesai, after.version) == (before.tahap, date(2024, 3, 15), before.version + 1)
    assert uow.published == [] and uow.committed


async def test_an_older_or_repeated_end_changes_nothing(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    await end_pelaksanaan(ended(5, selesai=date(2024, 3, 15)), uow=uow)
    version = the_cycle(uow).version
    assert await end_pelaksanaan(ended(5, selesai=date(2024, 4, 30)), uow=uow) == "stale"
    assert await end_pelaksanaan(ended(4, selesai=date(2024, 4, 30)), uow=uow) == "stale"
    assert (the_cycle(uow).selesai, the_cycle(uow).version) == (date(2024, 3, 15), version)


async def test_an_end_before_any_approval_remembers_the_version_so_a_late_approval_opens_nothing(uow):
    assert await end_pelaksanaan(ended(4), uow=uow) == "nothing_open"
    assert uow.committed
    assert await open_pelaksanaan([approved(3)], uow=uow) == ["stale"]
    assert uow.pelaksanaan.rows == {}


async def test_a_reset_of_the_second_part_closes_only_that_part(uow):
    await open_pelaksanaan([approved(3)], uow=uow)
    await open_pelaksanaan([approved_part(2, bagian=2, skp_id=SKP_2)], uow=uow)
    command = dataclasses.replace(reset(3), skp_id=SKP_2, bagian=2)
    assert await close_pelaksanaan(command, uow=uow) == "closed"
    by_part = {p.bagian: p.tahap for p in uow.pelaksanaan.rows.values()}
    assert by_part == {1: Tahap.PERSIAPAN, 2: Tahap.DITUTUP}
