"""A transfer splits a period's plan (planning.domain.mutasi, docs/domain.md §4): which parts end on which day,
where the next part starts, the window a part started by a transfer is planned in, and that an ended part is
frozen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from planning.domain import events
from planning.domain.mutasi import (
    Mutasi,
    NextPart,
    PartOfPeriod,
    inside_period,
    next_part,
    parts_ended_by,
    window_for_part,
)
from planning.domain.skp import Skp, SkpStatus
from pmm_kernel.errors import StateConflict
from pmm_kernel.windows import Window

LAMA, BARU, KETIGA = "20200001", "20200002", "20200003"
P_MULAI, P_SELESAI = date(2025, 1, 1), date(2025, 12, 31)  # 2025-T
S1_MULAI, S1_SELESAI = date(2024, 1, 1), date(2024, 6, 30)  # 2024-S1
ID = uuid.UUID("00000000-0000-0000-0000-0000000000a1")


def part(
    *,
    bagian: int = 1,
    npsn: str | None = LAMA,
    mulai: date | None = None,
    selesai: date | None = None,
    periode: tuple[date, date] = (P_MULAI, P_SELESAI),
) -> PartOfPeriod:
    return PartOfPeriod(ID, bagian, npsn, mulai, selesai, *periode)


@pytest.mark.parametrize(
    ("mutasi", "parts", "ended"),
    [
        # strictly inside the period: the part at the old school ends the day before the new placement
        (Mutasi(LAMA, BARU, date(2025, 4, 15)), [part()], [date(2025, 4, 14)]),
        (Mutasi(LAMA, BARU, date(2025, 1, 2)), [part()], [date(2025, 1, 1)]),  # the day after the first day
        (Mutasi(LAMA, BARU, date(2025, 12, 31)), [part()], [date(2025, 12, 30)]),  # on the last day
        # on or before the first day, or after the last: the whole period belongs to one school
        (Mutasi(LAMA, BARU, date(2025, 1, 1)), [part()], []),
        (Mutasi(LAMA, BARU, date(2024, 11, 1)), [part()], []),
        (Mutasi(LAMA, BARU, date(2026, 1, 5)), [part()], []),
        # no plan yet: nothing to end (the plan made later is at the new school)
        (Mutasi(LAMA, BARU, date(2025, 4, 15)), [], []),
        # the same school again is no transfer
        (Mutasi(LAMA, LAMA, date(2025, 4, 15)), [part()], []),
        # a part already ended is frozen: a later transfer does not move its end
        (Mutasi(LAMA, BARU, date(2025, 9, 1)), [part(selesai=date(2025, 4, 14))], []),
        # only the part at the old school
        (Mutasi(LAMA, BARU, date(2025, 9, 1)), [part(npsn=KETIGA)], []),
        # an older plan that names no school is at the pegawai's school before the transfer
        (Mutasi(LAMA, BARU, date(2025, 4, 15)), [part(npsn=None)], [date(2025, 4, 14)]),
        # back again: part 2 at the second school ends, the old part 1 stays as it ended
        (
            Mutasi(BARU, LAMA, date(2025, 9, 1)),
            [part(selesai=date(2025, 4, 14)), part(bagian=2, npsn=BARU, mulai=date(2025, 4, 15))],
            [date(2025, 8, 31)],
        ),
        # a part that begins on or after the transfer's day cannot end before it began
        (Mutasi(BARU, LAMA, date(2025, 4, 15)), [part(bagian=2, npsn=BARU, mulai=date(2025, 4, 15))], []),
        (
            Mutasi(BARU, LAMA, date(2025, 4, 16)),
            [part(bagian=2, npsn=BARU, mulai=date(2025, 4, 15))],
            [date(2025, 4, 15)],
        ),
        # every period the transfer falls inside; a semester it misses keeps its plan
        (
            Mutasi(LAMA, BARU, date(2024, 3, 1)),
            [part(periode=(S1_MULAI, S1_SELESAI)), part(periode=(date(2024, 7, 1), date(2024, 12, 31)))],
            [date(2024, 2, 29)],
        ),
    ],
)
def test_which_parts_a_transfer_ends(mutasi: Mutasi, parts: list[PartOfPeriod], ended: list[date]) -> None:
    assert [selesai for _, selesai in parts_ended_by(mutasi, parts)] == ended


@pytest.mark.parametrize(
    ("tmt", "inside"),
    [
        (date(2024, 12, 31), False),
        (date(2025, 1, 1), False),
        (date(2025, 1, 2), True),
        (date(2025, 12, 31), True),
        (date(2026, 1, 1), False),
    ],
)
def test_inside_the_period_means_after_its_first_day_and_on_or_before_its_last(tmt: date, inside: bool) -> None:
    assert inside_period(tmt, P_MULAI, P_SELESAI) is inside


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        (None, NextPart(1, None)),  # the first plan of the period covers it from its first day
        (part(), None),  # the latest part still runs: the pegawai has a plan already
        (part(selesai=date(2025, 4, 14)), NextPart(2, date(2025, 4, 15))),
        (part(bagian=2, mulai=date(2025, 4, 15), selesai=date(2025, 8, 31)), NextPart(3, date(2025, 9, 1))),
    ],
)
def test_where_the_next_part_starts(latest: PartOfPeriod | None, expected: NextPart | None) -> None:
    assert next_part(latest) == expected


JANUARY = Window("perencanaan_guru", date(2025, 1, 1), date(2025, 1, 31))


@pytest.mark.parametrize(
    ("window", "mulai", "expected"),
    [
        (JANUARY, None, JANUARY),  # the first part: the period's own window
        (JANUARY, date(2025, 4, 15), Window("perencanaan_guru", date(2025, 1, 1), date(2025, 5, 15))),
        (JANUARY, date(2025, 1, 1), JANUARY),  # 30 days from the first of January end before the window does
        (
            Window("perencanaan_guru", date(2024, 1, 1), date(2024, 1, 31), date(2024, 3, 31)),
            date(2024, 2, 1),
            Window("perencanaan_guru", date(2024, 1, 1), date(2024, 3, 2), date(2024, 3, 31)),  # late entry kept
        ),
    ],
)
def test_a_part_a_transfer_started_is_planned_in_the_days_after_it(
    window: Window, mulai: date | None, expected: Window
) -> None:
    assert window_for_part(window, mulai) == expected


AT = datetime(2025, 4, 20, 3, 0)


def plan(status: SkpStatus) -> Skp:
    return Skp(id=ID, pegawai_id=uuid.uuid4(), periode="2025-T", peran="guru", status=status, npsn=LAMA, version=5)


@pytest.mark.parametrize("status", list(SkpStatus))
def test_a_transfer_ends_a_part_in_any_state_and_publishes_it(status: SkpStatus) -> None:
    skp = plan(status)
    skp.end(selesai=date(2025, 4, 14), at=AT)
    assert (skp.ended, skp.selesai, skp.status, skp.version) == (True, date(2025, 4, 14), status, 6)
    (ended,) = skp.events
    assert isinstance(ended, events.SkpEnded)
    assert (ended.status, ended.alasan, ended.skp.selesai, ended.skp.npsn) == (
        status.value,
        "mutasi",
        skp.selesai,
        LAMA,
    )


@pytest.mark.parametrize(
    ("status", "act"),
    [
        (SkpStatus.DRAFT, lambda s: s.confirm_perilaku()),
        (SkpStatus.DIKEMBALIKAN, lambda s: s.confirm_data_diri(sesuai=True, catatan=None)),
        (SkpStatus.DRAFT, lambda s: s.submit(at=AT, atasan_id=uuid.uuid4())),
        (SkpStatus.DIAJUKAN, lambda s: s.approve(at=AT, atasan_id=uuid.uuid4(), berakhlak=())),
        (SkpStatus.DIAJUKAN, lambda s: s.return_to_pegawai(at=AT, atasan_id=uuid.uuid4(), catatan="Perbaiki target")),
        (SkpStatus.DIAJUKAN, lambda s: s.set_ekspektasi_khusus({}, known_values=set())),
        (SkpStatus.DISETUJUI, lambda s: s.reset(at=AT, alasan="Salah setuju")),
        (SkpStatus.DISETUJUI, lambda s: s.end(selesai=date(2025, 8, 31), at=AT)),
    ],
)
def test_an_ended_part_is_frozen(status: SkpStatus, act) -> None:  # noqa: ANN001
    skp = plan(status)
    skp.end(selesai=date(2025, 4, 14), at=AT)
    with pytest.raises(StateConflict) as refused:
        act(skp)
    assert (refused.value.rule, refused.value.field) == ("skp.berakhir", "selesai")
    assert (skp.status, skp.version, skp.selesai) == (status, 6, date(2025, 4, 14))
