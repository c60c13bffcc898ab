"""Appraisal's service layer: one async function per command or event.

Each loads what it needs through the unit of work, checks the caller's relation (from the roster projection), calls
the domain and commits (the outbox rows go in the same transaction). HTTP routes and event handlers both call these;
neither touches a session.

Decisions kept here, in one place:
- Rating is a draft the atasan may save any time the penilaian is ratable; only finalising is window-checked (the
  period's `penilaian` window, or the year's penilaian tahunan window, with operators' extensions for the region).
- Angka kredit is computed when the atasan rates (shown, not kept) and again when they finalise (kept and sent):
  the jenjang is the roster's at that moment; the cumulative figure adds the final angka kredit of the same
  jenjang in this system (a new jenjang starts again from zero).
- A pegawai whose roster entry has not arrived yet can be appraised by nobody but an operator of the whole
  country: relations come from the roster, and without it there is none.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from appraisal.db.repository import LEVELS, monitoring_rows
from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import angka_kredit as ak_rules
from appraisal.domain import distribution
from appraisal.domain.access import (
    ATASAN_ROLES,
    LIHAT,
    LIHAT_DISTRIBUSI,
    TETAPKAN_PREDIKAT_ORGANISASI,
    UNDUH,
    Actor,
    Relation,
    relation_to,
    require_allowed,
    require_school,
    school_relation,
)
from appraisal.domain.evaluasi import EvaluasiRules, Jenis
from appraisal.domain.penilaian import (
    Aksi,
    AngkaKreditHasil,
    Finalisasi,
    HasilPeriodik,
    Identitas,
    Penilai,
    Penilaian,
    Rencana,
    Rentang,
    RhkRencana,
    Siklus,
    Status,
)
from appraisal.domain.predikat import Predikat, Rating
from pmm_contracts.events.observation import PelaksanaanClosedV1, PelaksanaanCompletedV1
from pmm_contracts.events.planning import SkpApprovedV1, SkpRef
from pmm_kernel.clock import Clock, today
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound
from pmm_kernel.windows import Window, check_open
from pmm_roster.projections import RosterPegawai, RosterPeriode, RosterSekolah

logger = logging.getLogger(__name__)

UowFactory = Callable[[], AppraisalUnitOfWork]
PENILAIAN_STEP = "penilaian"  # the window of a period's own penilaian
ASN = frozenset({"PNS", "PPPK"})


@dataclass(frozen=True)
class Deps:
    """What every use case may need besides its unit of work; built once by the bootstrap."""

    uow: UowFactory
    clock: Clock
    rules: EvaluasiRules


# --- who is calling --------------------------------------------------------------------------------------


async def pegawai_id_by_nip(deps: Deps, nip: str) -> uuid.UUID | None:
    """The caller's roster id, if the roster has them."""
    async with deps.uow() as uow:
        pegawai = await uow.roster.pegawai_by_nip(nip)
        return pegawai.pegawai_id if pegawai else None


# --- planning's and observation's events -------------------------------------------------------------------


async def apply_skp_submitted(uow: AppraisalUnitOfWork, data: SkpRef, *, version: int) -> str:
    await uow.skp_monitor.apply(data.pegawai_id, data.periode, status="DIAJUKAN", skp_version=version)
    await uow.commit()
    return "monitored"


async def apply_skp_approved(uow: AppraisalUnitOfWork, deps: Deps, data: SkpApprovedV1, *, version: int) -> str:
    """An approved plan opens the penilaian of that pegawai and period (or completes one the cycle opened)."""
    await uow.skp_monitor.apply(data.pegawai_id, data.periode, status="DISETUJUI", skp_version=version)
    rencana = Rencana(
        skp_id=data.skp_id,
        indikator_kode=data.indikator.kode,
        indikator_nama=data.indikator.nama,
        rhk=tuple(
            RhkRencana(
                kode=r.kode,
                nama=r.nama,
                kategori=r.kategori,
                indikator_kinerja_individu=r.indikator_kinerja_individu,
                target_kuantitas=r.target_kuantitas,
                satuan=r.satuan,
            )
            for r in data.rhk
        ),
        perilaku=tuple((p.kode, p.nama) for p in data.perilaku),
        disetujui_at=data.approved_at,
    )
    penilaian = await _load_or_open(uow, data.pegawai_id, data.periode)
    outcome = await _apply(uow, penilaian, lambda p: p.apply_rencana(rencana, skp_version=version))
    await _refresh_tahunan(uow, deps, data.pegawai_id, data.periode)
    await uow.commit()
    return outcome


