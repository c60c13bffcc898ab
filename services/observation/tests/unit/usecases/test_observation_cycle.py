"""A cycle loaded for its caller: the relation, the window of the pegawai's region, the period's evidence rules."""

from __future__ import annotations

from datetime import date

import pytest

from observation.domain.bukti import EvidenceMode
from observation.usecases.cycle import load_cycle
from pmm_kernel.access import Relation
from pmm_kernel.errors import NotFound, OutsideWindow
from pmm_kernel.windows import Extension
from services.observation.tests.unit.fakes import World, periode


async def test_the_dates_a_cycle_admits_follow_the_region_and_its_extension():
    world = World()
    world.roster.periodes["2024-S1"] = periode(extensions=(Extension("pelaksanaan", date(2024, 6, 15), "3273", "x"),))
    elsewhere = world.person("Guru", atasan=world.ks_id, wilayah="3501")
    here = await load_cycle(world.cycle(world.guru_id).id, uow=world.uow, deps=world.deps, actor=world.ks)
    there = await load_cycle(world.cycle(elsewhere).id, uow=world.uow, deps=world.deps, actor=world.ks)
    on = date(2024, 2, 10)
    assert here.jadwal_range(on) == (on, date(2024, 6, 15))
    assert there.jadwal_range(on) == (on, date(2024, 5, 30))
    assert here.upaya_range(on) == (date(2024, 2, 1), on)
    here.check_window(date(2024, 6, 15))
    with pytest.raises(OutsideWindow) as closed:
        there.check_window(date(2024, 6, 15))
    assert closed.value.rule == "window.pelaksanaan"


@pytest.mark.parametrize(
    ("kode", "mode", "dates"),
    [
        ("2024-S1", EvidenceMode.UNGGAH, (date(2024, 1, 1), date(2024, 6, 30))),
        ("2025-T", EvidenceMode.KONFIRMASI, (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
async def test_the_periods_policy_flag_sets_the_evidence_mode(kode, mode, dates):
    world = World()
    cycle = await load_cycle(world.cycle(world.ks_id, kode).id, uow=world.uow, deps=world.deps, actor=world.pengawas)
    assert (cycle.relation, cycle.evidence_mode, cycle.period_dates(), cycle.is_kepala_sekolah) == (
        Relation.ATASAN,
        mode,
        dates,
        True,
    )


async def test_a_cycle_of_an_unknown_period_is_not_found():
    world = World()
    pid = world.cycle(world.guru_id, "2023-S2").id
    with pytest.raises(NotFound) as refused:
        await load_cycle(pid, uow=world.uow, deps=world.deps, actor=world.guru)
    assert refused.value.rule == "periode.unknown"
