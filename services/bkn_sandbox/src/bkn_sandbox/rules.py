"""What BKN checks on a push, in the order it checks it, and the typed errors it answers with.

Field names follow the public SIASN client code (docs/domain.md §7). Where nothing is public (the identity fields a
push carries, the error codes) the names are the sandbox's assumption, kept here in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bkn_sandbox.store import Record


# Not frozen: the web framework clears an exception's __traceback__ after answering it, which a frozen dataclass
# refuses (a traceback in the log for every typed refusal). eq=False keeps exceptions hashable by identity.
@dataclass(eq=False)
class BknError(Exception):
    status: int
    code: str
    message: str
    field: str | None = None

    def body(self) -> dict[str, Any]:
        return {"success": False, "code": self.code, "message": self.message, "field": self.field}


# The typed errors, one home: code -> (HTTP status, message).
ERRORS: dict[str, tuple[int, str]] = {
    "VALIDASI_GAGAL": (400, "the request does not have the fields this resource needs"),
    "PEGAWAI_TIDAK_DITEMUKAN": (404, "no pegawai with this NIP in SIASN"),
    "NIP_TIDAK_SESUAI": (422, "this NIP belongs to another identity in SIASN"),
    "UNOR_TIDAK_SESUAI": (422, "the pegawai's unit (unor) in SIASN differs"),
    "JABATAN_TIDAK_SESUAI": (422, "the pegawai's jabatan in SIASN differs"),
    "PERIODE_TIDAK_ADA": (422, "this period is not open in e-Kinerja"),
    "ATASAN_BERBEDA": (422, "the pejabat penilai differs from the atasan recorded in SIASN"),
    "SKP_BELUM_DISETUJUI": (409, "no approved SKP in e-Kinerja covers this period"),
    "DATA_TIDAK_ADA": (404, "no such record"),
}


def error(code: str, field: str | None = None) -> BknError:
    status, message = ERRORS[code]
    return BknError(status, code, message, field)


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    pnsDinilaiId: str = Field(min_length=18, max_length=18)  # the NIP (assumption: BKN's internal id is the NIP)
    nama: str
    unorId: str
    jabatanNama: str


class _Penilai(_Body):
    penilaiNipNrp: str
    penilaiNama: str
    penilaiGolongan: str | None = None
    penilaiJabatanNama: str
    penilaiUnorNama: str
    statusPenilai: Literal["ASN", "NON ASN"]


class _Months(BaseModel):
    model_config = ConfigDict(extra="allow")

    bulanMulaiPenilaian: int = Field(ge=1, le=12)
    bulanSelesaiPenilaian: int = Field(ge=1, le=12)
    tahunMulaiPenilaian: int
    tahunSelesaiPenilaian: int


class SkpRhk(BaseModel):
    model_config = ConfigDict(extra="allow")

    rhk: str
    rhkAtasan: str | None = None
    aspek: str
    indikator: str
    target: int
    satuan: str


class SkpBody(_Body):
    tahun: int
    bulanMulai: int = Field(ge=1, le=12)
    bulanSelesai: int = Field(ge=1, le=12)
    penilaiNipNrp: str | None = None
    status: Literal["DRAFT", "DIAJUKAN", "DISETUJUI"] = "DISETUJUI"
    rhk: list[SkpRhk]


class KinerjaPeriodikBody(_Penilai, _Months):
    periodikId: Literal[1, 2]  # 1 bulanan, 2 triwulan
    hasilKinerjaNilai: Literal[1, 2, 3]
    perilakuKerjaNilai: Literal[1, 2, 3]
    kuadranKinerjaNilai: Literal[1, 2, 3, 4, 5]
    koefisienId: str | None = None


class Skp22Body(_Penilai):
    tahun: int
    hasilKinerjaNilai: Literal[1, 2, 3]
    perilakuKerjaNilai: Literal[1, 2, 3]
    kuadranKinerjaNilai: Literal[1, 2, 3, 4, 5]


class AngkaKreditBody(_Body, _Months):
    kreditUtamaBaru: Decimal
    kreditBaruTotal: Decimal
    nomorSk: str | None = None
    tanggalSk: str | None = None


BODIES: dict[str, type[_Body]] = {
    "skp": SkpBody,
    "kinerjaperiodik": KinerjaPeriodikBody,
    "skp22": Skp22Body,
    "angkakredit": AngkaKreditBody,
}


def parse(kind: str, raw: Any) -> _Body:
    try:
        return BODIES[kind].model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise error("VALIDASI_GAGAL", ".".join(str(p) for p in first["loc"]) or None) from None


def periode_key(kind: str, body: _Body) -> str:
    """BKN's period of a record: (year, first month, last month); the year alone for the annual result."""
    if isinstance(body, SkpBody):
        return f"{body.tahun}-{body.bulanMulai:02d}-{body.bulanSelesai:02d}"
    if isinstance(body, Skp22Body):
        return f"{body.tahun}"
    assert isinstance(body, _Months)
    return (
        f"{body.tahunMulaiPenilaian}-{body.bulanMulaiPenilaian:02d}-{body.bulanSelesaiPenilaian:02d}"
        if body.tahunMulaiPenilaian == body.tahunSelesaiPenilaian
        else f"{body.tahunMulaiPenilaian}-{body.bulanMulaiPenilaian:02d}-{body.tahunSelesaiPenilaian}-"
        f"{body.bulanSelesaiPenilaian:02d}"
    )


