"""What the GET routes show: a penilaian with its figures, the list of penilaian, the evaluation document, a school's
predikat distribution and the monitoring of a period; and the caller's roster id.

Reading a penilaian checks the caller's relation first (someone else's penilaian does not exist for them, 404). The
figures are computed, not stored, until finalisation keeps them: the jenis and months, the angka kredit the
ratings would give (or why there is none), the progress towards kenaikan pangkat and jenjang, and the school's
distribution with the SE MenPANRB 3/2023 warnings.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import angka_kredit as ak_rules
from appraisal.domain import distribution, finalisasi, hasil_periode, monitoring, organisasi, tahunan
from appraisal.domain.access import (
    ATASAN_ROLES,
    LIHAT,
    LIHAT_DISTRIBUSI,
    UNDUH,
    Actor,
    Relation,
    relation_to,
    require_allowed,
    require_atasan_bagian,
    require_school,
    school_relation,
)
from appraisal.domain.evaluasi import Jenis
from appraisal.domain.monitoring import MonitoringCounts
from appraisal.domain.penilaian import AngkaKreditHasil, Penilaian, Rentang, Status
from appraisal.domain.periode import rentang_periode, tahun_kode, tahun_of
from appraisal.domain.predikat import Predikat
from appraisal.usecases import Deps
from pmm_kernel.clock import today
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound, StateConflict
from pmm_roster.records import PegawaiRecord, PeriodeWindows, SekolahRecord

# --- read models -------------------------------------------------------------------------------------------


@dataclass
class DistribusiView:
    npsn: str
    periode: str
    tahun: int | None
    predikat_organisasi: distribution.PredikatOrganisasi | None
    counts: dict[Predikat, int]
    warnings: list[distribution.DistributionWarning] = field(default_factory=list)
    pola: str | None = None  # the SE's wording of the pattern


@dataclass
class PeringatanView:
    """Before finalising: the school's distribution were this penilaian given `calon`, and what it departs from."""

    npsn: str
    periode: str
    tahun: int | None
    policy_year: int | None
    sebelum: organisasi.SebelumFinalisasi
    pola: str | None = None  # the SE's wording of the pattern of the predikat organisasi


@dataclass
class PenilaianContext:
    """A penilaian with what the caller's rights, the window and the figures depend on."""

    penilaian: Penilaian
    pegawai: PegawaiRecord | None
    sekolah: SekolahRecord | None
    relation: Relation
    atasan_id: uuid.UUID | None
    peran_atasan: str | None
    atasan: PegawaiRecord | None = None  # the atasan's roster row and school, when the command names the appraiser
    atasan_sekolah: SekolahRecord | None = None
    periods: tuple[PeriodeWindows, ...] = ()  # the periods of the penilaian's year, with their window extensions
    jenis: Jenis | None = None
    rentang: Rentang | None = None
    angka_kredit: AngkaKreditHasil | None = None
    angka_kredit_catatan: str | None = None  # why there is none, when there is none
    progress: ak_rules.Progress | None = None
    distribusi: DistribusiView | None = None
    peringatan: PeringatanView | None = None  # for the atasan, while the penilaian is rated and not final
    periode_bagian: PeriodeBagianView | None = None  # every part of the period and the combined result


@dataclass(frozen=True)
class BagianView:
    """One part of a split period as the combined result shows it."""

    penilaian_id: uuid.UUID
    status: str
    nama_sekolah: str | None
    rentang: Rentang | None
    hasil: hasil_periode.HasilBagian


@dataclass(frozen=True)
class PeriodeBagianView:
    pegawai_id: uuid.UUID
    periode: str
    bagian: list[BagianView]
    hasil: hasil_periode.HasilPeriode


# --- reading a penilaian (the commands read it the same way) -----------------------------------------------


