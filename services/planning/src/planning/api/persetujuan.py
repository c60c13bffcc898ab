"""Approving many plans of the atasan's queue in one request (docs/domain.md §4)."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from planning.api.deps import ActorDep, DepsDep
from planning.api.schemas import Request as RequestBody
from planning.usecases import persetujuan
from pmm_chassis.http.idempotency import IdempotencyKey, idempotent
from pmm_chassis.http.problems import KIND_STATUS, PROBLEM_RESPONSES
from pmm_kernel.versions import ExpectedVersion, etag

router = APIRouter(tags=["skp"], responses=PROBLEM_RESPONSES)


class PersetujuanItemIn(RequestBody):
    skp_id: uuid.UUID
    version: int = Field(ge=1, le=10**9, description="the plan's version as the queue showed it (its ETag `v<N>`)")


class PersetujuanIn(RequestBody):
    items: list[PersetujuanItemIn] = Field(
        min_length=1, max_length=persetujuan.MAX_ITEMS, description="the plans to approve, each once"
    )


class PersetujuanItemOut(BaseModel):
    skp_id: uuid.UUID
    outcome: Literal["approved", "refused"]
    status: int = Field(description="what a single approval of this plan would have answered: 200, 403, 404, 409, 412")
    rule: str | None = Field(description="the refusal's rule (`plan.not_found`, `http.if_match_stale`, ...)")
    detail: str | None = Field(description="the refusal in English, for a log; show the rule's own message")
    etag: str | None = Field(description="the approved plan's new ETag")


class PersetujuanOut(BaseModel):
    approved: int
    refused: int
    items: list[PersetujuanItemOut]


def _command(body: PersetujuanIn) -> persetujuan.ApproveMany:
    """The versions the queue showed, checked as If-Match would be (a body always carries one: never a 428)."""
    return persetujuan.ApproveMany(
        items=tuple((item.skp_id, ExpectedVersion(etag(item.version))) for item in body.items)
    )


def _item(outcome: persetujuan.Outcome) -> PersetujuanItemOut:
    if outcome.approved is not None:
        version = outcome.approved.skp.version
        return PersetujuanItemOut(
            skp_id=outcome.skp_id, outcome="approved", status=200, rule=None, detail=None, etag=etag(version)
        )
    assert outcome.refused is not None
    status, _ = KIND_STATUS[outcome.refused.kind]
    return PersetujuanItemOut(
        skp_id=outcome.skp_id,
        outcome="refused",
        status=status,
        rule=outcome.refused.rule,
        detail=outcome.refused.detail,
        etag=None,
    )


@router.post("/persetujuan", response_model=PersetujuanOut, summary="Atasan: approve many plans at once")
async def approve_many(
    body: PersetujuanIn, request: Request, deps: DepsDep, actor: ActorDep, _key: IdempotencyKey = None
) -> Response:
    """The atasan approves (disetujui) several plans of their queue in one request: 1-100 `items`, each a plan's
    `skp_id` once with the `version` the queue showed. Each plan is judged as `POST /skp/{skp_id}/approve` judges
    it: the pegawai's current atasan only, in `DIAJUKAN`, at that version, inside the planning window of the
    pegawai's role and region. The answer lists every plan's outcome in the order sent: `approved` with its new
    `etag`, or `refused` with the `status` and `rule` a single approval would have answered (a plan outside the
    caller's queue is `404 plan.not_found`, a stale version `412 http.if_match_stale`, a plan no longer waiting
    `409 skp.approve_not_allowed_in_<state>`). A refused plan changes nothing and does not stop the others; each
    approved plan publishes `planning.skp.approved.v1` and is audited as if approved alone.

    403 `role.atasan_required` for a caller who is neither a kepala sekolah nor a pengawas in the roster; 422 for
    no plan or over 100 (`items`) or a plan sent twice (`items[<i>].skp_id`, `persetujuan.skp_duplicate`). Send an
    `Idempotency-Key`: then every approval and the answer are durable together, and a retry gets the same answer
    without approving anything twice."""

    async def compute() -> JSONResponse:
        outcomes = await persetujuan.approve_many(_command(body), deps=deps, actor=actor)
        items = [_item(outcome) for outcome in outcomes]
        approved = sum(item.outcome == "approved" for item in items)
        answer = PersetujuanOut(approved=approved, refused=len(items) - approved, items=items)
        return JSONResponse(answer.model_dump(mode="json"))

    return await idempotent(request, actor=actor.subject, compute=compute)