async def apply_skp_reset(uow: AppraisalUnitOfWork, deps: Deps, data: SkpRef, *, version: int) -> str:
    await uow.skp_monitor.apply(data.pegawai_id, data.periode, status="DRAFT", skp_version=version)
    penilaian = await uow.penilaian.find(data.pegawai_id, data.periode, for_update=True)
    outcome = "no_penilaian"
    if penilaian is not None:
        outcome = await _apply(uow, penilaian, lambda p: p.apply_skp_reset(skp_version=version))
        await _refresh_tahunan(uow, deps, data.pegawai_id, data.periode)
    await uow.commit()
    return outcome


async def apply_pelaksanaan_completed(
    uow: AppraisalUnitOfWork, deps: Deps, data: PelaksanaanCompletedV1, *, version: int
) -> str:
    """The completed cycle makes the penilaian ratable; it may arrive before the plan's approval does."""
    siklus = Siklus(
        pelaksanaan_id=data.pelaksanaan_id,
        selesai_at=data.completed_at,
        bukti_count=data.bukti_count,
        rubrik=data.rubric.model_dump(mode="json") if data.rubric is not None else None,
    )
    penilaian = await _load_or_open(uow, data.pegawai_id, data.periode)
    outcome = await _apply(uow, penilaian, lambda p: p.apply_siklus(siklus, version=version))
    await _refresh_tahunan(uow, deps, data.pegawai_id, data.periode)
    await uow.commit()
    return outcome


async def apply_pelaksanaan_closed(
    uow: AppraisalUnitOfWork, deps: Deps, data: PelaksanaanClosedV1, *, version: int
) -> str:
    penilaian = await uow.penilaian.find(data.pegawai_id, data.periode, for_update=True)
    outcome = "no_penilaian"
    if penilaian is not None:
        outcome = await _apply(uow, penilaian, lambda p: p.apply_siklus_ditutup(version=version))
        await _refresh_tahunan(uow, deps, data.pegawai_id, data.periode)
    await uow.commit()
    return outcome


async def _load_or_open(uow: AppraisalUnitOfWork, pegawai_id: uuid.UUID, periode: str) -> Penilaian:
    existing = await uow.penilaian.find(pegawai_id, periode, for_update=True)
    if existing is not None:
        return existing
    return await uow.penilaian.add(Penilaian(id=uuid.uuid4(), pegawai_id=pegawai_id, periode=periode))


async def _apply(uow: AppraisalUnitOfWork, penilaian: Penilaian, change: Callable[[Penilaian], str]) -> str:
    read_version = penilaian.version
    outcome = change(penilaian)
    if penilaian.version != read_version:
        await uow.penilaian.save(penilaian, expected_version=read_version)
    return outcome


async def _refresh_tahunan(uow: AppraisalUnitOfWork, deps: Deps, pegawai_id: uuid.UUID, periode: str) -> None:
    """Keep the year's penilaian tahunan over its periods (2024) in step with the periodic penilaian it weighs.

    It is opened by the first periodic penilaian of the year that is finalised, for a year whose period snapshots
    carry a `penilaian_tahunan` window, and is ratable while every periodic penilaian of the pegawai that year is
    final.
    """
    snapshot = await _snapshot(uow, periode)
    if snapshot is None:
        return  # the period's snapshot has not arrived: the next change of this penilaian tries again
    tahun = snapshot["tahun"]
    year = await uow.roster_extra.periods_of_year(tahun)
    if not any(s.get("penilaian_tahunan") for s in year):
        return
    periodic = await uow.penilaian.of_year(pegawai_id, [s["kode"] for s in year])
    final = sorted((p for p in periodic if p.status is Status.FINAL), key=lambda p: p.periode)
    hasil = tuple(
        HasilPeriodik(
            p.periode,
            p.nilai.predikat,  # type: ignore[union-attr]  (a FINAL penilaian is rated)
            p.final.angka_kredit.nilai if p.final and p.final.angka_kredit else None,
        )
        for p in final
    )
    kode = deps.rules.penilaian_tahunan.kode(tahun)
    annual = await uow.penilaian.find(pegawai_id, kode, for_update=True)
    if annual is None:
        if not hasil:
            return
        annual = await uow.penilaian.add(
            Penilaian(id=uuid.uuid4(), pegawai_id=pegawai_id, periode=kode, menimbang_periode=True)
        )
    await _apply(uow, annual, lambda p: p.apply_hasil_periodik(hasil, menunggu=len(periodic) - len(final)))


