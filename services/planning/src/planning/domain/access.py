"""Who may see and do what with a plan: by role from the token, by relation from the roster (never the token).

Another person's record is reported as not found (404) so its existence does not leak; a record the actor may
see but not act on is forbidden (403).
"""

from __future__ import annotations

from planning.domain.skp import Action
from pmm_kernel import access as kernel
from pmm_kernel.access import ATASAN_ROLES, Actor, Relation, relation_to
from pmm_kernel.errors import Forbidden

# Which relation may take which action; the role must match the relation (a KS approves as atasan, etc.).
ALLOWED: dict[str, frozenset[Relation]] = {
    Action.EDIT: frozenset({Relation.OWNER}),
    Action.SUBMIT: frozenset({Relation.OWNER}),
    Action.APPROVE: frozenset({Relation.ATASAN}),
    Action.RETURN: frozenset({Relation.ATASAN}),
    Action.SET_EKSPEKTASI: frozenset({Relation.ATASAN}),
    Action.RESET: frozenset({Relation.OPERATOR}),
}

__all__ = [
    "ALLOWED",
    "ATASAN_ROLES",
    "Actor",
    "Relation",
    "relation_to",
    "require_allowed",
    "require_operator",
    "require_visible",
]


def require_visible(relation: Relation, *, what: str = "plan") -> None:
    kernel.require_visible(relation, what=what)


def require_allowed(relation: Relation, action: Action) -> None:
    require_visible(relation)  # someone else's plan: 404 plan.not_found
    kernel.require(relation, action.value, ALLOWED, what="skp")  # not theirs to act on: 403 skp.<action>_forbidden


def require_operator(actor: Actor) -> str:
    """The region an operator manages (a kode wilayah prefix; "" is the whole country); 403 for anyone else."""
    if "operator" not in actor.roles or actor.wilayah is None:
        raise Forbidden("only an operator may do this", rule="role.operator_required")
    return actor.wilayah
