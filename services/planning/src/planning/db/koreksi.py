"""The correction reports' repository: loads and saves `Koreksi`, and reads the operator's worklist."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, and_, any_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from planning.db.repository import _pegawai, _sekolah
from planning.db.tables import KoreksiRow, Pegawai, Sekolah
from planning.domain import records
from planning.domain.koreksi import ClosedBy, Jenis, Koreksi, KoreksiStatus
from pmm_kernel.errors import StaleVersion, StateConflict


def exists_error(subject: str, koreksi_id: uuid.UUID | None = None) -> StateConflict:
    """A second open report on the same thing: the first one is still on the operator's list."""
    return StateConflict(
        f"you already have an open report about {subject}",
        rule="koreksi.exists",
        field="field",
        extra={"koreksi_id": str(koreksi_id)} if koreksi_id else None,
    )


# Every roster change asks which reports it closes (each SIASN change, one per message): built once, the rows mapped
# straight to reports.
_KOREKSI = KoreksiRow.__table__
_OPEN_FOR = (
    select(_KOREKSI)
    .where(
        _KOREKSI.c.pegawai_id == any_(bindparam("pegawai_ids", type_=ARRAY(Uuid()))),
        _KOREKSI.c.status == KoreksiStatus.DILAPORKAN.value,
    )
    .order_by(_KOREKSI.c.reported_at, _KOREKSI.c.id)
    .with_for_update()
)


class KoreksiRepository:
    def __init__(self, session: AsyncSession, track: Callable[[Koreksi], None]) -> None:
        self._session = session
        self._track = track

    async def get(self, koreksi_id: uuid.UUID, *, for_update: bool = False) -> Koreksi | None:
        query = select(KoreksiRow).where(KoreksiRow.id == koreksi_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).scalar_one_or_none()
        return self._load(row) if row else None

    async def open_about(self, pegawai_id: uuid.UUID, field: str | None) -> Koreksi | None:
        """The pegawai's open report about this field (None: about their atasan), if any."""
        query = select(KoreksiRow).where(
            KoreksiRow.pegawai_id == pegawai_id,
            KoreksiRow.status == KoreksiStatus.DILAPORKAN.value,
            KoreksiRow.field.is_(None) if field is None else KoreksiRow.field == field,
        )
        row = (await self._session.execute(query)).scalars().first()
        return self._load(row) if row else None

    async def open_for(self, pegawai_ids: Sequence[uuid.UUID]) -> list[Koreksi]:
        """The open reports of these pegawai, locked: a roster change is about to close those it covers."""
        if not pegawai_ids:
            return []
        rows = await self._session.execute(_OPEN_FOR, {"pegawai_ids": list(pegawai_ids)})
        return [self._load(row) for row in rows]

    async def of_pegawai(self, pegawai_id: uuid.UUID, *, limit: int) -> list[Koreksi]:
        """A pegawai's own reports, newest first."""
        query = (
            select(KoreksiRow)
            .where(KoreksiRow.pegawai_id == pegawai_id)
            .order_by(KoreksiRow.reported_at.desc(), KoreksiRow.id.desc())
            .limit(limit)
        )
        return [self._load(row, track=False) for row in (await self._session.execute(query)).scalars()]

    async def worklist(
        self,
        scope: str,
        *,
        status: str | None,
        npsn: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[Koreksi, records.Pegawai, records.Sekolah]]:
        """The reports of a region (a kode wilayah prefix; "" the whole country), oldest first (keyset pagination)."""
        query = (
            select(KoreksiRow, Pegawai, Sekolah)
            .join(Pegawai, Pegawai.id == KoreksiRow.pegawai_id)
            .join(Sekolah, Sekolah.npsn == KoreksiRow.npsn)
            .where(KoreksiRow.kode_wilayah.startswith(scope, autoescape=True))
        )
        if status is not None:
            query = query.where(KoreksiRow.status == status)
        if npsn is not None:
            query = query.where(KoreksiRow.npsn == npsn)
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(KoreksiRow.reported_at > at, and_(KoreksiRow.reported_at == at, KoreksiRow.id > last_id))
            )
        query = query.order_by(KoreksiRow.reported_at, KoreksiRow.id).limit(limit)
        rows = (await self._session.execute(query)).all()
        return [(self._load(k, track=False), _pegawai(p), _sekolah(s)) for k, p, s in rows]

    async def with_people(self, koreksi: Koreksi) -> tuple[records.Pegawai, records.Sekolah | None]:
        """The reporting pegawai as the roster says now, and the school the report is on the worklist of."""
        pegawai = await self._session.get(Pegawai, koreksi.pegawai_id)
        assert pegawai is not None
        sekolah = await self._session.get(Sekolah, koreksi.npsn)
        return _pegawai(pegawai), (_sekolah(sekolah) if sekolah else None)

    async def add(self, koreksi: Koreksi) -> None:
        """A new report; refused as koreksi.exists when the pegawai has one open about the same thing."""
        self._session.add(KoreksiRow(**_columns(koreksi)))
        try:
            await self._session.flush()
        except IntegrityError as exc:
            # Two reports sent at once (two tabs): both passed the use case's check, the unique index caught one.
            if "uq_koreksi_open" not in str(exc.orig):
                raise
            raise exists_error(koreksi.subject) from None
        self._track(koreksi)

    async def save(self, koreksi: Koreksi, *, expected_version: int) -> None:
        result = await self._session.execute(
            update(KoreksiRow)
            .where(KoreksiRow.id == koreksi.id, KoreksiRow.version == expected_version)
            .values(**_columns(koreksi), updated_at=func.now())
        )
        if result.rowcount != 1:
            raise StaleVersion("the report changed meanwhile; reload", rule="koreksi.concurrent_change")

    def _load(self, row: KoreksiRow, *, track: bool = True) -> Koreksi:
        koreksi = Koreksi(
            id=row.id,
            pegawai_id=row.pegawai_id,
            jenis=Jenis(row.jenis),
            field=row.field,
            nilai_benar=row.nilai_benar,
            catatan=row.catatan,
            npsn=row.npsn,
            kode_wilayah=row.kode_wilayah,
            reported_at=row.reported_at,
            status=KoreksiStatus(row.status),
            closed_at=row.closed_at,
            closed_by=ClosedBy(row.closed_by) if row.closed_by else None,
            alasan=row.alasan,
            version=row.version,
        )
        if track:
            self._track(koreksi)
        return koreksi


def _columns(koreksi: Koreksi) -> dict[str, Any]:
    return {
        "id": koreksi.id,
        "pegawai_id": koreksi.pegawai_id,
        "jenis": koreksi.jenis.value,
        "field": koreksi.field,
        "nilai_benar": koreksi.nilai_benar,
        "catatan": koreksi.catatan,
        "npsn": koreksi.npsn,
        "kode_wilayah": koreksi.kode_wilayah,
        "status": koreksi.status.value,
        "alasan": koreksi.alasan,
        "closed_by": koreksi.closed_by.value if koreksi.closed_by else None,
        "version": koreksi.version,
        "reported_at": koreksi.reported_at,
        "closed_at": koreksi.closed_at,
    }
