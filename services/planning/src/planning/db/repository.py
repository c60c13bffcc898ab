"""Repositories: load and save planning's aggregates and roster rows through the unit of work's session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from planning.db.tables import AuditLog, Pegawai, Periode, Relasi, Sekolah, SkpRow, WindowExtension
from planning.domain.skp import DataDiri, IndikatorChoice, RhkItem, Skp, SkpStatus
from pmm_kernel.errors import StaleVersion
from pmm_kernel.windows import Extension
from pmm_roster.projections import current_atasan_of, current_atasan_subquery


class SkpRepository:
    def __init__(self, session: AsyncSession, track: Callable[[Skp], None]) -> None:
        self._session = session
        self._track = track

    async def get(self, skp_id: uuid.UUID, *, for_update: bool = False) -> Skp | None:
        query = select(SkpRow).where(SkpRow.id == skp_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).scalar_one_or_none()
        return self._load(row) if row else None

    async def get_in_context(
        self, skp_id: uuid.UUID, *, on: date, with_extensions: bool
    ) -> tuple[Skp, Pegawai, Sekolah, uuid.UUID | None, list[Extension]] | None:
        """A plan locked for a change, with its pegawai, their school, their atasan on `on` and (if asked) its
        period's window extensions: one round trip, where loading each costs one."""
        columns: list[Any] = [SkpRow, Pegawai, Sekolah, current_atasan_of(Relasi, SkpRow.pegawai_id, on)]
        if with_extensions:
            columns.append(
                select(
                    func.jsonb_agg(
                        func.jsonb_build_object(
                            "step",
                            WindowExtension.step,
                            "until",
                            WindowExtension.until,
                            "wilayah",
                            WindowExtension.wilayah,
                            "alasan",
                            WindowExtension.alasan,
                        )  # fmt: skip
                    )
                )
                .where(WindowExtension.kode == SkpRow.periode)
                .scalar_subquery()
            )
        query = (
            select(*columns)
            .join(Pegawai, Pegawai.id == SkpRow.pegawai_id)
            .join(Sekolah, Sekolah.npsn == Pegawai.npsn)
            .where(SkpRow.id == skp_id)
            .with_for_update(of=SkpRow)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        extensions = [
            Extension(step=e["step"], until=date.fromisoformat(e["until"]), region=e["wilayah"], reason=e["alasan"])
            for e in ((row[4] or []) if with_extensions else [])
        ]
        return self._load(row[0]), row[1], row[2], row[3], extensions

    async def find(self, pegawai_id: uuid.UUID, periode: str) -> Skp | None:
        query = select(SkpRow).where(SkpRow.pegawai_id == pegawai_id, SkpRow.periode == periode)
        row = (await self._session.execute(query)).scalar_one_or_none()
        return self._load(row) if row else None

    def add(self, skp: Skp) -> None:
        self._session.add(SkpRow(**_columns(skp)))
        self._track(skp)

    async def save(self, skp: Skp, *, expected_version: int) -> None:
        """Write back a changed plan; refuses if someone else changed it since it was read."""
        result = await self._session.execute(
            update(SkpRow)
            .where(SkpRow.id == skp.id, SkpRow.version == expected_version)
            .values(**_columns(skp), updated_at=func.now())
        )
        if result.rowcount != 1:
            raise StaleVersion("the plan changed while you were editing it; reload", rule="skp.concurrent_change")

    async def queue(
        self,
        *,
        atasan_id: uuid.UUID,
        on: date,
        status: str | None,
        periode: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[Skp, Pegawai, Sekolah]]:
        """Plans of the pegawai this atasan appraises on `on`, oldest submission first (keyset pagination)."""
        # Candidates by the atasan index, then each one's current atasan by the pegawai index: never the current
        # atasan of every pegawai in the country.
        ever_mine = select(Relasi.pegawai_id).where(Relasi.atasan_id == atasan_id)
        query = (
            select(SkpRow, Pegawai, Sekolah)
            .join(Pegawai, Pegawai.id == SkpRow.pegawai_id)
            .join(Sekolah, Sekolah.npsn == Pegawai.npsn)
            .where(SkpRow.pegawai_id.in_(ever_mine), current_atasan_of(Relasi, SkpRow.pegawai_id, on) == atasan_id)
        )
        if status:
            query = query.where(SkpRow.status == status)
        if periode:
            query = query.where(SkpRow.periode == periode)
        if after is not None:
            at, last_id = after
            query = query.where(or_(SkpRow.submitted_at > at, and_(SkpRow.submitted_at == at, SkpRow.id > last_id)))
        query = query.order_by(SkpRow.submitted_at.asc().nulls_last(), SkpRow.id).limit(limit)
        rows = (await self._session.execute(query)).all()
        return [(self._load(skp_row), pegawai, sekolah) for skp_row, pegawai, sekolah in rows]

    def _load(self, row: SkpRow) -> Skp:
        content = row.content
        skp = Skp(
            id=row.id,
            pegawai_id=row.pegawai_id,
            periode=row.periode,
            peran=row.peran,
            status=SkpStatus(row.status),
            version=row.version,
            data_diri=DataDiri(**content["data_diri"]) if content.get("data_diri") else None,
            indikator=_indikator(content.get("indikator")),
            pengembangan_kompetensi=tuple(RhkItem(**i) for i in content.get("pengembangan_kompetensi", [])),
            tugas_tambahan=tuple(RhkItem(**i) for i in content.get("tugas_tambahan", [])),
            perilaku_dikonfirmasi=content.get("perilaku_dikonfirmasi", False),
            ekspektasi_khusus=dict(content.get("ekspektasi_khusus", {})),
            catatan_atasan=row.catatan_atasan,
            atasan_id=row.atasan_id,
            submitted_at=row.submitted_at,
            approved_at=row.approved_at,
        )
        self._track(skp)
        return skp


def _indikator(raw: dict[str, Any] | None) -> IndikatorChoice | None:
    if not raw:
        return None
    return IndikatorChoice(
        kode=raw["kode"],
        nama=raw["nama"],
        perilaku_dianjurkan=tuple(raw["perilaku_dianjurkan"]),
        perilaku_dihindari=tuple(raw["perilaku_dihindari"]),
        recommended=raw["recommended"],
    )


def _columns(skp: Skp) -> dict[str, Any]:
    return {
        "id": skp.id,
        "pegawai_id": skp.pegawai_id,
        "periode": skp.periode,
        "peran": skp.peran,
        "status": skp.status.value,
        "version": skp.version,
        "content": {
            "data_diri": asdict(skp.data_diri) if skp.data_diri else None,
            "indikator": asdict(skp.indikator) if skp.indikator else None,
            "pengembangan_kompetensi": [asdict(i) for i in skp.pengembangan_kompetensi],
            "tugas_tambahan": [asdict(i) for i in skp.tugas_tambahan],
            "perilaku_dikonfirmasi": skp.perilaku_dikonfirmasi,
            "ekspektasi_khusus": skp.ekspektasi_khusus,
        },
        "catatan_atasan": skp.catatan_atasan,
        "atasan_id": skp.atasan_id,
        "submitted_at": skp.submitted_at,
        "approved_at": skp.approved_at,
    }


class RosterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pegawai_by_nip(self, nip: str) -> Pegawai | None:
        return (await self._session.execute(select(Pegawai).where(Pegawai.nip == nip))).scalar_one_or_none()

    async def pegawai_id_by_nip(self, nip: str) -> uuid.UUID | None:
        return (await self._session.execute(select(Pegawai.id).where(Pegawai.nip == nip))).scalar_one_or_none()

    async def pegawai(self, pegawai_id: uuid.UUID) -> Pegawai | None:
        return await self._session.get(Pegawai, pegawai_id)

    async def pegawai_by_nips(self, nips: Sequence[str]) -> dict[str, Pegawai]:
        if not nips:
            return {}
        rows = (await self._session.execute(select(Pegawai).where(Pegawai.nip.in_(list(nips))))).scalars()
        return {p.nip: p for p in rows}

    async def sekolah(self, npsn: str) -> Sekolah | None:
        return await self._session.get(Sekolah, npsn)

    async def sekolah_by_npsns(self, npsns: Sequence[str]) -> dict[str, Sekolah]:
        if not npsns:
            return {}
        rows = (await self._session.execute(select(Sekolah).where(Sekolah.npsn.in_(list(npsns))))).scalars()
        return {s.npsn: s for s in rows}

    async def relasi_for(self, pegawai_ids: Sequence[uuid.UUID]) -> list[Relasi]:
        if not pegawai_ids:
            return []
        return list(
            (await self._session.execute(select(Relasi).where(Relasi.pegawai_id.in_(list(pegawai_ids))))).scalars()
        )

    async def current_atasan(self, pegawai_id: uuid.UUID, on: date) -> tuple[uuid.UUID, str] | None:
        current = current_atasan_subquery(Relasi, on)
        row = (
            await self._session.execute(
                select(current.c.atasan_id, current.c.peran_atasan).where(current.c.pegawai_id == pegawai_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def sekolah_in_region(self, scope: str) -> list[Sekolah]:
        """The schools of an operator's region (a kode wilayah prefix; "" is the whole country), by name."""
        query = select(Sekolah).where(_in_region(scope)).order_by(Sekolah.nama, Sekolah.npsn)
        return list((await self._session.execute(query)).scalars())

    async def roster_position(self, scope: str, pegawai_id: uuid.UUID) -> tuple[Any, ...] | None:
        """Where a pegawai of the region stands in `pegawai_in_region`'s order; None if not in the region."""
        query = (
            select(*_ROSTER_ORDER)
            .join(Sekolah, Sekolah.npsn == Pegawai.npsn)
            .where(Pegawai.id == pegawai_id, _in_region(scope))
        )
        row = (await self._session.execute(query)).first()
        return tuple(row) if row else None

    async def pegawai_in_region(
        self, scope: str, *, npsn: str | None, after: tuple[Any, ...] | None, limit: int
    ) -> list[tuple[Pegawai, Sekolah]]:
        """The pegawai of the schools of a region, by school then name (keyset pagination after `after`)."""
        query = select(Pegawai, Sekolah).join(Sekolah, Sekolah.npsn == Pegawai.npsn).where(_in_region(scope))
        if npsn is not None:
            query = query.where(Sekolah.npsn == npsn)
        if after is not None:
            query = query.where(tuple_(*_ROSTER_ORDER) > tuple_(*after))
        query = query.order_by(*_ROSTER_ORDER).limit(limit)
        return [(pegawai, sekolah) for pegawai, sekolah in (await self._session.execute(query)).all()]

    def add(self, row: Any) -> None:
        self._session.add(row)

    async def flush(self) -> None:
        await self._session.flush()


# A roster listing's order: school by name (the NPSN tells two schools of one name apart), then the pegawai by name
# (their id tells namesakes apart), so that a page boundary is one exact place.
_ROSTER_ORDER = (Sekolah.nama, Sekolah.npsn, Pegawai.nama, Pegawai.id)


def _in_region(scope: str) -> ColumnElement[bool]:
    return Sekolah.kode_wilayah.startswith(scope, autoescape=True)


class PeriodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, kode: str) -> Periode | None:
        return await self._session.get(Periode, kode)

    async def all(self) -> list[Periode]:
        return list((await self._session.execute(select(Periode).order_by(Periode.kode))).scalars())

    async def known_codes(self) -> set[str]:
        return set((await self._session.execute(select(Periode.kode))).scalars())

    async def extensions(self, kode: str) -> list[Extension]:
        rows = (await self._session.execute(select(WindowExtension).where(WindowExtension.kode == kode))).scalars()
        return [Extension(step=r.step, until=r.until, region=r.wilayah, reason=r.alasan) for r in rows]

    def add(self, row: Any) -> None:
        self._session.add(row)


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def record(self, *, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self._session.add(AuditLog(actor=actor, action=action, target=target, detail=detail))
