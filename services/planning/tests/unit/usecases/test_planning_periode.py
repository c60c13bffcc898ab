"""Periods and window extensions with a fake unit of work: who may open and extend, what is saved, published and
audited."""

from __future__ import annotations

from datetime import date

import pytest

from planning.domain import events
from planning.usecases import periode as uc
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound
from services.planning.tests.unit.fakes import FakePlanningUnitOfWork, World, deps_for, guru, operator


@pytest.fixture
def world() -> World:
    return World()


async def test_a_year_is_opened_once_from_its_policy() -> None:
    uow = FakePlanningUnitOfWork()
    deps = deps_for(uow)
    assert await uc.open_periods(uc.OpenPeriods(2024), uow=uow, deps=deps) == ["2024-S1", "2024-S2"]
    opened = uow.published_of(events.PeriodeOpened)
    assert [e.kode for e in opened] == ["2024-S1", "2024-S2"]
    assert opened[0].snapshot == uow.periode.opened["2024-S1"].snapshot
    assert opened[0].snapshot["penilaian_tahunan"] == {
        "step": "penilaian_tahunan",
        "opens": "2025-01-01",
        "closes": "2025-01-31",
        "late_until": None,
    }
    assert await uc.open_periods(uc.OpenPeriods(2024), uow=uow, deps=deps) == []
    assert len(uow.published_of(events.PeriodeOpened)) == 2


@pytest.mark.parametrize(
    ("actor", "tahun", "error", "rule"),
    [
        (operator(""), 2025, None, None),
        (operator("32"), 2025, Forbidden, "periode.open_scope"),
        (operator(""), 1999, InvalidValue, "periode.tahun_range"),
        (operator(""), 2101, InvalidValue, "periode.tahun_range"),
    ],
)
async def test_only_a_national_operator_opens_a_year(
    world: World, actor, tahun: int, error: type | None, rule: str | None
) -> None:
    command = uc.OpenYear(tahun)
    if error is None:
        assert await uc.open_year(command, uow=world.uow, deps=world.deps, actor=actor) == ["2025-T"]
        assert "2025-T" in world.uow.periode.opened
        return
    with pytest.raises(error) as refused:
        await uc.open_year(command, uow=world.uow, deps=world.deps, actor=actor)
    assert refused.value.rule == rule
    assert world.uow.published == []


async def test_a_teacher_opens_no_year(world: World) -> None:
    with pytest.raises(Forbidden) as refused:
        await uc.open_year(uc.OpenYear(2025), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    assert refused.value.rule == "role.operator_required"


def extend(
    kode: str = "2024-S1", *, wilayah: str | None = None, until: date = date(2024, 4, 30), alasan: str = "banjir"
):
    return uc.ExtendWindow(kode=kode, step="perencanaan_guru", until=until, wilayah=wilayah, alasan=alasan)


async def test_an_operator_extends_a_window_for_their_region_audited_and_published(world: World) -> None:
    granted = await uc.extend_window(
        extend(alasan="  banjir besar  "), uow=world.uow, deps=world.deps, actor=operator("3273")
    )
    assert (granted.kode, granted.step, granted.until, granted.wilayah) == (
        "2024-S1",
        "perencanaan_guru",
        date(2024, 4, 30),
        "3273",
    )
    (row,) = world.uow.periode.extension_rows
    assert (row["id"], row["wilayah"], row["alasan"], row["operator"]) == (
        granted.extension_id,
        "3273",
        "banjir besar",
        "op-3273",
    )
    assert world.uow.audit.records == [
        (
            "periode.extend_window",
            "2024-S1",
            {"step": "perencanaan_guru", "until": "2024-04-30", "wilayah": "3273", "alasan": "banjir besar"},
        )
    ]
    (extended,) = world.uow.published_of(events.WindowExtended)
    assert (extended.extension_id, extended.version) == (granted.extension_id, 2)  # the period itself is version 1
    again = await uc.extend_window(extend(), uow=world.uow, deps=world.deps, actor=operator("3273"))
    assert world.uow.published_of(events.WindowExtended)[-1].version == 3 and again.extension_id != granted.extension_id


async def test_a_national_operator_extends_for_everyone(world: World) -> None:
    granted = await uc.extend_window(extend(), uow=world.uow, deps=world.deps, actor=operator(""))
    assert granted.wilayah is None


@pytest.mark.parametrize(
    ("actor", "command", "error", "rule", "field"),
    [
        (operator("3273"), extend(wilayah="3171"), Forbidden, "periode.extend_scope", "wilayah"),
        (operator("32"), extend(wilayah="31"), Forbidden, "periode.extend_scope", "wilayah"),
        (operator("3273"), extend(alasan=" ab "), InvalidValue, "periode.alasan_required", "alasan"),
        (operator("3273"), extend("2031-S1"), NotFound, "periode.unknown", "kode"),
        (operator("3273"), extend(until=date(2024, 1, 31)), InvalidValue, "periode.extension_not_later", "until"),
        (
            operator("3273"),
            uc.ExtendWindow("2024-S1", "observasi", date(2024, 4, 30), None, "banjir"),
            InvalidValue,
            "periode.no_step",
            "step",
        ),
    ],
)
async def test_what_an_extension_may_not_do(world: World, actor, command, error: type, rule: str, field: str) -> None:
    with pytest.raises(error) as refused:
        await uc.extend_window(command, uow=world.uow, deps=world.deps, actor=actor)
    assert (refused.value.rule, refused.value.field) == (rule, field)
    assert world.uow.periode.extension_rows == [] and world.uow.audit.records == [] and world.uow.published == []


async def test_only_operators_extend(world: World) -> None:
    with pytest.raises(Forbidden) as refused:
        await uc.extend_window(extend(), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"]))
    assert refused.value.rule == "role.operator_required"