async def load_penilaian(
    uow: AppraisalUnitOfWork,
    deps: Deps,
    actor: Actor,
    penilaian_id: uuid.UUID,
    *,
    for_update: bool = False,
    with_atasan: bool = False,
) -> PenilaianContext:
    """The penilaian and the caller's relation to it, if they may see it at all (else `NotFound`).

    The atasan is the one of the part's day (`Penilaian.hari_penilai`: today, or the last day of a part a transfer
    ended); the school is the part's (its NPSN), which names the region, the letterhead and the distribution. All of
    it, with the periods of the penilaian's year (and the atasan's roster row, `with_atasan`), comes in one read."""
    on = today(deps.clock)
    loaded = await uow.penilaian.get_in_context(penilaian_id, on=on, for_update=for_update, with_atasan=with_atasan)
    if loaded is None:
        raise NotFound("no such penilaian", rule="penilaian.not_found")
    penilaian, pegawai, sekolah = loaded.penilaian, loaded.pegawai, loaded.sekolah
    day = penilaian.hari_penilai(on)
    atasan_id, peran = loaded.relation if loaded.relation else (None, None)
    relation = relation_to(
        actor,
        owner_id=penilaian.pegawai_id,
        current_atasan_id=atasan_id,
        kode_wilayah=sekolah.kode_wilayah if sekolah else (pegawai.kode_wilayah if pegawai else ""),
    )
    if relation is Relation.NONE and actor.pegawai_id is not None and actor.roles & ATASAN_ROLES:
        require_atasan_bagian(
            relation,
            atasan_on_another_day=await _atasan_on_another_day(uow, penilaian, actor.pegawai_id, day, on),
            bagian=penilaian.bagian,
        )
    require_allowed(relation, LIHAT)
    return PenilaianContext(
        penilaian=penilaian,
        pegawai=pegawai,
        sekolah=sekolah,
        relation=relation,
        atasan_id=atasan_id,
        peran_atasan=peran,
        atasan=loaded.atasan,
        atasan_sekolah=loaded.atasan_sekolah,
        periods=loaded.periods,
    )


async def _atasan_on_another_day(
    uow: AppraisalUnitOfWork, penilaian: Penilaian, atasan_id: uuid.UUID, day: date, on: date
) -> bool:
    """Whether `atasan_id` appraises the pegawai today or on another part's last day of the same period."""
    days = {on} | {p.hari_penilai(on) for p in await uow.penilaian.parts(penilaian.pegawai_id, penilaian.periode)}
    for other in sorted(days - {day}):
        current = await uow.roster_extra.current_relation(penilaian.pegawai_id, other)
        if current is not None and current[0] == atasan_id:
            return True
    return False


async def with_figures(uow: AppraisalUnitOfWork, deps: Deps, context: PenilaianContext) -> PenilaianContext:
    """The jenis, months, angka kredit, progress and the school's distribution, for the response."""
    penilaian = context.penilaian
    context.rentang = await rentang_of(uow, deps, penilaian, context.pegawai)
    context.jenis = Jenis(context.rentang.jenis) if context.rentang else None
    if penilaian.final is not None:
        context.angka_kredit = penilaian.final.angka_kredit
        if context.angka_kredit is None:
            context.angka_kredit_catatan = (
                finalisasi.jenjang_for_angka_kredit(
                    menimbang_periode=penilaian.menimbang_periode,
                    tahunan_earns=deps.rules.penilaian_tahunan.angka_kredit,
                    pegawai=context.pegawai,
                    rentang=context.rentang,
                    mulai=penilaian.mulai,
                    selesai=penilaian.selesai,
                )[1]
                or finalisasi.NO_JENJANG
            )
    elif penilaian.nilai is not None:
        context.angka_kredit, context.angka_kredit_catatan = await angka_kredit_of(
            uow, deps, penilaian, context.pegawai, context.rentang
        )
    if context.angka_kredit is not None:
        context.progress = ak_rules.progress(context.angka_kredit.jenjang, context.angka_kredit.kumulatif)
    if context.sekolah is not None:
        context.distribusi = await distribusi_of(uow, context.sekolah, penilaian.periode, context.rentang)
        if context.relation is Relation.ATASAN and penilaian.status is Status.DINILAI and penilaian.nilai:
            context.peringatan = await peringatan_of(uow, context.distribusi, penilaian, penilaian.nilai.predikat)
    if not penilaian.menimbang_periode:
        context.periode_bagian = await periode_bagian_of(
            uow, deps, penilaian.pegawai_id, penilaian.periode, context.pegawai
        )
    return context