async def _snapshot(uow: AppraisalUnitOfWork, kode: str) -> dict[str, Any] | None:
    row = await uow.session.get(RosterPeriode, kode)
    return row.snapshot if row is not None else None


# --- reading a penilaian -----------------------------------------------------------------------------------


@dataclass
class PenilaianContext:
    """A penilaian with what the caller's rights, the window and the figures depend on."""

    penilaian: Penilaian
    pegawai: RosterPegawai | None
    sekolah: RosterSekolah | None
    relation: Relation
    atasan_id: uuid.UUID | None
    peran_atasan: str | None
    jenis: Jenis | None = None
    rentang: Rentang | None = None
    angka_kredit: AngkaKreditHasil | None = None
    angka_kredit_catatan: str | None = None  # why there is none, when there is none
    progress: ak_rules.Progress | None = None
    distribusi: DistribusiView | None = None
    tahunan_window: Window | None = None


async def _load(
    uow: AppraisalUnitOfWork, deps: Deps, actor: Actor, penilaian_id: uuid.UUID, *, for_update: bool = False
) -> PenilaianContext:
    penilaian = await uow.penilaian.get(penilaian_id, for_update=for_update)
    if penilaian is None:
        raise NotFound("no such penilaian", rule="penilaian.not_found")
    pegawai = await uow.roster.pegawai(penilaian.pegawai_id)
    sekolah = await uow.roster_extra.sekolah(pegawai.npsn) if pegawai else None
    current = await uow.roster_extra.current_relation(penilaian.pegawai_id, today(deps.clock))
    atasan_id, peran = current if current else (None, None)
    relation = relation_to(
        actor,
        owner_id=penilaian.pegawai_id,
        current_atasan_id=atasan_id,
        kode_wilayah=pegawai.kode_wilayah if pegawai else "",
    )
    require_allowed(relation, LIHAT)
    return PenilaianContext(
        penilaian=penilaian,
        pegawai=pegawai,
        sekolah=sekolah,
        relation=relation,
        atasan_id=atasan_id,
        peran_atasan=peran,
    )


async def _figures(uow: AppraisalUnitOfWork, deps: Deps, context: PenilaianContext) -> PenilaianContext:
    """The jenis, months, angka kredit, progress and the school's distribution, for the response."""
    penilaian = context.penilaian
    context.rentang = await _rentang(uow, deps, penilaian)
    context.jenis = Jenis(context.rentang.jenis) if context.rentang else None
    if penilaian.final is not None:
        context.angka_kredit = penilaian.final.angka_kredit
        if context.angka_kredit is None:
            context.angka_kredit_catatan = _no_angka_kredit_reason(deps, penilaian, context.pegawai)
    elif penilaian.nilai is not None:
        context.angka_kredit, context.angka_kredit_catatan = await _angka_kredit(
            uow, deps, penilaian, context.pegawai, context.rentang
        )
    if context.angka_kredit is not None:
        context.progress = ak_rules.progress(context.angka_kredit.jenjang, context.angka_kredit.kumulatif)
    if context.sekolah is not None:
        context.distribusi = await _distribusi(uow, context.sekolah, penilaian.periode, context.rentang)
    return context


async def _rentang(uow: AppraisalUnitOfWork, deps: Deps, penilaian: Penilaian) -> Rentang | None:
    if penilaian.final is not None:
        return penilaian.final.rentang
    if penilaian.menimbang_periode:
        tahun = int(penilaian.periode[:4])
        year = await uow.roster_extra.periods_of_year(tahun)
        if not year:
            return None
        mulai, selesai = date.fromisoformat(year[0]["mulai"]), date.fromisoformat(year[-1]["selesai"])
        return _months(Jenis.TAHUNAN, mulai, selesai)
    snapshot = await _snapshot(uow, penilaian.periode)
    if snapshot is None:
        return None
    return _period_months(deps, snapshot)


