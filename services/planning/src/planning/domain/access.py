"""Who may see and do what with a plan: by role from the token, by relation from the roster (never the token).

Another person's record is reported as not found (404) so its existence does not leak; a record the actor may
see but not act on is forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pmm_kernel.errors import Forbidden, NotFound

from planning.domain.skp import Action


class Relation(StrEnum):
    OWNER = "owner"  # the pegawai whose plan it is
    ATASAN = "atasan"  # holds the appraising relation to that pegawai today
    OPERATOR = "operator"  # an operator whose region contains the pegawai's school
    NONE = "none"


@dataclass(frozen=True)
class Actor:
    """The caller as the roster knows them."""

    subject: str
    roles: frozenset[str]
    pegawai_id: UUID | None  # None for operators and for people not in the roster
    wilayah: str | None  # operators: the kode wilayah prefix they manage ("" = national)


# Which relation may take which action; the role must match the relation (a KS approves as atasan, etc.).
ALLOWED: dict[Action, frozenset[Relation]] = {
    Action.EDIT: frozenset({Relation.OWNER}),
    Action.SUBMIT: frozenset({Relation.OWNER}),
    Action.APPROVE: frozenset({Relation.ATASAN}),
    Action.RETURN: frozenset({Relation.ATASAN}),
    Action.SET_EKSPEKTASI: frozenset({Relation.ATASAN}),
    Action.RESET: frozenset({Relation.OPERATOR}),
}

ATASAN_ROLES = frozenset({"kepala_sekolah", "pengawas"})


def relation_to(
    actor: Actor, *, owner_id: UUID, current_atasan_id: UUID | None, kode_wilayah: str
) -> Relation:
    if actor.pegawai_id is not None and actor.pegawai_id == owner_id:
        return Relation.OWNER
    if actor.pegawai_id is not None and actor.pegawai_id == current_atasan_id and actor.roles & ATASAN_ROLES:
        return Relation.ATASAN
    if "operator" in actor.roles and actor.wilayah is not None and kode_wilayah.startswith(actor.wilayah):
        return Relation.OPERATOR
    return Relation.NONE


def require_visible(relation: Relation, *, what: str = "plan") -> None:
    if relation is Relation.NONE:
        raise NotFound(f"no such {what}", rule=f"{what}.not_found", field=None)


def require_allowed(relation: Relation, action: Action) -> None:
    require_visible(relation)
    if relation not in ALLOWED[action]:
        raise Forbidden(
            f"as {relation.value} you may not {action.value} this plan",
            rule=f"skp.{action.value}_forbidden",
            field=None,
            extra={"relation": relation.value},
        )
