"""Predikat kinerja from the atasan's two ratings (PermenPANRB 6/2022; docs/domain.md §6).

The atasan rates hasil kerja and perilaku kerja, each di atas / sesuai / di bawah ekspektasi; a 3 x 3
matrix turns the pair into the predikat. The matrix is data (`reference/predikat.toml`), loaded once;
the BKN codes are BKN/SIASN's own numbering, sent as `hasilKinerjaNilai`, `perilakuKerjaNilai` and
`kuadranKinerjaNilai`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraisal.domain import HEADER_KEYS, ReferenceFileError, only_keys, parse_choice, read_reference
from pmm_kernel.errors import InvalidValue


class Rating(StrEnum):
    DI_ATAS = "di_atas"
    SESUAI = "sesuai"
    DI_BAWAH = "di_bawah"

    @property
    def label(self) -> str:
        return RATING_LABEL[self]

    @property
    def bkn_code(self) -> int:
        return RATING_BKN_CODE[self]

    @classmethod
    def parse(cls, value: object, *, field: str) -> Rating:
        return parse_choice(cls, value, RATING_LABEL, field=field, rule="predikat.unknown_rating")

    @classmethod
    def from_bkn_code(cls, code: int, *, field: str = "rating") -> Rating:
        return _from_code(RATING_BKN_CODE, code, field=field, rule="predikat.unknown_rating_code")


class Predikat(StrEnum):
    SANGAT_BAIK = "sangat_baik"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"

    @property
    def label(self) -> str:
        return PREDIKAT_LABEL[self]

    @property
    def bkn_code(self) -> int:
        return PREDIKAT_BKN_CODE[self]

    @classmethod
    def parse(cls, value: object, *, field: str = "predikat") -> Predikat:
        return parse_choice(cls, value, PREDIKAT_LABEL, field=field, rule="predikat.unknown_predikat")

    @classmethod
    def from_bkn_code(cls, code: int, *, field: str = "predikat") -> Predikat:
        return _from_code(PREDIKAT_BKN_CODE, code, field=field, rule="predikat.unknown_predikat_code")


RATING_LABEL: Mapping[Rating, str] = MappingProxyType(
    {
        Rating.DI_ATAS: "Di atas ekspektasi",
        Rating.SESUAI: "Sesuai ekspektasi",
        Rating.DI_BAWAH: "Di bawah ekspektasi",
    }
)
RATING_BKN_CODE: Mapping[Rating, int] = MappingProxyType({Rating.DI_ATAS: 1, Rating.SESUAI: 2, Rating.DI_BAWAH: 3})

PREDIKAT_LABEL: Mapping[Predikat, str] = MappingProxyType(
    {
        Predikat.SANGAT_BAIK: "Sangat Baik",
        Predikat.BAIK: "Baik",
        Predikat.BUTUH_PERBAIKAN: "Butuh Perbaikan",
        Predikat.KURANG: "Kurang/Misconduct",
        Predikat.SANGAT_KURANG: "Sangat Kurang",
    }
)
PREDIKAT_BKN_CODE: Mapping[Predikat, int] = MappingProxyType(
    {
        Predikat.SANGAT_BAIK: 1,
        Predikat.BAIK: 2,
        Predikat.BUTUH_PERBAIKAN: 3,
        Predikat.KURANG: 4,
        Predikat.SANGAT_KURANG: 5,
    }
)


@dataclass(frozen=True)
class PredikatResult:
    predikat: Predikat
    hasil_kerja: Rating
    perilaku: Rating
    cell: str  # "perilaku di_atas x hasil_kerja sesuai": which cell of the matrix gave the predikat
    regulation: str  # "PermenPANRB 6/2022"
    version: str  # the reference file's version, kept with the appraisal


@dataclass(frozen=True)
class PredikatMatrix:
    regulation: str
    source: str
    version: str
    cells: Mapping[tuple[Rating, Rating], Predikat] = field(hash=False)  # by (perilaku, hasil_kerja)

    def predikat(self, hasil_kerja: Rating | str, perilaku: Rating | str) -> PredikatResult:
        hasil = Rating.parse(hasil_kerja, field="hasil_kerja")
        laku = Rating.parse(perilaku, field="perilaku")
        return PredikatResult(
            predikat=self.cells[(laku, hasil)],
            hasil_kerja=hasil,
            perilaku=laku,
            cell=f"perilaku {laku.value} x hasil_kerja {hasil.value}",
            regulation=self.regulation,
            version=self.version,
        )


def predikat(
    hasil_kerja: Rating | str, perilaku: Rating | str, *, matrix: PredikatMatrix | None = None
) -> PredikatResult:
    """The predikat of a pair of ratings; `InvalidValue` naming the field if a rating is unknown."""
    return (matrix or default_matrix()).predikat(hasil_kerja, perilaku)


@cache
def default_matrix() -> PredikatMatrix:
    """The packaged matrix, read on first use and kept: it changes only with a release of the data."""
    return load_matrix()


def load_matrix(path: Path | None = None) -> PredikatMatrix:
    """The matrix of `path` (default: the packaged reference/predikat.toml); `ReferenceFileError` if malformed."""
    doc = read_reference("predikat", path)
    name = path.name if path is not None else "predikat.toml"
    try:
        return _matrix(doc)
    except ReferenceFileError as exc:
        raise ReferenceFileError(f"reference file {name}: {exc}") from exc


def _matrix(doc: dict[str, Any]) -> PredikatMatrix:
    only_keys(doc, HEADER_KEYS | {"matrix"}, "the predikat file")
    rows = doc.get("matrix")
    if not isinstance(rows, dict):
        raise ReferenceFileError("[matrix] is a table of rows by rating perilaku")
    ratings = {r.value for r in Rating}
    # Every cell, exactly once: a missing cell would leave some pair of ratings without a predikat.
    only_keys(rows, ratings, "[matrix] (rows: rating perilaku)")
    cells: dict[tuple[Rating, Rating], Predikat] = {}
    for perilaku in Rating:
        row = rows.get(perilaku.value)
        if not isinstance(row, dict) or set(row) != ratings:
            raise ReferenceFileError(f"matrix row {perilaku.value} needs exactly the columns {sorted(ratings)}")
        for hasil_kerja in Rating:
            value = row[hasil_kerja.value]
            if value not in {p.value for p in Predikat}:
                raise ReferenceFileError(
                    f"matrix cell perilaku {perilaku.value} x hasil_kerja {hasil_kerja.value}: "
                    f"{value!r} is not a predikat"
                )
            cells[(perilaku, hasil_kerja)] = Predikat(value)
    return PredikatMatrix(
        regulation=doc["regulation"],
        source=doc["source"],
        version=doc["version"],
        cells=MappingProxyType(cells),
    )


def _from_code(codes: Mapping[Any, int], code: int, *, field: str, rule: str) -> Any:
    for member, known in codes.items():
        if known == code and not isinstance(code, bool):
            return member
    raise InvalidValue(f"{field} code {code!r} is not one of {sorted(codes.values())}", rule=rule, field=field)