def _tahun(body: _Body) -> int:
    if isinstance(body, SkpBody | Skp22Body):
        return body.tahun
    assert isinstance(body, _Months)
    return body.tahunMulaiPenilaian


def _same(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").lower().split()) == " ".join((b or "").lower().split())


def check(
    kind: str,
    body: _Body,
    *,
    profile: dict[str, Any] | None,
    open_years: set[int],
    skp_records: list[Record],
) -> None:
    """Raises the first typed error BKN would answer with; returns when the push is accepted."""
    if profile is None:
        raise error("PEGAWAI_TIDAK_DITEMUKAN", "pnsDinilaiId")
    if not _same(profile.get("nama"), body.nama):
        raise error("NIP_TIDAK_SESUAI", "pnsDinilaiId")
    placement = placement_of(profile, body.unorId)
    if placement is None:
        raise error("UNOR_TIDAK_SESUAI", "unorId")
    if not _same(profile.get("jabatanNama"), body.jabatanNama):
        raise error("JABATAN_TIDAK_SESUAI", "jabatanNama")
    if _tahun(body) not in open_years:
        raise error("PERIODE_TIDAK_ADA", "tahun")
    penilai = getattr(body, "penilaiNipNrp", None)
    atasan = placement.get("atasanNip")
    if atasan and penilai and penilai != atasan:
        raise error("ATASAN_BERBEDA", "penilaiNipNrp")
    if kind != "skp" and not any(_covers(r, body) for r in skp_records):
        raise error("SKP_BELUM_DISETUJUI")


def placement_of(profile: dict[str, Any], unor_id: str) -> dict[str, Any] | None:
    """The pegawai's placement at `unor_id`: the current one, or an earlier one SIASN keeps in its riwayat (a
    pegawai transferred mid-period still has the old unit's SKP and records of the months served there; assumption:
    e-Kinerja accepts them with the unit and pejabat penilai of that placement)."""
    placements = [profile, *profile.get("riwayatPenempatan", [])]
    return next((p for p in placements if p.get("unorId") == unor_id), None)


def _covers(record: Record, body: _Body) -> bool:
    skp = record.body
    if skp.get("status") != "DISETUJUI":
        return False
    if isinstance(body, Skp22Body):
        return skp["tahun"] == body.tahun
    assert isinstance(body, _Months)
    return (
        skp["tahun"] == body.tahunMulaiPenilaian == body.tahunSelesaiPenilaian
        and skp["bulanMulai"] <= body.bulanMulaiPenilaian
        and body.bulanSelesaiPenilaian <= skp["bulanSelesai"]
    )
