"""The part of a period a pelaksanaan covers (docs/domain.md §5).

A pegawai transferred (mutasi) in the middle of a period has one plan per school, each a numbered part of the
period with its first and last day, and so one pelaksanaan per part. A transfer ends the old school's part on
`selesai`: from the next day its cycle takes no new step, keeps what was recorded, and nobody is reminded of it; its
atasan, for reading it and for what may still be recorded up to that day, is the one appraising the pegawai on
`selesai` (the old school's kepala sekolah), not today's.
"""

from __future__ import annotations

from datetime import date

from pmm_kernel.errors import StateConflict

BAGIAN_PERTAMA = 1  # the part of a period nobody was transferred in (every plan before the parts existed)


def is_ended(selesai: date | None, *, on: date) -> bool:
    """The part's last day has passed on `on` (None: the part lasts the whole period)."""
    return selesai is not None and on > selesai


def relation_day(selesai: date | None, *, on: date) -> date:
    """The day whose appraising relation holds for the part: today, or the part's last day once it has passed."""
    return selesai if is_ended(selesai, on=on) else on  # type: ignore[return-value]  (is_ended: selesai is set)


def check_not_ended(selesai: date | None, *, on: date, bagian: int) -> None:
    """Refuses a new step (or a new bukti) in a part that a transfer ended before `on`."""
    if is_ended(selesai, on=on):
        assert selesai is not None
        raise StateConflict(
            f"part {bagian} of this period ended on {selesai.isoformat()} (the pegawai moved school): it takes no "
            "new step; continue in the new school's pelaksanaan",
            rule="pelaksanaan.berakhir",
            field="selesai",
            extra={"bagian": bagian, "selesai": selesai.isoformat()},
        )


def clip_to_part(allowed: tuple[date, date], selesai: date | None) -> tuple[date, date]:
    """The dates a schedule of the part may name: no later than the part's last day."""
    first, last = allowed
    return (first, min(last, selesai)) if selesai is not None else allowed
