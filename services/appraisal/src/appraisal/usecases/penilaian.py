"""The commands on a penilaian: the atasan rates and finalises; an operator reopens a final one or marks a pegawai
rated on perilaku only (docs/domain.md §6).

Each loads the penilaian locked, checks the caller's relation (someone else's penilaian is a 404) and then the
version the client read, changes it, saves it and commits; each answers with the penilaian and its figures.
Rating is a draft the atasan may save any time the penilaian is ratable; only finalising is window-checked (the
period's `penilaian` window, or the year's penilaian tahunan window, with operators' extensions for the region).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import finalisasi, tahunan
from appraisal.domain.access import Actor, require_allowed
from appraisal.domain.penilaian import Aksi, Finalisasi, Penilaian, require_alasan
from appraisal.domain.periode import tahun_kode
from appraisal.domain.predikat import Rating
from appraisal.usecases import Deps
from appraisal.usecases.tahunan import refresh_tahunan
from appraisal.usecases.views import PenilaianContext, angka_kredit_of, load_penilaian, rentang_of, with_figures
from pmm_kernel.clock import today
from pmm_kernel.errors import NotFound
from pmm_kernel.versions import ExpectedVersion
from pmm_kernel.windows import check_open

PENILAIAN_STEP = "penilaian"  # the window of a period's own penilaian


async def _load_for(
    uow: AppraisalUnitOfWork,
    deps: Deps,
    actor: Actor,
    penilaian_id: uuid.UUID,
    aksi: Aksi,
    expected: ExpectedVersion,
    *,
    with_atasan: bool = False,
) -> PenilaianContext:
    """The penilaian, locked, once the caller may take `aksi` on it and has read its current version."""
    context = await load_penilaian(uow, deps, actor, penilaian_id, for_update=True, with_atasan=with_atasan)
    require_allowed(context.relation, aksi)
    expected.check(context.penilaian.version)
    return context


async def _saved(
    uow: AppraisalUnitOfWork, deps: Deps, context: PenilaianContext, *, read_version: int, tahunan_too: bool = False
) -> PenilaianContext:
    """Save and commit the change; a finalisation or a reopen also moves the year's penilaian tahunan."""
    penilaian = context.penilaian
    await uow.penilaian.save(penilaian, expected_version=read_version)
    if tahunan_too:
        await refresh_tahunan(uow, deps, penilaian.pegawai_id, penilaian.periode)
    await uow.commit()
    return await with_figures(uow, deps, context)


# --- the atasan's commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatePenilaian:
    penilaian_id: uuid.UUID
    expected: ExpectedVersion
    hasil_kerja: Rating | None  # None for a pegawai rated on perilaku only
    perilaku_kerja: Rating
    umpan_balik: tuple[tuple[str, str], ...]  # (kode of a BerAKHLAK value of the plan, feedback)
    catatan: str | None


