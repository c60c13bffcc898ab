"""The parts a pegawai saves into their plan (docs/domain.md §4), as plain frozen values, and how each is built
from the reference catalogue: a chosen indicator and its focus behaviours, RHK items with their targets.

The plan (`planning.domain.skp`) and its events (`planning.domain.events`) both hold these values, so they live
apart from the aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planning.domain.catalog import Catalog
from pmm_kernel.errors import InvalidValue


@dataclass(frozen=True)
class DataDiri:
    sesuai: bool
    catatan: str | None


@dataclass(frozen=True)
class IndikatorChoice:
    kode: str
    nama: str
    perilaku_dianjurkan: tuple[str, ...]
    perilaku_dihindari: tuple[str, ...]
    recommended: bool  # chosen from the school's Rapor Pendidikan priorities


@dataclass(frozen=True)
class RhkItem:
    """One planned work result, in e-Kinerja's shape (RHK -> aspek -> indikator kinerja individu -> target)."""

    kode: str
    nama: str
    kategori: str
    rhk_atasan: str | None
    aspek: str
    indikator_kinerja_individu: str
    target_kuantitas: int
    satuan: str
    poin: int | None

    @property
    def total_poin(self) -> int:
        return (self.poin or 0) * self.target_kuantitas


@dataclass(frozen=True)
class RhkInput:
    """An RHK as a pegawai names it: the catalogue code, their target and the atasan's RHK it serves."""

    kode: str
    target_kuantitas: int
    rhk_atasan: str | None = None


def indikator_choice(catalog: Catalog, kode: str, *, peran: str, prioritas_rapor: Sequence[str]) -> IndikatorChoice:
    """The indicator a pegawai picks for praktik kinerja: any of their role's, recommended or not."""
    chosen = catalog.indicator(kode, field="indikator")
    if chosen.peran != catalog.indicator_role(peran):
        raise InvalidValue(
            f"indicator {chosen.kode} is for {chosen.peran}, not for {peran}",
            rule="skp.indikator_peran",
            field="indikator",
        )
    recommended = {i.kode for i in catalog.recommended_indicators(peran, prioritas_rapor)}
    return IndikatorChoice(
        kode=chosen.kode,
        nama=chosen.nama,
        perilaku_dianjurkan=chosen.perilaku_dianjurkan,
        perilaku_dihindari=chosen.perilaku_dihindari,
        recommended=chosen.kode in recommended,
    )


def rhk_items(
    catalog: Catalog, inputs: Sequence[RhkInput], *, kategori: str, field_name: str, points_apply: bool
) -> tuple[RhkItem, ...]:
    """The RHK of one kategori as the catalogue describes them, each target inside its range; points only under a
    policy that counts them (2024)."""
    items = []
    for index, given in enumerate(inputs):
        entry = catalog.rhk_entry(given.kode, field=f"{field_name}[{index}].kode")
        if entry.kategori != kategori:
            raise InvalidValue(
                f"RHK {entry.kode} is {entry.kategori}, not {kategori}",
                rule="skp.rhk_kategori",
                field=f"{field_name}[{index}].kode",
            )
        if not entry.target_min <= given.target_kuantitas <= entry.target_max:
            raise InvalidValue(
                f"target for {entry.kode} must be {entry.target_min}-{entry.target_max} {entry.satuan}",
                rule="skp.target_range",
                field=f"{field_name}[{index}].target_kuantitas",
            )
        items.append(
            RhkItem(
                kode=entry.kode,
                nama=entry.nama,
                kategori=entry.kategori,
                rhk_atasan=given.rhk_atasan,
                aspek=entry.aspek,
                indikator_kinerja_individu=entry.indikator_kinerja_individu,
                target_kuantitas=given.target_kuantitas,
                satuan=entry.satuan,
                poin=entry.poin if points_apply else None,
            )
        )
    return tuple(items)