async def periode_bagian_of(
    uow: AppraisalUnitOfWork, deps: Deps, pegawai_id: uuid.UUID, periode: str, pegawai: PegawaiRecord | None
) -> PeriodeBagianView:
    """Every part of the pegawai's period with its months, predikat and angka kredit, and the period's combined
    result (`hasil_periode`, docs/domain.md §6); `pegawai` is their roster row, read with a part."""
    views: list[BagianView] = []
    for part in await uow.penilaian.parts(pegawai_id, periode):
        rentang = await rentang_of(uow, deps, part, pegawai)
        if part.final is not None:
            ak = part.final.angka_kredit
        elif part.nilai is not None and part.dinilai_bagian:
            ak, _ = await angka_kredit_of(uow, deps, part, pegawai, rentang)
        else:
            ak = None
        npsn = part.npsn or (pegawai.npsn if pegawai else None)
        sekolah = await uow.roster_extra.sekolah(npsn) if npsn else None
        views.append(
            BagianView(
                penilaian_id=part.id,
                status=part.status.value,
                nama_sekolah=sekolah.nama if sekolah else None,
                rentang=rentang,
                hasil=hasil_periode.HasilBagian(
                    bagian=part.bagian,
                    npsn=npsn,
                    mulai=part.mulai,
                    selesai=part.selesai,
                    dinilai=part.dinilai_bagian,
                    final=part.final is not None,
                    bulan=ak.bulan if ak else (rentang.bulan if rentang else None),
                    predikat=part.nilai.predikat if part.nilai else None,
                    angka_kredit=ak.nilai if ak else None,
                ),
            )
        )
    return PeriodeBagianView(
        pegawai_id=pegawai_id,
        periode=periode,
        bagian=views,
        hasil=hasil_periode.hasil_periode([v.hasil for v in views]),
    )


async def prosedur_tahun(
    uow: AppraisalUnitOfWork, tahun: int
) -> tuple[organisasi.Prosedur | None, StateConflict | None]:
    """The procedure of the predikat organisasi for `tahun`'s policy year, or why there is none
    (`reference/organisasi.toml` lacks the policy year)."""
    table = organisasi.default_table()
    try:
        return table.of(table.policy_year(tahun, await uow.laporan_organisasi.policy_year(tahun))), None
    except StateConflict as unknown:
        return None, unknown


async def peringatan_of(
    uow: AppraisalUnitOfWork, distribusi: DistribusiView, penilaian: Penilaian, calon: Predikat
) -> PeringatanView:
    """What the atasan sees before finalising `penilaian` with predikat `calon` (docs/domain.md §6 "Distribution"):
    never a refusal, only warnings."""
    prosedur, unknown = (None, None) if distribusi.tahun is None else await prosedur_tahun(uow, distribusi.tahun)
    laporan = await uow.laporan_organisasi.get(distribusi.npsn, distribusi.tahun) if distribusi.tahun else None
    counted = penilaian.status in (Status.DINILAI, Status.FINAL) and penilaian.nilai is not None
    sebelum = organisasi.sebelum_finalisasi(
        prosedur,
        counts=distribusi.counts,
        dihitung=penilaian.nilai.predikat if counted and penilaian.nilai else None,
        calon=calon,
        predikat_organisasi=distribusi.predikat_organisasi,
        laporan_dikirim=laporan is not None,
        unknown_year=unknown,
    )
    return PeringatanView(
        npsn=distribusi.npsn,
        periode=distribusi.periode,
        tahun=distribusi.tahun,
        policy_year=prosedur.policy_year if prosedur else None,
        sebelum=sebelum,
        pola=distribusi.pola,
    )


