"""Who may see and do what: by role from the token, by relation from the roster projection (never the token).

The owner is the pegawai appraised; the atasan is whoever holds the appraising relation on the part's day (a KS
for a guru, the pengawas for a KS): TODAY for the current part, so a transfer or a new KS takes effect at once, and
the last day of a part a transfer ended, so the old school's KS appraises what that part showed
(`Penilaian.hari_penilai`). Someone else's record is reported as not found (404) so its existence does not leak; a
record the caller may see but not act on is forbidden (403), and so is a part of a pegawai the caller appraises
on another day than that part's (`penilaian.atasan_bagian`).
"""

from __future__ import annotations

from enum import StrEnum

from appraisal.domain.penilaian import Aksi
from pmm_kernel import access as kernel
from pmm_kernel.access import ATASAN_ROLES, Actor, Relation, in_region, relation_to
from pmm_kernel.errors import Forbidden, NotFound

LIHAT = "lihat"  # reading the penilaian, its plan, evidence and ratings
UNDUH = "unduh"  # downloading the evaluation document
PERINGATAN_DISTRIBUSI = "peringatan_distribusi"  # the school's distribution with this predikat, before finalising

# Which relation may take which action on a penilaian.
ALLOWED: dict[Aksi | str, frozenset[Relation]] = {
    LIHAT: frozenset({Relation.OWNER, Relation.ATASAN, Relation.OPERATOR}),
    UNDUH: frozenset({Relation.OWNER, Relation.ATASAN}),
    # The school's counts are the atasan's to weigh (and the Dinas's); the pegawai sees their own result only.
    PERINGATAN_DISTRIBUSI: frozenset({Relation.ATASAN, Relation.OPERATOR}),
    Aksi.NILAI: frozenset({Relation.ATASAN}),
    Aksi.FINALISASI: frozenset({Relation.ATASAN}),
    Aksi.BUKA_KEMBALI: frozenset({Relation.OPERATOR}),
    Aksi.HANYA_PERILAKU: frozenset({Relation.OPERATOR}),
}

__all__ = [
    "ALLOWED",
    "ATASAN_ROLES",
    "Actor",
    "Relation",
    "in_region",
    "relation_to",
    "require_allowed",
    "require_visible",
]


def require_visible(relation: Relation, *, what: str = "penilaian") -> None:
    kernel.require_visible(relation, what=what)


def require_allowed(relation: Relation, action: Aksi | str) -> None:
    kernel.require(relation, str(action), ALLOWED, what="penilaian")


def require_atasan_bagian(relation: Relation, *, atasan_on_another_day: bool, bagian: int) -> None:
    """A caller who appraises the pegawai on another day (today, or another part's last day) but holds no relation
    on this part's day may neither see nor rate it: its own atasan does (docs/domain.md §6). Forbidden rather than
    not found: the caller knows the pegawai, and the answer names the rule."""
    if relation is Relation.NONE and atasan_on_another_day:
        raise Forbidden(
            f"part {bagian} of this period is appraised by the atasan of its last day, not by you",
            rule="penilaian.atasan_bagian",
            field="bagian",
            extra={"bagian": bagian},
        )


# --- the school's view: distribution and monitoring --------------------------------------------------------


class SchoolRelation(StrEnum):
    KEPALA_SEKOLAH = "kepala_sekolah"  # the principal of that school (their own school in the roster)
    OPERATOR = "operator"  # an operator whose region contains the school
    NONE = "none"


def school_relation(actor: Actor, *, heads: frozenset[str], npsn: str, kode_wilayah: str) -> SchoolRelation:
    """`heads`: the schools the caller heads today, their own (as a kepala sekolah, or a Plt. of it) and those they
    act for as Plt. kepala sekolah from elsewhere (docs/domain.md §1)."""
    if "kepala_sekolah" in actor.roles and npsn in heads:
        return SchoolRelation.KEPALA_SEKOLAH
    if in_region(actor, kode_wilayah):
        return SchoolRelation.OPERATOR
    return SchoolRelation.NONE


LIHAT_DISTRIBUSI = "lihat_distribusi"
TETAPKAN_PREDIKAT_ORGANISASI = "tetapkan_predikat_organisasi"
KIRIM_LAPORAN = "kirim_laporan_kinerja"  # the school's results sent to the Dinas (SE MenPANRB 3/2023, step 1)

SCHOOL_ALLOWED: dict[str, frozenset[SchoolRelation]] = {
    LIHAT_DISTRIBUSI: frozenset({SchoolRelation.KEPALA_SEKOLAH, SchoolRelation.OPERATOR}),
    # The Dinas sets it (SE MenPANRB 3/2023): a principal may not grade their own school.
    TETAPKAN_PREDIKAT_ORGANISASI: frozenset({SchoolRelation.OPERATOR}),
    # The school's own kepala sekolah reports its results; the Dinas receives them.
    KIRIM_LAPORAN: frozenset({SchoolRelation.KEPALA_SEKOLAH}),
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
