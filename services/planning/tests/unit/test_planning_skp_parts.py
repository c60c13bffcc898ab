"""The parts of a plan built from the catalogue (planning.domain.skp_parts): RHK items and the chosen indicator."""

from __future__ import annotations

import pytest

from planning.domain.catalog import load_catalog
from planning.domain.skp_parts import RhkInput, indikator_choice, rhk_items
from pmm_kernel.errors import InvalidValue

CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("inputs", "kategori", "error"),
    [
        ((RhkInput("PK-01", 4), RhkInput("PK-03", 1)), "pengembangan_kompetensi", None),
        ((RhkInput("TT-04", 1),), "tugas_tambahan", None),
        ((), "tugas_tambahan", None),
        ((RhkInput("PK-01", 4), RhkInput("TT-04", 1)), "pengembangan_kompetensi", ("skp.rhk_kategori", "rhk[1].kode")),
        ((RhkInput("PK-01", 17),), "pengembangan_kompetensi", ("skp.target_range", "rhk[0].target_kuantitas")),
        ((RhkInput("PK-03", 0),), "pengembangan_kompetensi", ("skp.target_range", "rhk[0].target_kuantitas")),
        ((RhkInput("XX-01", 1),), "pengembangan_kompetensi", ("katalog.rhk_unknown", "rhk[0].kode")),
    ],
)
def test_rhk_items(inputs: tuple[RhkInput, ...], kategori: str, error: tuple[str, str] | None) -> None:
    if error is not None:
        with pytest.raises(InvalidValue) as refused:
            rhk_items(CATALOG, inputs, kategori=kategori, field_name="rhk", points_apply=True)
        assert (refused.value.rule, refused.value.field) == error
        return
    items = rhk_items(CATALOG, inputs, kategori=kategori, field_name="rhk", points_apply=True)
    assert [(i.kode, i.target_kuantitas, i.kategori) for i in items] == [
        (given.kode, given.target_kuantitas, kategori) for given in inputs
    ]
    for item in items:
        entry = CATALOG.rhk[item.kode]
        assert (item.nama, item.satuan, item.aspek, item.poin) == (entry.nama, entry.satuan, entry.aspek, entry.poin)


def test_points_only_under_a_policy_that_counts_them() -> None:
    (counted,) = rhk_items(
        CATALOG,
        [RhkInput("PK-01", 4, "rhk atasan")],
        kategori="pengembangan_kompetensi",
        field_name="x",
        points_apply=True,
    )
    (uncounted,) = rhk_items(
        CATALOG, [RhkInput("PK-01", 4)], kategori="pengembangan_kompetensi", field_name="x", points_apply=False
    )
    assert (counted.poin, counted.total_poin, counted.rhk_atasan) == (8, 32, "rhk atasan")
    assert (uncounted.poin, uncounted.total_poin) == (None, 0)


@pytest.mark.parametrize(
    ("kode", "peran", "priorities", "recommended", "rule"),
    [
        ("D.1.3", "guru", ("D.1.3",), True, None),
        ("D.1.3", "guru", ("D.1",), True, None),  # a sub-indicator of a priority
        ("D.2", "guru", ("D.1.3",), False, None),  # any indicator of the role may be chosen
        ("D.1", "guru", (), True, None),  # no priority: the role's default is recommended
        ("D.3", "guru", (), None, "skp.indikator_peran"),
        ("D.1", "kepala_sekolah", (), None, "skp.indikator_peran"),
        ("D.99", "guru", (), None, "katalog.indikator_unknown"),
    ],
)
def test_indikator_choice(
    kode: str, peran: str, priorities: tuple[str, ...], recommended: bool | None, rule: str | None
) -> None:
    if rule is not None:
        with pytest.raises(InvalidValue) as refused:
            indikator_choice(CATALOG, kode, peran=peran, prioritas_rapor=priorities)
        assert (refused.value.rule, refused.value.field) == (rule, "indikator")
        return
    choice = indikator_choice(CATALOG, kode, peran=peran, prioritas_rapor=priorities)
    indicator = CATALOG.indicators[kode]
    assert (choice.kode, choice.nama, choice.recommended) == (kode, indicator.nama, recommended)
    assert choice.perilaku_dianjurkan == indicator.perilaku_dianjurkan
