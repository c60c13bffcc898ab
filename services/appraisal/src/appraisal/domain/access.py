"""Who may see and do what: by role from the token, by relation from the roster projection (never the token).

The owner is the pegawai appraised; the atasan is whoever holds the appraising relation TODAY (a KS for a guru, the
pengawas for a KS), so a transfer or a new KS takes effect at once. Someone else's record is reported as not found
(404) so its existence does not leak; a record the caller may see but not act on is forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pmm_kernel.errors import Forbidden, NotFound

from appraisal.domain.penilaian import Aksi


class Relation(StrEnum):
    OWNER = "owner"
    ATASAN = "atasan"
    OPERATOR = "operator"  # an operator whose region contains the pegawai's school
    NONE = "none"


@dataclass(frozen=True)
class Actor:
    subject: str
    roles: frozenset[str]
    pegawai_id: UUID | None  # None for operators and for people not (yet) in the roster projection
    wilayah: str | None  # operators: the kode wilayah prefix they manage ("" = national)


LIHAT = "lihat"  # reading the penilaian, its plan, evidence and ratings
UNDUH = "unduh"  # downloading the evaluation document

# Which relation may take which action on a penilaian.
ALLOWED: dict[Aksi | str, frozenset[Relation]] = {
    LIHAT: frozenset({Relation.OWNER, Relation.ATASAN, Relation.OPERATOR}),
    UNDUH: frozenset({Relation.OWNER, Relation.ATASAN}),
    Aksi.NILAI: frozenset({Relation.ATASAN}),
    Aksi.FINALISASI: frozenset({Relation.ATASAN}),
    Aksi.BUKA_KEMBALI: frozenset({Relation.OPERATOR}),
    Aksi.HANYA_PERILAKU: frozenset({Relation.OPERATOR}),
}

ATASAN_ROLES = frozenset({"kepala_sekolah", "pengawas"})


def relation_to(actor: Actor, *, owner_id: UUID, current_atasan_id: UUID | None, kode_wilayah: str) -> Relation:
    if actor.pegawai_id is not None and actor.pegawai_id == owner_id:
        return Relation.OWNER
    if actor.pegawai_id is not None and actor.pegawai_id == current_atasan_id and actor.roles & ATASAN_ROLES:
        return Relation.ATASAN
    if in_region(actor, kode_wilayah):
        return Relation.OPERATOR
    return Relation.NONE


def in_region(actor: Actor, kode_wilayah: str) -> bool:
    return "operator" in actor.roles and actor.wilayah is not None and kode_wilayah.startswith(actor.wilayah)


def require_visible(relation: Relation, *, what: str = "penilaian") -> None:
    if relation is Relation.NONE:
        raise NotFound(f"no such {what}", rule=f"{what}.not_found")


def require_allowed(relation: Relation, action: Aksi | str) -> None:
    require_visible(relation)
    if relation not in ALLOWED[action]:
        name = action.value if isinstance(action, Aksi) else action
        raise Forbidden(
            f"as {relation.value} you may not {name} this penilaian",
            rule=f"penilaian.{name}_forbidden",
            extra={"relation": relation.value},
        )


# --- the school's view: distribution and monitoring --------------------------------------------------------


class SchoolRelation(StrEnum):
    KEPALA_SEKOLAH = "kepala_sekolah"  # the principal of that school (their own school in the roster)
    OPERATOR = "operator"  # an operator whose region contains the school
    NONE = "none"


def school_relation(actor: Actor, *, actor_npsn: str | None, npsn: str, kode_wilayah: str) -> SchoolRelation:
    if "kepala_sekolah" in actor.roles and actor_npsn is not None and actor_npsn == npsn:
        return SchoolRelation.KEPALA_SEKOLAH
    if in_region(actor, kode_wilayah):
        return SchoolRelation.OPERATOR
    return SchoolRelation.NONE


LIHAT_DISTRIBUSI = "lihat_distribusi"
TETAPKAN_PREDIKAT_ORGANISASI = "tetapkan_predikat_organisasi"

SCHOOL_ALLOWED: dict[str, frozenset[SchoolRelation]] = {
    LIHAT_DISTRIBUSI: frozenset({SchoolRelation.KEPALA_SEKOLAH, SchoolRelation.OPERATOR}),
    # The Dinas sets it (SE MenPANRB 3/2023): a principal may not grade their own school.
    TETAPKAN_PREDIKAT_ORGANISASI: frozenset({SchoolRelation.OPERATOR}),
}


def require_school(relation: SchoolRelation, action: str) -> None:
    if relation is SchoolRelation.NONE:
        raise NotFound("no such school", rule="sekolah.not_found", field="npsn")
    if relation not in SCHOOL_ALLOWED[action]:
        raise Forbidden(
            f"as {relation.value} you may not {action} for this school",
            rule=f"sekolah.{action}_forbidden",
            extra={"relation": relation.value},
        )
