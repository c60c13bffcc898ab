"""The year's penilaian tahunan over its periods (2024; docs/domain.md §6).

It exists for a year whose period snapshots carry a `penilaian_tahunan` window. It weighs the year's periodic
penilaian: ratable once every periodic penilaian the pegawai has that year is final, and shown their predikat and
angka kredit. Its months are the year's, from the first period's start to the last one's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from appraisal.domain.evaluasi import Jenis
from appraisal.domain.penilaian import HasilPeriodik, Penilaian, Rentang, Status
from appraisal.domain.periode import Periode, months
from pmm_kernel.windows import Window


def has_penilaian_tahunan(year: Sequence[Periode]) -> bool:
    return any(p.penilaian_tahunan is not None for p in year)


def tahunan_window(year: Sequence[Periode], step: str) -> Window | None:
    """The window of the year's penilaian tahunan, under the step name operators extend it by."""
    window = next((p.penilaian_tahunan for p in year if p.penilaian_tahunan is not None), None)
    if window is None:
        return None
    return Window(step, window.opens, window.closes, window.late_until)


def rentang_tahun(year: Sequence[Periode]) -> Rentang | None:
    """The months of the year's periods, in their order; None while no period of the year has arrived."""
    if not year:
        return None
    ordered = sorted(year, key=lambda p: p.mulai)
    return months(Jenis.TAHUNAN, ordered[0].mulai, ordered[-1].selesai)


def hasil_periodik(periodic: Iterable[Penilaian]) -> tuple[tuple[HasilPeriodik, ...], int]:
    """What the annual evaluation weighs: the final periodic penilaian in period order (a period a transfer split,
    part by part), and how many are not final yet. A part ended before its plan was approved is not appraised and
    is waited for by nobody (docs/domain.md §6)."""
    periodic = [p for p in periodic if p.dinilai_bagian]
    final = sorted((p for p in periodic if p.status is Status.FINAL), key=lambda p: (p.periode, p.bagian))
    hasil = tuple(
        HasilPeriodik(
            p.periode,
            p.nilai.predikat,  # type: ignore[union-attr]  (a FINAL penilaian is rated)
            p.final.angka_kredit.nilai if p.final and p.final.angka_kredit else None,
        )
        for p in final
    )
    return hasil, len(periodic) - len(final)


def berakhlak(penilaian: Penilaian, periodic: Iterable[Penilaian] = ()) -> set[str]:
    """The BerAKHLAK values feedback may name: the plan's, or for the annual evaluation its periods' plans'."""
    if penilaian.rencana is not None:
        return {kode for kode, _ in penilaian.rencana.perilaku}
    if penilaian.menimbang_periode:
        return {kode for p in periodic if p.rencana for kode, _ in p.rencana.perilaku}
    return set()
