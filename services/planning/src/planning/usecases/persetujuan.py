"""Approving many plans of the atasan's queue at once (docs/domain.md §4): a kepala sekolah with forty plans
waiting on a slow school line approves them in one request instead of forty.

Each plan is decided exactly as `skp.approve_skp` decides one: the caller must be its pegawai's atasan today (someone
else's plan is not found), it must be `DIAJUKAN` at the version the caller read, inside the window for the atasan's
decisions in the pegawai's region (the policy's `persetujuan` window where it has one, else the role's planning
window). Each plan has a unit of work of its own, so a refused plan changes nothing and leaves the
others to go on; an approved one commits with its `SkpApproved` event as a single approval would (and the audit
trail records its change). Inside a request keyed with an Idempotency-Key the units of work join the request's
transaction, each in a savepoint of its own (docs/design.md §3, §5): the answer and every approval become durable
together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from planning.domain.access import ATASAN_ROLES, Actor
from planning.usecases import Deps, skp
from planning.usecases.views import SkpContext
from pmm_kernel.errors import DomainError, Forbidden, InvalidValue
from pmm_kernel.versions import ExpectedVersion

# One request's worth of a school's queue: enough for the largest school's teachers, small enough that one request
# holds its plans' row locks only briefly.
MAX_ITEMS = 100


@dataclass(frozen=True)
class ApproveMany:
    items: tuple[tuple[uuid.UUID, ExpectedVersion], ...]  # (plan, the version the atasan read), in the order sent


@dataclass(frozen=True)
class Outcome:
    """One plan's answer: approved (with the plan as it is now), or refused by the rule a single approval names."""

    skp_id: uuid.UUID
    approved: SkpContext | None = None
    refused: DomainError | None = None


def _check(cmd: ApproveMany) -> None:
    if not 1 <= len(cmd.items) <= MAX_ITEMS:
        raise InvalidValue(f"send between 1 and {MAX_ITEMS} plans", rule="persetujuan.items_count", field="items")
    seen: set[uuid.UUID] = set()
    for index, (skp_id, _) in enumerate(cmd.items):
        if skp_id in seen:
            raise InvalidValue(
                "each plan may be sent once", rule="persetujuan.skp_duplicate", field=f"items[{index}].skp_id"
            )
        seen.add(skp_id)


async def approve_many(cmd: ApproveMany, *, deps: Deps, actor: Actor) -> list[Outcome]:
    """Every plan's outcome, in the order sent. Only a kepala sekolah or a pengawas in the roster has a queue to
    approve from (403 `role.atasan_required`, as for the queue itself)."""
    if actor.pegawai_id is None or not actor.roles & ATASAN_ROLES:
        raise Forbidden("only a kepala sekolah or a pengawas has an approval queue", rule="role.atasan_required")
    _check(cmd)
    outcomes: dict[uuid.UUID, Outcome] = {}
    # Plans are locked in one order whatever order they were sent in: two atasan's requests that share plans (a
    # relation that changed today) wait for each other instead of deadlocking.
    for skp_id, expected in sorted(cmd.items, key=lambda item: item[0]):
        try:
            context = await skp.approve_skp(skp.ApproveSkp(skp_id, expected), uow=deps.uow(), deps=deps, actor=actor)
        except DomainError as refusal:
            outcomes[skp_id] = Outcome(skp_id, refused=refusal)
        else:
            outcomes[skp_id] = Outcome(skp_id, approved=context)
    return [outcomes[skp_id] for skp_id, _ in cmd.items]