def _period_months(deps: Deps, snapshot: dict[str, Any]) -> Rentang:
    """A period's months as its snapshot gives them: `bulan` prorates the angka kredit (planning counts it)."""
    jenis = deps.rules.jenis_of(snapshot["jenis"])
    months = _months(jenis, date.fromisoformat(snapshot["mulai"]), date.fromisoformat(snapshot["selesai"]))
    return replace(months, bulan=snapshot["bulan"])


def _months(jenis: Jenis, mulai: date, selesai: date) -> Rentang:
    return Rentang(
        jenis=jenis.value,
        bulan=(selesai.year - mulai.year) * 12 + selesai.month - mulai.month + 1,
        bulan_mulai=mulai.month,
        bulan_selesai=selesai.month,
        tahun_mulai=mulai.year,
        tahun_selesai=selesai.year,
    )


def _no_angka_kredit_reason(deps: Deps, penilaian: Penilaian, pegawai: RosterPegawai | None) -> str:
    if penilaian.menimbang_periode and not deps.rules.penilaian_tahunan.angka_kredit:
        return "angka kredit is earned per period; the annual evaluation gives the year's predikat only"
    if pegawai is None:
        return "the pegawai is not in the roster yet"
    if pegawai.status not in ASN:
        return "a non-ASN pegawai earns no angka kredit"
    return "no jenjang jabatan in the roster"


async def _angka_kredit(
    uow: AppraisalUnitOfWork,
    deps: Deps,
    penilaian: Penilaian,
    pegawai: RosterPegawai | None,
    rentang: Rentang | None,
) -> tuple[AngkaKreditHasil | None, str | None]:
    assert penilaian.nilai is not None
    if (
        (penilaian.menimbang_periode and not deps.rules.penilaian_tahunan.angka_kredit)
        or pegawai is None
        or pegawai.status not in ASN
        or not pegawai.jenjang_jabatan
    ):
        return None, _no_angka_kredit_reason(deps, penilaian, pegawai)
    try:
        jenjang = ak_rules.Jenjang.parse(pegawai.jenjang_jabatan, field="jenjang_jabatan")
    except InvalidValue:
        return None, "the roster's jenjang jabatan is not a jenjang of the guru position"
    if rentang is None:
        return None, "the period has not arrived from planning yet"
    nilai = ak_rules.angka_kredit(penilaian.nilai.predikat, jenjang, rentang.bulan)
    before = await uow.penilaian.angka_kredit_total(penilaian.pegawai_id, jenjang.value, excluding=penilaian.id)
    return (
        AngkaKreditHasil(
            jenjang=jenjang.value,
            koefisien=ak_rules.default_table().jenjang[jenjang].koefisien,
            bulan=rentang.bulan,
            nilai=nilai,
            kumulatif=ak_rules.cumulative([before, nilai]),
        ),
        None,
    )