async def rentang_of(
    uow: AppraisalUnitOfWork, deps: Deps, penilaian: Penilaian, pegawai: PegawaiRecord | None
) -> Rentang | None:
    """The months the penilaian covers: as finalised, else the year's, or the months of its part of the period the
    pegawai served since their TMT jabatan (docs/domain.md §6; the whole period when none is served, which earns no
    angka kredit); None while the period has not arrived."""
    if penilaian.final is not None:
        return penilaian.final.rentang
    if penilaian.menimbang_periode:
        return tahunan.rentang_tahun(await uow.roster_extra.periods_of_year(tahun_kode(penilaian.periode)))
    periode = await uow.roster_extra.find_periode(penilaian.periode)
    if periode is None:
        return None
    rentang = rentang_periode(periode, deps.rules)
    tmt = pegawai.tmt_jabatan if pegawai is not None else None
    return finalisasi.served(rentang, tmt, mulai=penilaian.mulai, selesai=penilaian.selesai) or rentang


async def angka_kredit_of(
    uow: AppraisalUnitOfWork,
    deps: Deps,
    penilaian: Penilaian,
    pegawai: PegawaiRecord | None,
    rentang: Rentang | None,
) -> tuple[AngkaKreditHasil | None, str | None]:
    """The angka kredit the ratings give now, with the pegawai's total in the jenjang; or None and why not."""
    assert penilaian.nilai is not None
    jenjang, catatan = finalisasi.jenjang_for_angka_kredit(
        menimbang_periode=penilaian.menimbang_periode,
        tahunan_earns=deps.rules.penilaian_tahunan.angka_kredit,
        pegawai=pegawai,
        rentang=rentang,
        mulai=penilaian.mulai,
        selesai=penilaian.selesai,
    )
    if jenjang is None or rentang is None:
        return None, catatan
    before = await uow.penilaian.angka_kredit_total(penilaian.pegawai_id, jenjang.value, excluding=penilaian.id)
    return finalisasi.angka_kredit_hasil(penilaian.nilai.predikat, jenjang, rentang, before), None


async def distribusi_of(
    uow: AppraisalUnitOfWork, sekolah: SekolahRecord, periode: str, rentang: Rentang | None
) -> DistribusiView:
    tahun = tahun_of(periode, rentang)
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


async def load_school(uow: AppraisalUnitOfWork, actor: Actor, npsn: str, action: str) -> SekolahRecord:
    """The school, if the caller may take `action` for it (a school not theirs does not exist for them)."""
    sekolah = await uow.roster_extra.sekolah(npsn)
    heads: frozenset[str] = frozenset()
    if actor.pegawai_id is not None:
        own = await uow.roster.pegawai(actor.pegawai_id)
        acting = await uow.roster_extra.sekolah_plt(actor.pegawai_id, today(uow.clock))
        heads = acting | ({own.npsn} if own else set())
    relation = school_relation(actor, heads=heads, npsn=npsn, kode_wilayah=sekolah.kode_wilayah if sekolah else "")
    if sekolah is None:
        raise NotFound("no such school", rule="sekolah.not_found", field="npsn")
    require_school(relation, action)
    return sekolah


# --- the queries -------------------------------------------------------------------------------------------


async def pegawai_id_by_nip(deps: Deps, nip: str) -> uuid.UUID | None:
    """The caller's roster id, if the roster has them; remembered, since every request of a teacher at a deadline
    asks it again."""

    async def load() -> uuid.UUID | None:
        async with deps.uow().reading() as uow:
            pegawai = await uow.roster.pegawai_by_nip(nip)
            return pegawai.pegawai_id if pegawai else None

    return await deps.actors.get(nip, load)


@dataclass(frozen=True)
class ListPenilaian:
    periode: str | None
    status: str | None
    after: uuid.UUID | None  # the last id of the previous page
    limit: int


async def list_penilaian(
    q: ListPenilaian, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor
) -> list[tuple[Penilaian, PegawaiRecord | None]]:
    """My own penilaian, those of the pegawai I appraise today, and (operators) those of my region."""
    async with uow.reading():
        return await uow.penilaian.listed(
            owner=actor.pegawai_id,
            appraised_by=actor.pegawai_id if actor.roles & ATASAN_ROLES else None,
            wilayah=actor.wilayah if "operator" in actor.roles else None,
            on=today(deps.clock),
            periode=q.periode,
            status=q.status,
            after=q.after,
            limit=q.limit,
        )


