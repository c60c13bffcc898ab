"""Planning's events as use cases: an approval opens (or re-opens) the cycle, a reset closes it, an older or
repeated event changes nothing but is still acknowledged (its inbox row commits)."""

from __future__ import annotations

import uuid

import pytest

from observation.domain.events import PelaksanaanClosed, PelaksanaanOpened
from observation.domain.pelaksanaan import Tahap
from observation.usecases.from_planning import (
    ClosePelaksanaan,
    OpenPelaksanaan,
    close_pelaksanaan,
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
    assert await open_pelaksanaan(approved(3), uow=uow) == "opened"
    cycle = the_cycle(uow)
    assert (cycle.tahap, cycle.siklus, cycle.skp_version, cycle.atasan_id) == (Tahap.PERSIAPAN, 1, 3, ATASAN)
    assert cycle.indikator == INDIKATOR
    (opened,) = uow.published
    assert isinstance(opened, PelaksanaanOpened)
    assert (opened.ref.pelaksanaan_id, opened.ref.skp_id, opened.indikator) == (cycle.id, SKP, INDIKATOR)
    assert uow.committed


@pytest.mark.parametrize("version", [3, 2])
async def test_a_repeated_or_older_approval_changes_nothing_but_is_acknowledged(uow, version):
    await open_pelaksanaan(approved(3), uow=uow)
    before, published = the_cycle(uow), len(uow.published)
    uow.committed = False
    assert await open_pelaksanaan(approved(version), uow=uow) == "stale"
    assert the_cycle(uow) == before and len(uow.published) == published
    assert uow.committed  # the inbox row goes with it


async def test_a_reset_closes_the_cycle_with_its_reason(uow):
    await open_pelaksanaan(approved(3), uow=uow)
    assert await close_pelaksanaan(reset(4), uow=uow) == "closed"
    assert the_cycle(uow).tahap is Tahap.DITUTUP
    (closed,) = uow.published_of(PelaksanaanClosed)
    assert closed.reason == "salah indikator" and closed.ref.version == the_cycle(uow).version


async def test_a_reset_that_overtook_its_approval_keeps_that_approval_from_opening(uow):
    assert await close_pelaksanaan(reset(4), uow=uow) == "nothing_open"
    assert uow.committed and uow.skp_seen.versions[SKP] == 4
    assert await open_pelaksanaan(approved(3), uow=uow) == "stale"
    assert uow.pelaksanaan.rows == {} and uow.published == []


async def test_a_second_reset_finds_nothing_open(uow):
    await open_pelaksanaan(approved(3), uow=uow)
    await close_pelaksanaan(reset(4), uow=uow)
    assert await close_pelaksanaan(reset(5, "lagi"), uow=uow) == "nothing_open"
    assert len(uow.published_of(PelaksanaanClosed)) == 1


async def test_an_approval_after_a_reset_opens_a_fresh_cycle_of_the_same_pelaksanaan(uow):
    await open_pelaksanaan(approved(3), uow=uow)
    first = the_cycle(uow).id
    await close_pelaksanaan(reset(4), uow=uow)
    new_atasan = uuid.uuid4()
    assert await open_pelaksanaan(approved(5, atasan_id=new_atasan), uow=uow) == "reopened"
    cycle = the_cycle(uow)
    assert (cycle.id, cycle.siklus, cycle.tahap, cycle.atasan_id) == (first, 2, Tahap.PERSIAPAN, new_atasan)
    assert [r["siklus"] for r in cycle.riwayat] == [1]
    assert [type(e) for e in uow.published] == [PelaksanaanOpened, PelaksanaanClosed, PelaksanaanOpened]


async def test_a_newer_approval_of_a_cycle_still_open_closes_it_before_the_fresh_one_opens(uow):
    await open_pelaksanaan(approved(3), uow=uow)
    assert await open_pelaksanaan(approved(6), uow=uow) == "reopened"
    closed, opened = uow.published[1:]
    assert isinstance(closed, PelaksanaanClosed) and closed.reason == "the plan was approved again"
    assert isinstance(opened, PelaksanaanOpened) and opened.ref.version > closed.ref.version
    assert the_cycle(uow).siklus == 2 and the_cycle(uow).skp_version == 6
