"""`plain` answers what `dataclasses.asdict` answers, for every shape a domain value takes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pytest

from pmm_chassis.http.plain import plain


@dataclass(frozen=True)
class Target:
    satuan: str
    nilai: int


@dataclass(frozen=True)
class Rhk:
    kode: str
    targets: tuple[Target, ...]
    mulai: date | None = None
    catatan: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    rhk: list[Rhk]
    indikator: Rhk | None
    tags: frozenset[str] = frozenset()


RHK = Rhk("R1", (Target("jp", 4), Target("modul", 2)), date(2024, 1, 2), ["a"], {"k": Target("x", 1)})

CASES = [
    pytest.param(Target("jp", 4), id="flat"),
    pytest.param(RHK, id="nested tuple, list and dict of dataclasses"),
    pytest.param(Plan([RHK, Rhk("R2", ())], None, frozenset({"t"})), id="list of dataclasses, None, a set"),
    pytest.param(Plan([], RHK), id="empty list, nested dataclass"),
]


@pytest.mark.parametrize("value", CASES)
def test_plain_is_asdict(value: Any) -> None:
    assert plain(value) == asdict(value)


@pytest.mark.parametrize("value", [None, 3, "teks", date(2024, 1, 1), Target])
def test_what_is_not_a_dataclass_instance_is_itself(value: Any) -> None:
    assert plain(value) is value


def test_a_tuple_stays_a_tuple_and_a_list_a_list() -> None:
    answer = plain(RHK)
    assert isinstance(answer["targets"], tuple)
    assert isinstance(answer["catatan"], list)
    assert answer["extra"] == {"k": {"satuan": "x", "nilai": 1}}