async def list_penilaian(
    deps: Deps,
    actor: Actor,
    *,
    periode: str | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[tuple[Penilaian, RosterPegawai | None]]:
    """My own penilaian, those of the pegawai I appraise today, and (operators) those of my region."""
    async with deps.uow() as uow:
        return await uow.penilaian.listed(
            owner=actor.pegawai_id,
            appraised_by=actor.pegawai_id if actor.roles & ATASAN_ROLES else None,
            wilayah=actor.wilayah if "operator" in actor.roles else None,
            on=today(deps.clock),
            periode=periode,
            status=status,
            after=after,
            limit=limit,
        )


async def get_penilaian(deps: Deps, actor: Actor, penilaian_id: uuid.UUID) -> PenilaianContext:
    async with deps.uow() as uow:
        return await _figures(uow, deps, await _load(uow, deps, actor, penilaian_id))


# --- the atasan's commands ---------------------------------------------------------------------------------


async def _act(
    deps: Deps,
    actor: Actor,
    penilaian_id: uuid.UUID,
    aksi: Aksi,
    check_version: Callable[[int], None],
    change: Callable[[PenilaianContext, AppraisalUnitOfWork], Any],
) -> PenilaianContext:
    """The shape of every command: load, authorise by relation, check the version, change, save, commit."""
    async with deps.uow() as uow:
        context = await _load(uow, deps, actor, penilaian_id, for_update=True)
        require_allowed(context.relation, aksi)
        check_version(context.penilaian.version)
        read_version = context.penilaian.version
        await change(context, uow)
        await uow.penilaian.save(context.penilaian, expected_version=read_version)
        if aksi in (Aksi.FINALISASI, Aksi.BUKA_KEMBALI):
            await _refresh_tahunan(uow, deps, context.penilaian.pegawai_id, context.penilaian.periode)
        await uow.commit()
        return await _figures(uow, deps, context)


async def rate(
    deps: Deps,
    actor: Actor,
    penilaian_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    hasil_kerja: Rating | None,
    perilaku_kerja: Rating,
    umpan_balik: Mapping[str, str],
    catatan: str | None,
) -> PenilaianContext:
    async def change(context: PenilaianContext, uow: AppraisalUnitOfWork) -> None:
        assert actor.pegawai_id is not None  # require_allowed: only the atasan gets here
        context.penilaian.rate(
            hasil_kerja=hasil_kerja,
            perilaku_kerja=perilaku_kerja,
            umpan_balik=umpan_balik,
            catatan=catatan,
            penilai_id=actor.pegawai_id,
            at=deps.clock.now(),
            known_values=await _berakhlak_of(uow, context.penilaian),
            rules=deps.rules,
        )

    return await _act(deps, actor, penilaian_id, Aksi.NILAI, check_version, change)


async def _berakhlak_of(uow: AppraisalUnitOfWork, penilaian: Penilaian) -> set[str]:
    """The BerAKHLAK values feedback may name: the plan's, or for the annual evaluation its periods' plans'."""
    if penilaian.rencana is not None:
        return {kode for kode, _ in penilaian.rencana.perilaku}
    if penilaian.menimbang_periode:
        periodes = [h.periode for h in penilaian.hasil_periodik]
        return {
            k
            for p in await uow.penilaian.of_year(penilaian.pegawai_id, periodes)
            if p.rencana
            for k, _ in p.rencana.perilaku
        }
    return set()


async def finalize(
    deps: Deps, actor: Actor, penilaian_id: uuid.UUID, check_version: Callable[[int], None]
) -> PenilaianContext:
    async def change(context: PenilaianContext, uow: AppraisalUnitOfWork) -> None:
        penilaian = context.penilaian
        penilaian.require(Aksi.FINALISASI)  # finalising twice is a state conflict before it is a window question
        pegawai, sekolah = context.pegawai, context.sekolah
        if pegawai is None or sekolah is None:
            raise NotFound("the pegawai is not in the roster yet", rule="pegawai.not_in_roster")
        await _check_window(uow, deps, penilaian, region=sekolah.kode_wilayah)
        rentang = await _rentang(uow, deps, penilaian)
        if rentang is None:
            raise NotFound(f"no period {penilaian.periode}", rule="periode.unknown", field="periode")
        angka_kredit, _ = await _angka_kredit(uow, deps, penilaian, pegawai, rentang)
        penilaian.finalize(
            Finalisasi(
                at=deps.clock.now(),
                penilai=await _penilai(uow, actor, context, sekolah),
                identitas=Identitas(
                    nip=pegawai.nip,
                    nama=pegawai.nama,
                    status=pegawai.status,
                    pangkat_golongan=pegawai.pangkat_golongan,
                    jenjang_jabatan=pegawai.jenjang_jabatan,
                    jenis_gtk=pegawai.jenis_gtk,
                    npsn=sekolah.npsn,
                    sekolah=sekolah.nama,
                    kode_wilayah=sekolah.kode_wilayah,
                ),
                rentang=rentang,
                angka_kredit=angka_kredit,
            )
        )

    return await _act(deps, actor, penilaian_id, Aksi.FINALISASI, check_version, change)


async def _check_window(uow: AppraisalUnitOfWork, deps: Deps, penilaian: Penilaian, *, region: str) -> None:
    on = today(deps.clock)
    if not penilaian.menimbang_periode:
        periode = await uow.roster.periode(penilaian.periode)
        periode.check_open(PENILAIAN_STEP, on, region_code=region)
        return
    rule = deps.rules.penilaian_tahunan
    year = await uow.roster_extra.periods_of_year(int(penilaian.periode[:4]))
    window = next((s["penilaian_tahunan"] for s in year if s.get("penilaian_tahunan")), None)
    if window is None:
        raise NotFound(f"{penilaian.periode} has no penilaian tahunan window", rule="periode.no_step", field="periode")
    late = window.get("late_until")
    check_open(
        Window(
            rule.step,
            date.fromisoformat(window["opens"]),
            date.fromisoformat(window["closes"]),
            date.fromisoformat(late) if late else None,
        ),
        on,
        region_code=region,
        extensions=await uow.roster_extra.extensions([s["kode"] for s in year], rule.step),
        period_label=penilaian.periode,
    )


async def _penilai(
    uow: AppraisalUnitOfWork, actor: Actor, context: PenilaianContext, sekolah: RosterSekolah
) -> Penilai:
    """The appraiser as BKN needs them. Assumptions (docs/domain.md §1, §7): a pengawas appraises a KS for the Dinas,
    so their unor is the Dinas of the school's region; a KS's unor is their school; jabatan is the roster's
    jenis GTK with the jenjang."""
    assert actor.pegawai_id is not None
    atasan = await uow.roster.pegawai(actor.pegawai_id)
    assert atasan is not None  # the caller was found in the roster
    if context.peran_atasan == "pengawas":
        unor = f"Dinas Pendidikan {sekolah.nama_wilayah}"
    else:
        own = await uow.roster_extra.sekolah(atasan.npsn)
        unor = own.nama if own else sekolah.nama
    return Penilai(
        pegawai_id=atasan.pegawai_id,
        nip=atasan.nip,
        nama=atasan.nama,
        golongan=atasan.pangkat_golongan,
        jabatan=" ".join(x for x in (atasan.jenis_gtk, atasan.jenjang_jabatan) if x),
        unor=unor,
        status_penilai="ASN" if atasan.status in ASN else "NON ASN",
    )


# --- the operator's commands -------------------------------------------------------------------------------


async def reopen(
    deps: Deps, actor: Actor, penilaian_id: uuid.UUID, check_version: Callable[[int], None], *, alasan: str
) -> PenilaianContext:
    async def change(context: PenilaianContext, uow: AppraisalUnitOfWork) -> None:
        context.penilaian.reopen(at=deps.clock.now(), alasan=alasan)
        uow.audit.record(
            actor=actor.subject,
            action="penilaian.buka_kembali",
            target=str(context.penilaian.id),
            detail={"alasan": alasan.strip()},
        )

    return await _act(deps, actor, penilaian_id, Aksi.BUKA_KEMBALI, check_version, change)


async def set_hanya_perilaku(
    deps: Deps,
    actor: Actor,
    penilaian_id: uuid.UUID,
    check_version: Callable[[int], None],
    *,
    hanya_perilaku: bool,
    alasan: str,
) -> PenilaianContext:
    if len((alasan or "").strip()) < 5:
        raise InvalidValue("say why, for the audit", rule="penilaian.alasan_required", field="alasan")

    async def change(context: PenilaianContext, uow: AppraisalUnitOfWork) -> None:
        context.penilaian.set_hanya_perilaku(hanya_perilaku)
        uow.audit.record(
            actor=actor.subject,
            action="penilaian.hanya_perilaku",
            target=str(context.penilaian.id),
            detail={"hanya_perilaku": hanya_perilaku, "alasan": alasan.strip()},
        )

    return await _act(deps, actor, penilaian_id, Aksi.HANYA_PERILAKU, check_version, change)


# --- the evaluation document -------------------------------------------------------------------------------


async def dokumen(deps: Deps, actor: Actor, penilaian_id: uuid.UUID) -> PenilaianContext:
    """What the evaluation document prints; only the pegawai and their atasan may download it."""
    async with deps.uow() as uow:
        context = await _load(uow, deps, actor, penilaian_id)
        require_allowed(context.relation, UNDUH)
        if context.penilaian.nilai is None:
            raise InvalidValue(
                "there is no document before the atasan rates", rule="dokumen.belum_dinilai", field="status"
            )
        return await _figures(uow, deps, context)


# --- distribution (SE MenPANRB 3/2023) ---------------------------------------------------------------------


@dataclass
class DistribusiView:
    npsn: str
    periode: str
    tahun: int | None
    predikat_organisasi: distribution.PredikatOrganisasi | None
    counts: dict[Predikat, int]
    warnings: list[distribution.DistributionWarning] = field(default_factory=list)
    pola: str | None = None  # the SE's wording of the pattern


async def _distribusi(
    uow: AppraisalUnitOfWork, sekolah: RosterSekolah, periode: str, rentang: Rentang | None
) -> DistribusiView:
    tahun = rentang.tahun_mulai if rentang else (int(periode[:4]) if periode[:4].isdigit() else None)
    raw = await uow.penilaian.predikat_counts(sekolah.npsn, periode)
    counts = {p: raw.get(p.value, 0) for p in Predikat}
    organisasi_text = await uow.predikat_organisasi.get(sekolah.npsn, tahun) if tahun else None
    organisasi = distribution.PredikatOrganisasi(organisasi_text) if organisasi_text else None
    view = DistribusiView(
        npsn=sekolah.npsn, periode=periode, tahun=tahun, predikat_organisasi=organisasi, counts=counts
    )
    if organisasi is not None:
        # A warning, never a block: the atasan decides each predikat (distribution.check).
        view.warnings = distribution.check(organisasi, counts)
        view.pola = distribution.default_table().pola[organisasi].text
    return view


async def _school(uow: AppraisalUnitOfWork, actor: Actor, npsn: str, action: str) -> RosterSekolah:
    sekolah = await uow.roster_extra.sekolah(npsn)
    own = await uow.roster.pegawai(actor.pegawai_id) if actor.pegawai_id else None
    relation = school_relation(
        actor,
        actor_npsn=own.npsn if own else None,
        npsn=npsn,
        kode_wilayah=sekolah.kode_wilayah if sekolah else "",
    )
    if sekolah is None:
        raise NotFound("no such school", rule="sekolah.not_found", field="npsn")
    require_school(relation, action)
    return sekolah


async def get_distribusi(deps: Deps, actor: Actor, *, npsn: str, periode: str) -> DistribusiView:
    async with deps.uow() as uow:
        sekolah = await _school(uow, actor, npsn, LIHAT_DISTRIBUSI)
        snapshot = await _snapshot(uow, periode)
        rentang = _period_months(deps, snapshot) if snapshot else None
        return await _distribusi(uow, sekolah, periode, rentang)


async def set_predikat_organisasi(
    deps: Deps, actor: Actor, *, npsn: str, tahun: int, predikat_organisasi: str
) -> distribution.PredikatOrganisasi:
    value = distribution.PredikatOrganisasi.parse(predikat_organisasi)
    async with deps.uow() as uow:
        await _school(uow, actor, npsn, TETAPKAN_PREDIKAT_ORGANISASI)
        await uow.predikat_organisasi.set(npsn, tahun, value.value, operator=actor.subject)
        uow.audit.record(
            actor=actor.subject,
            action="sekolah.predikat_organisasi",
            target=npsn,
            detail={"tahun": tahun, "predikat_organisasi": value.value},
        )
        await uow.commit()
    return value


# --- monitoring --------------------------------------------------------------------------------------------


async def monitoring(deps: Deps, actor: Actor, *, periode: str, tingkat: str) -> list[dict[str, Any]]:
    """Operators see their region; a kepala sekolah sees their own school; nobody else sees monitoring."""
    if tingkat not in LEVELS:
        raise InvalidValue(f"tingkat is one of {', '.join(LEVELS)}", rule="monitoring.tingkat", field="tingkat")
    async with deps.uow() as uow:
        wilayah, npsn = None, None
        if "operator" in actor.roles and actor.wilayah is not None:
            wilayah = actor.wilayah
        elif "kepala_sekolah" in actor.roles and actor.pegawai_id is not None:
            own = await uow.roster.pegawai(actor.pegawai_id)
            if own is None:
                raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
            npsn = own.npsn
        else:
            raise Forbidden(
                "monitoring is for operators (their region) and principals (their school)", rule="monitoring.forbidden"
            )
        return await monitoring_rows(uow.session, periode=periode, tingkat=tingkat, wilayah=wilayah, npsn=npsn)
