"""Who may see and do what with a pelaksanaan: by relation from the roster projection, never from the token.

The owner is the pegawai whose cycle it is; the atasan is whoever holds the appraising relation TODAY (a KS for a
guru, the pengawas for a KS), so a transfer or a new KS takes effect at once. Someone else's record is reported as
not found (404) so that its existence does not leak; a record the caller may see but not act on is forbidden (403).
"""

from __future__ import annotations

from uuid import UUID

from observation.domain.pelaksanaan import Aksi
from observation.domain.unggahan import Unggahan
from pmm_kernel import access as kernel
from pmm_kernel.access import ATASAN_ROLES, Actor, Relation, relation_to
from pmm_kernel.errors import Forbidden, NotFound

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

__all__ = [
    "ALLOWED",
    "ATASAN_ROLES",
    "Actor",
    "Relation",
    "relation_to",
    "require_allowed",
    "require_atasan",
    "require_uploader",
    "require_visible",
]


def require_visible(relation: Relation, *, what: str = "pelaksanaan") -> None:
    kernel.require_visible(relation, what=what)


def require_allowed(relation: Relation, action: Aksi | str) -> None:
    kernel.require(relation, str(action), ALLOWED, what="pelaksanaan")


def require_atasan(actor: Actor) -> UUID:
    """Only a kepala sekolah or a pengawas in the roster has a team to follow; their roster id."""
    if actor.pegawai_id is None or not actor.roles & ATASAN_ROLES:
        raise Forbidden("only a kepala sekolah or a pengawas has a team to follow", rule="role.atasan_required")
    return actor.pegawai_id


def require_uploader(actor: Actor, upload: Unggahan | None) -> Unggahan:
    """An upload in progress is its uploader's alone: to anyone else it does not exist."""
    if upload is None or actor.pegawai_id is None or upload.pegawai_id != actor.pegawai_id:
        raise NotFound("no such upload", rule="unggahan.not_found")
    return upload
