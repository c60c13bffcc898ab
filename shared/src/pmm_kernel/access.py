"""Who a caller is to a pegawai's record: the relation every service's authorisation table is keyed by.

Roles come from the token; relations from the roster (or its projection), never from the token. The owner is the
pegawai whose record it is; the atasan is whoever holds the appraising relation today (a KS for a guru, the pengawas
for a KS); an operator relates to the records of the schools in their region. Each service keeps its own table of
which relation may take which action and calls `require`: someone else's record is reported as not found (404) so
that its existence does not leak, a record the caller may see but not act on is forbidden (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pmm_kernel.errors import Forbidden, NotFound

ATASAN_ROLES = frozenset({"kepala_sekolah", "pengawas"})


class Relation(StrEnum):
    OWNER = "owner"
    ATASAN = "atasan"
    OPERATOR = "operator"
    NONE = "none"


@dataclass(frozen=True)
class Actor:
    """The caller as the roster knows them."""

    subject: str
    roles: frozenset[str]
    pegawai_id: UUID | None  # None for operators and for people not (yet) in the roster
    wilayah: str | None  # operators: the kode wilayah prefix they manage ("" = national)


def in_region(actor: Actor, kode_wilayah: str) -> bool:
    return "operator" in actor.roles and actor.wilayah is not None and kode_wilayah.startswith(actor.wilayah)


def relation_to(actor: Actor, *, owner_id: UUID, current_atasan_id: UUID | None, kode_wilayah: str) -> Relation:
    if actor.pegawai_id is not None and actor.pegawai_id == owner_id:
        return Relation.OWNER
    if actor.pegawai_id is not None and actor.pegawai_id == current_atasan_id and actor.roles & ATASAN_ROLES:
        return Relation.ATASAN
    if in_region(actor, kode_wilayah):
        return Relation.OPERATOR
    return Relation.NONE


def require_visible(relation: Relation, *, what: str) -> None:
    if relation is Relation.NONE:
        raise NotFound(f"no such {what}", rule=f"{what}.not_found")


def require(relation: Relation, action: str, allowed: Mapping[str, frozenset[Relation]], *, what: str) -> None:
    """404 when the record is not the caller's business at all, 403 when this relation may not take `action`."""
    require_visible(relation, what=what)
    if relation not in allowed[action]:
        raise Forbidden(
            f"as {relation.value} you may not {action} this {what}",
            rule=f"{what}.{action}_forbidden",
            extra={"relation": relation.value},
        )