@dataclass(frozen=True)
class GetPenilaian:
    penilaian_id: uuid.UUID


async def get_penilaian(q: GetPenilaian, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> PenilaianContext:
    async with uow.reading():
        return await with_figures(uow, deps, await load_penilaian(uow, deps, actor, q.penilaian_id))


async def dokumen(q: GetPenilaian, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> PenilaianContext:
    """What the evaluation document prints; only the pegawai and their atasan may download it."""
    async with uow.reading():
        context = await load_penilaian(uow, deps, actor, q.penilaian_id)
        require_allowed(context.relation, UNDUH)
        if context.penilaian.nilai is None:
            raise InvalidValue(
                "there is no document before the atasan rates", rule="dokumen.belum_dinilai", field="status"
            )
        return await with_figures(uow, deps, context)


@dataclass(frozen=True)
class GetPeriodeBagian:
    pegawai_id: uuid.UUID
    periode: str


async def get_periode_bagian(
    q: GetPeriodeBagian, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor
) -> PeriodeBagianView:
    """The parts of a pegawai's period and the combined result, for whoever may see one of its parts (the atasan of
    the last part rates taking the earlier parts into account, so they see those parts' results too)."""
    async with uow.reading():
        parts = await uow.penilaian.parts(q.pegawai_id, q.periode)
        refused: NotFound | Forbidden | None = None
        for part in reversed(parts):
            try:
                context = await load_penilaian(uow, deps, actor, part.id)
            except (NotFound, Forbidden) as exc:
                refused = refused or exc
                continue
            return await periode_bagian_of(uow, deps, q.pegawai_id, q.periode, context.pegawai)
        if isinstance(refused, Forbidden):
            raise refused
        raise NotFound("no penilaian of this pegawai and period", rule="penilaian.not_found", field="periode")


@dataclass(frozen=True)
class GetDistribusi:
    npsn: str
    periode: str


async def get_distribusi(q: GetDistribusi, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> DistribusiView:
    """The school's predikat distribution in a period (SE MenPANRB 3/2023): its kepala sekolah or an operator."""
    async with uow.reading():
        sekolah = await load_school(uow, actor, q.npsn, LIHAT_DISTRIBUSI)
        periode = await uow.roster_extra.find_periode(q.periode)
        rentang = rentang_periode(periode, deps.rules) if periode is not None else None
        return await distribusi_of(uow, sekolah, q.periode, rentang)


@dataclass(frozen=True)
class GetMonitoring:
    periode: str
    tingkat: str  # sekolah | kabupaten | provinsi


async def get_monitoring(q: GetMonitoring, *, uow: AppraisalUnitOfWork, actor: Actor) -> list[MonitoringCounts]:
    """Operators see their region; a kepala sekolah sees their own school; nobody else sees monitoring."""
    monitoring.require_tingkat(q.tingkat)
    async with uow.reading():
        cakupan = monitoring.cakupan(actor)
        npsn = None
        if cakupan.own_school:
            assert actor.pegawai_id is not None  # monitoring.cakupan: a kepala sekolah in the roster
            own = await uow.roster.pegawai(actor.pegawai_id)
            if own is None:
                raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
            npsn = own.npsn
        return await uow.monitoring.rows(periode=q.periode, tingkat=q.tingkat, wilayah=cakupan.wilayah, npsn=npsn)


# --- monitoring by name ----------------------------------------------------------------------------------------

_KODE_WILAYAH = re.compile(r"[0-9]{2}(?:[0-9]{2}(?:[0-9]{2})?)?", re.ASCII)


@dataclass(frozen=True)
class ListMonitoringPegawai:
    periode: str
    npsn: str | None = None
    kode_wilayah: str | None = None
    fase: str | None = None
    status: str | None = None
    after: uuid.UUID | None = None  # the pegawai of the last row already shown
    limit: int = 50


@dataclass
class MonitoringPegawaiView:
    periode: str
    kode_wilayah: str  # where the deadlines hold ("" the whole country)
    batas_waktu: list[monitoring.BatasWaktu]
    items: list[monitoring.PegawaiMonitoring]
    next_after: uuid.UUID | None
    # Each row's own deadlines: the effective close of every step where its school lies, by kode wilayah.
    batas_sekolah: dict[str, dict[str, date]] = field(default_factory=dict)


async def list_monitoring_pegawai(
    q: ListMonitoringPegawai, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor
) -> MonitoringPegawaiView:
    """Who is where in the period, by name: a kepala sekolah their school, a pengawas the schools of the KS they
    appraise, an operator their region; anyone else is refused (403), a school or region outside the caller's is
    not found (404). With each step's deadline and the extension in force where the rows are."""
    monitoring.require_filter(q.fase, q.status)
    if q.kode_wilayah is not None and not _KODE_WILAYAH.fullmatch(q.kode_wilayah):
        raise InvalidValue("kode_wilayah is 2, 4 or 6 digits", rule="monitoring.kode_wilayah", field="kode_wilayah")
    async with uow.reading():
        cakupan = await cakupan_nama(uow, deps, actor)
        periode = await uow.roster.periode(q.periode)
        npsn = cakupan.npsn
        wilayah = cakupan.wilayah
        region = wilayah or ""
        if q.npsn is not None:
            sekolah = await uow.roster_extra.sekolah(q.npsn)
            if sekolah is None or not cakupan.admits(sekolah.npsn, sekolah.kode_wilayah):
                raise NotFound("no such school among those you monitor", rule="sekolah.not_found", field="npsn")
            npsn = frozenset({sekolah.npsn})
            region = sekolah.kode_wilayah
        elif npsn is not None and len(npsn) == 1:
            sekolah = await uow.roster_extra.sekolah(next(iter(npsn)))
            region = sekolah.kode_wilayah if sekolah is not None else region
        if q.kode_wilayah is not None:
            wilayah = monitoring.narrow_wilayah(cakupan.wilayah, q.kode_wilayah)
            if wilayah is None:
                raise NotFound("no such region among those you monitor", rule="wilayah.not_found", field="kode_wilayah")
            if q.npsn is None:
                region = wilayah
        windows = [periode.window(w["step"]) for w in periode.snapshot["windows"]]
        rows = await uow.monitoring_nama.rows(
            periode=q.periode,
            wilayah=wilayah,
            npsn=npsn,
            fase=q.fase,
            status=q.status,
            after=q.after,
            limit=q.limit + 1,
        )
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    last = rows[-1] if more else None
    return MonitoringPegawaiView(
        periode=q.periode,
        kode_wilayah=region,
        batas_waktu=monitoring.batas_waktu(windows, periode.extensions, region),
        items=rows,
        next_after=last.pegawai_id if last is not None else None,
        batas_sekolah={
            kode: {b.step: b.berlaku_sampai for b in monitoring.batas_waktu(windows, periode.extensions, kode)}
            for kode in {r.kode_wilayah for r in rows}
        },
    )


async def cakupan_nama(uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> monitoring.CakupanNama:
    """The schools or region the caller monitors by name (`monitoring.peran_pemantau` decides which role counts)."""
    peran = monitoring.peran_pemantau(actor)
    if peran == "operator":
        return monitoring.CakupanNama(wilayah=actor.wilayah)
    assert actor.pegawai_id is not None  # monitoring.peran_pemantau: a pengawas or KS in the roster
    if peran == "pengawas":
        return monitoring.CakupanNama(npsn=await uow.roster_extra.sekolah_dinilai(actor.pegawai_id, today(deps.clock)))
    own = await uow.roster.pegawai(actor.pegawai_id)
    if own is None:
        raise NotFound("you are not in the roster; ask your school operator", rule="pegawai.not_in_roster")
    return monitoring.CakupanNama(npsn=frozenset({own.npsn}))