async def rate(cmd: RatePenilaian, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> PenilaianContext:
    async with uow:
        context = await _load_for(uow, deps, actor, cmd.penilaian_id, Aksi.NILAI, cmd.expected)
        assert actor.pegawai_id is not None  # require_allowed: only the atasan gets here
        penilaian = context.penilaian
        read_version = penilaian.version
        penilaian.rate(
            hasil_kerja=cmd.hasil_kerja,
            perilaku_kerja=cmd.perilaku_kerja,
            umpan_balik=dict(cmd.umpan_balik),
            catatan=cmd.catatan,
            penilai_id=actor.pegawai_id,
            at=deps.clock.now(),
            known_values=await _berakhlak(uow, penilaian),
            rules=deps.rules,
        )
        return await _saved(uow, deps, context, read_version=read_version)


async def _berakhlak(uow: AppraisalUnitOfWork, penilaian: Penilaian) -> set[str]:
    """The BerAKHLAK values feedback may name (for the annual evaluation, its periods' plans give them)."""
    periodic: list[Penilaian] = []
    if penilaian.rencana is None and penilaian.menimbang_periode:
        periodes = [h.periode for h in penilaian.hasil_periodik]
        periodic = await uow.penilaian.of_year(penilaian.pegawai_id, periodes)
    return tahunan.berakhlak(penilaian, periodic)


@dataclass(frozen=True)
class FinalizePenilaian:
    penilaian_id: uuid.UUID
    expected: ExpectedVersion


async def finalize(cmd: FinalizePenilaian, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> PenilaianContext:
    """Fix the ratings, the angka kredit and the appraiser as BKN names them; `penilaian.finalized` goes out."""
    async with uow:
        # The appraiser as BKN names them is the atasan the penilaian is read with: the caller, once allowed.
        context = await _load_for(uow, deps, actor, cmd.penilaian_id, Aksi.FINALISASI, cmd.expected, with_atasan=True)
        penilaian = context.penilaian
        read_version = penilaian.version
        penilaian.require(Aksi.FINALISASI)  # finalising twice is a state conflict before it is a window question
        pegawai, sekolah = context.pegawai, context.sekolah
        if pegawai is None or sekolah is None:
            raise NotFound("the pegawai is not in the roster yet", rule="pegawai.not_in_roster")
        await _check_window(uow, deps, context, region=sekolah.kode_wilayah)
        rentang = await rentang_of(uow, deps, penilaian, pegawai)
        if rentang is None:
            raise NotFound(f"no period {penilaian.periode}", rule="periode.unknown", field="periode")
        angka_kredit, _ = await angka_kredit_of(uow, deps, penilaian, pegawai, rentang)
        atasan, atasan_sekolah = context.atasan, context.atasan_sekolah
        assert atasan is not None  # require_allowed: only the atasan gets here, and the caller is in the roster
        penilaian.finalize(
            Finalisasi(
                at=deps.clock.now(),
                penilai=finalisasi.penilai(
                    atasan,
                    peran_atasan=context.peran_atasan,
                    sekolah=sekolah,
                    atasan_sekolah=atasan_sekolah.nama if atasan_sekolah else None,
                ),
                identitas=finalisasi.identitas(pegawai, sekolah),
                rentang=rentang,
                angka_kredit=angka_kredit,
            )
        )
        return await _saved(uow, deps, context, read_version=read_version, tahunan_too=True)


async def _check_window(uow: AppraisalUnitOfWork, deps: Deps, context: PenilaianContext, *, region: str) -> None:
    """Finalising is allowed in the penilaian window (with the region's extensions) and only then; the periods of
    the year came with the penilaian."""
    penilaian = context.penilaian
    on = today(deps.clock)
    if not penilaian.menimbang_periode:
        periode = next((p for p in context.periods if p.kode == penilaian.periode), None)
        if periode is None:
            raise NotFound(f"no period {penilaian.periode}", rule="periode.unknown", field="periode")
        periode.check_open(PENILAIAN_STEP, on, region_code=region)
        return
    step = deps.rules.penilaian_tahunan.step
    year = await uow.roster_extra.periods_of_year(tahun_kode(penilaian.periode))
    window = tahunan.tahunan_window(year, step)
    if window is None:
        raise NotFound(f"{penilaian.periode} has no penilaian tahunan window", rule="periode.no_step", field="periode")
    check_open(
        window,
        on,
        region_code=region,
        extensions=tuple(e for p in context.periods for e in p.extensions if e.step == step),
        period_label=penilaian.periode,
    )


# --- the operator's commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReopenPenilaian:
    penilaian_id: uuid.UUID
    expected: ExpectedVersion
    alasan: str


async def reopen(cmd: ReopenPenilaian, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> PenilaianContext:
    """Back to DINILAI for the atasan to correct; audited, and `penilaian.reopened` tells bkn_sync."""
    async with uow:
        context = await _load_for(uow, deps, actor, cmd.penilaian_id, Aksi.BUKA_KEMBALI, cmd.expected)
        read_version = context.penilaian.version
        context.penilaian.reopen(at=deps.clock.now(), alasan=cmd.alasan)
        uow.audit.record(
            actor=actor.subject,
            action="penilaian.buka_kembali",
            target=str(context.penilaian.id),
            detail={"alasan": cmd.alasan.strip()},
        )
        return await _saved(uow, deps, context, read_version=read_version, tahunan_too=True)


@dataclass(frozen=True)
class SetHanyaPerilaku:
    penilaian_id: uuid.UUID
    expected: ExpectedVersion
    hanya_perilaku: bool
    alasan: str


async def set_hanya_perilaku(
    cmd: SetHanyaPerilaku, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor
) -> PenilaianContext:
    """Mark (or unmark) a pegawai appointed at the end of the period: rated on perilaku only; audited."""
    alasan = require_alasan(cmd.alasan, message="say why, for the audit")
    async with uow:
        context = await _load_for(uow, deps, actor, cmd.penilaian_id, Aksi.HANYA_PERILAKU, cmd.expected)
        read_version = context.penilaian.version
        context.penilaian.set_hanya_perilaku(cmd.hanya_perilaku)
        uow.audit.record(
            actor=actor.subject,
            action="penilaian.hanya_perilaku",
            target=str(context.penilaian.id),
            detail={"hanya_perilaku": cmd.hanya_perilaku, "alasan": alasan},
        )
        return await _saved(uow, deps, context, read_version=read_version)
