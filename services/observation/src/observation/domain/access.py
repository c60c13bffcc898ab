"""Who may see and do what with a pelaksanaan: by relation from the roster projection, never from the token.

The owner is the pegawai whose cycle it is; the atasan is whoever holds the appraising relation TODAY (a KS for a
guru, the pengawas for a KS), so a transfer or a new KS takes effect at once. Someone else's record is reported as
not found (404) so that its existence does not leak; a record the caller may see but not act on is forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pmm_kernel.errors import Forbidden, NotFound

from observation.domain.pelaksanaan import Aksi


class Relation(StrEnum):
    OWNER = "owner"
    ATASAN = "atasan"
    OPERATOR = "operator"  # an operator whose region contains the pegawai's school: reads only
    NONE = "none"


@dataclass(frozen=True)
class Actor:
    subject: str
    roles: frozenset[str]
    pegawai_id: UUID | None  # None for operators and for people not (yet) in the roster projection
    wilayah: str | None  # operators: the kode wilayah prefix they manage ("" = national)


READ = "read"  # seeing the cycle, its rubric and its bukti

# Which relation may take which action. Closing and re-opening are planning's events, not anybody's request.
ALLOWED: dict[Aksi | str, frozenset[Relation]] = {
    READ: frozenset({Relation.OWNER, Relation.ATASAN, Relation.OPERATOR}),
    Aksi.SUSUN_PERSIAPAN: frozenset({Relation.OWNER}),
    Aksi.SETUJUI_JADWAL: frozenset({Relation.ATASAN}),
    Aksi.USULKAN_JADWAL_LAIN: frozenset({Relation.ATASAN}),
    Aksi.TERIMA_JADWAL: frozenset({Relation.OWNER}),
    Aksi.CATAT_OBSERVASI: frozenset({Relation.ATASAN}),
    Aksi.CATAT_DISKUSI_ATASAN: frozenset({Relation.ATASAN}),
    Aksi.CATAT_DISKUSI_GURU: frozenset({Relation.OWNER}),
    Aksi.CATAT_UPAYA: frozenset({Relation.OWNER}),
    Aksi.CATAT_REFLEKSI: frozenset({Relation.OWNER}),
}
# Evidence has two actions under one state check (Aksi.TAMBAH_BUKTI): who does which is the policy's question.
UNGGAH_BUKTI = "unggah_bukti"  # 2024 policy: the pegawai uploads
KONFIRMASI_BUKTI = "konfirmasi_bukti"  # 2025+: the atasan confirms the documents exist at school
ALLOWED[UNGGAH_BUKTI] = frozenset({Relation.OWNER})
ALLOWED[KONFIRMASI_BUKTI] = frozenset({Relation.ATASAN})

ATASAN_ROLES = frozenset({"kepala_sekolah", "pengawas"})


def relation_to(actor: Actor, *, owner_id: UUID, current_atasan_id: UUID | None, kode_wilayah: str) -> Relation:
    if actor.pegawai_id is not None and actor.pegawai_id == owner_id:
        return Relation.OWNER
    if actor.pegawai_id is not None and actor.pegawai_id == current_atasan_id and actor.roles & ATASAN_ROLES:
        return Relation.ATASAN
    if "operator" in actor.roles and actor.wilayah is not None and kode_wilayah.startswith(actor.wilayah):
        return Relation.OPERATOR
    return Relation.NONE


def require_visible(relation: Relation, *, what: str = "pelaksanaan") -> None:
    if relation is Relation.NONE:
        raise NotFound(f"no such {what}", rule=f"{what}.not_found")


def require_allowed(relation: Relation, action: Aksi | str) -> None:
    require_visible(relation)
    if relation not in ALLOWED[action]:
        name = action.value if isinstance(action, Aksi) else action
        raise Forbidden(
            f"as {relation.value} you may not {name} this pelaksanaan",
            rule=f"pelaksanaan.{name}_forbidden",
            extra={"relation": relation.value},
        )
