"""Request bodies. Requests forbid unknown fields, so a typo is a 422 naming the field."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bkn_sync.domain.conflict import Keputusan

Kode = Annotated[str, StringConstraints(min_length=1, max_length=40)]
KodeWilayah = Annotated[str, StringConstraints(pattern=r"^\d{0,6}$")]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeputusanIn(Request):
    keputusan: Keputusan = Field(
        description="pertahankan_pmm: push PMM's approved plan again; terima_bkn: send "
        "BKN's version to planning (an operator then resets the plan there)"
    )
    alasan: Annotated[str, StringConstraints(max_length=2000)] = Field(description="why, for the audit")


class RekonsiliasiIn(Request):
    periode: Kode = Field(examples=["2024-S1"])
    wilayah: KodeWilayah = Field(examples=["3273"], description="kode wilayah prefix; must be inside yours")
