"""The roster as the consuming services' use cases read it: plain read-only records, no table and no session.

`pmm_roster.projections` keeps the tables planning's events fill and answers with rows that have these shapes; a use
case types what it reads with these, so it never depends on how the projection is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from pmm_kernel.errors import NotFound
from pmm_kernel.windows import Extension, Window, check_open


class SekolahRecord(Protocol):
    @property
    def npsn(self) -> str: ...
    @property
    def nama(self) -> str: ...
    @property
    def kode_wilayah(self) -> str: ...
    @property
    def nama_wilayah(self) -> str: ...


class PegawaiRecord(Protocol):
    @property
    def pegawai_id(self) -> uuid.UUID: ...
    @property
    def nip(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def nama(self) -> str: ...
    @property
    def pangkat_golongan(self) -> str | None: ...
    @property
    def jenjang_jabatan(self) -> str | None: ...
    @property
    def jenis_gtk(self) -> str: ...
    @property
    def npsn(self) -> str: ...
    @property
    def kode_wilayah(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def tmt_jabatan(self) -> date | None: ...


@dataclass(frozen=True)
class PeriodeWindows:
    """A period as planning published it, with the operators' extensions: which step is open where, and when."""

    kode: str
    snapshot: dict[str, Any]
    extensions: tuple[Extension, ...]

    def window(self, step: str) -> Window:
        for w in self.snapshot["windows"]:
            if w["step"] == step:
                late = w.get("late_until")
                return Window(
                    step,
                    date.fromisoformat(w["opens"]),
                    date.fromisoformat(w["closes"]),
                    date.fromisoformat(late) if late else None,
                )
        raise NotFound(f"period {self.kode} has no {step} step", rule="periode.no_step", field="step")

    def check_open(self, step: str, on: date, *, region_code: str) -> None:
        check_open(self.window(step), on, region_code=region_code, extensions=self.extensions, period_label=self.kode)
