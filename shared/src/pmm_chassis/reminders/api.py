"""The reminders' API every reminding service mounts: a person's own, and for operators the refused addresses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from pmm_chassis.auth.jwt import PrincipalDep, Role
from pmm_chassis.http.pagination import Page, decode_cursor, encode_cursor
from pmm_chassis.http.problems import PROBLEM_RESPONSES
from pmm_chassis.reminders.table import Pengingat
from pmm_kernel.errors import Forbidden, InvalidValue

MAX_LIMIT = 100


class PemberitahuanOut(BaseModel):
    id: int
    kind: str
    periode: str
    judul: str
    isi: str
    tenggat: datetime
    tautan: str
    dibuat: datetime
    terkirim: bool
    terkirim_pada: datetime | None


class GagalOut(BaseModel):
    id: int
    kind: str
    periode: str
    wilayah: str
    pegawai_id: str
    penerima: str
    email: str | None
    alasan: str
    pada: datetime


def _cursor_id(cursor: str | None) -> int | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    value = position.get("id")
    if not isinstance(value, int):
        raise InvalidValue("cursor is not one this API returned", rule="pagination.cursor", field="cursor")
    return value


def reminders_router() -> APIRouter:
    router = APIRouter(tags=["pemberitahuan"], responses=PROBLEM_RESPONSES)

    @router.get("/pemberitahuan", response_model=Page[PemberitahuanOut], summary="My reminders")
    async def own_reminders(
        request: Request,
        principal: PrincipalDep,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        cursor: str | None = None,
    ) -> Page[PemberitahuanOut]:
        """The caller's own reminders, newest first: what to do, by when, where, and whether the mail went out.

        Only ever the caller's: a reminder is listed to the person it was decided for (their sign-in subject).
        """
        before = _cursor_id(cursor)
        query = select(Pengingat).where(Pengingat.penerima == principal.subject)
        if before is not None:
            query = query.where(Pengingat.id < before)
        query = query.order_by(Pengingat.id.desc()).limit(limit + 1)
        async with request.app.state.sessions() as session:
            rows = list((await session.execute(query)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(
            items=[
                PemberitahuanOut(
                    id=r.id or 0,
                    kind=r.kind,
                    periode=r.periode,
                    judul=r.judul,
                    isi=r.isi,
                    tenggat=r.tenggat,
                    tautan=r.tautan,
                    dibuat=r.created_at,
                    terkirim=r.sent_at is not None,
                    terkirim_pada=r.sent_at,
                )
                for r in rows
            ],
            next_cursor=encode_cursor({"id": rows[-1].id}) if more and rows else None,
        )

    @router.get(
        "/pemberitahuan/gagal", response_model=Page[GagalOut], summary="Operator: reminders that could not be mailed"
    )
    async def refused_reminders(
        request: Request,
        principal: PrincipalDep,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        cursor: str | None = None,
    ) -> Page[GagalOut]:
        """Operators: reminders of their region that could not be mailed (an address refused by the mail server or
        none on file), newest first, with the reason, so the address can be corrected in the roster.
        """
        if not principal.has(Role.OPERATOR) or principal.wilayah is None:
            raise Forbidden(
                "only an operator sees the refused addresses of their region", rule="role.operator_required"
            )
        before = _cursor_id(cursor)
        query = select(Pengingat).where(
            Pengingat.refused_at.is_not(None),
            Pengingat.wilayah.startswith(principal.wilayah, autoescape=True),
        )
        if before is not None:
            query = query.where(Pengingat.id < before)
        query = query.order_by(Pengingat.id.desc()).limit(limit + 1)
        async with request.app.state.sessions() as session:
            rows = list((await session.execute(query)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(
            items=[
                GagalOut(
                    id=r.id or 0,
                    kind=r.kind,
                    periode=r.periode,
                    wilayah=r.wilayah,
                    pegawai_id=str(r.pegawai_id),
                    penerima=r.penerima,
                    email=r.email,
                    alasan=r.refused_reason or "",
                    pada=r.refused_at,  # type: ignore[arg-type]
                )
                for r in rows
            ],
            next_cursor=encode_cursor({"id": rows[-1].id}) if more and rows else None,
        )

    return router
