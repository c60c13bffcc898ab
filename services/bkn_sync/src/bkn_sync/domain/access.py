"""Who may see and act on sync state: by role from the token, by relation from the roster projection.

A teacher sees their own pushes, a kepala sekolah those of their school, an operator those of their region;
only an operator acts (retry, decide a conflict, reconcile), and only inside their region. Another's record is
reported as not found so that its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pmm_kernel.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Actor:
    subject: str
    roles: frozenset[str]
    pegawai_id: UUID | None  # None for operators and for people not in the roster
    npsn: str | None  # the actor's own school, from the roster
    wilayah: str | None  # operators: the kode wilayah prefix they manage ("" = national)


class Relation(StrEnum):
    OWNER = "owner"
    KEPALA_SEKOLAH = "kepala_sekolah"  # the KS of the pegawai's school
    OPERATOR = "operator"  # an operator whose region contains the pegawai's school
    NONE = "none"


class Action(StrEnum):
    VIEW = "view"
    RETRY = "retry"
    DECIDE = "decide"
    RECONCILE = "reconcile"


ALLOWED: dict[Action, frozenset[Relation]] = {
    Action.VIEW: frozenset({Relation.OWNER, Relation.KEPALA_SEKOLAH, Relation.OPERATOR}),
    Action.RETRY: frozenset({Relation.OPERATOR}),
    Action.DECIDE: frozenset({Relation.OPERATOR}),
    Action.RECONCILE: frozenset({Relation.OPERATOR}),
}


def in_region(actor: Actor, kode_wilayah: str) -> bool:
    return "operator" in actor.roles and actor.wilayah is not None and kode_wilayah.startswith(actor.wilayah)


def relation_to(actor: Actor, *, pegawai_id: UUID, npsn: str, kode_wilayah: str) -> Relation:
    if actor.pegawai_id is not None and actor.pegawai_id == pegawai_id:
        return Relation.OWNER
    if "kepala_sekolah" in actor.roles and actor.npsn is not None and actor.npsn == npsn:
        return Relation.KEPALA_SEKOLAH
    if in_region(actor, kode_wilayah):
        return Relation.OPERATOR
    return Relation.NONE


def require(relation: Relation, action: Action, *, what: str = "pegawai") -> None:
    if relation is Relation.NONE:
        raise NotFound(f"no such {what}", rule=f"{what}.not_found")
    if relation not in ALLOWED[action]:
        raise Forbidden(
            f"as {relation.value} you may not {action.value} here",
            rule=f"sync.{action.value}_forbidden",
            extra={"relation": relation.value},
        )


def require_operator_for(actor: Actor, kode_wilayah: str) -> None:
    """Region-wide views and actions: an operator whose region contains `kode_wilayah`."""
    if "operator" not in actor.roles or actor.wilayah is None:
        raise Forbidden("only an operator may do this", rule="role.operator_required")
    if not kode_wilayah.startswith(actor.wilayah):
        raise Forbidden("outside your region", rule="sync.region_forbidden", field="wilayah")
