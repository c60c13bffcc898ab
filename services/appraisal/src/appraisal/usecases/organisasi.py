"""The predikat kinerja organisasi as an ordered procedure (SE MenPANRB 3/2023; docs/domain.md §6 "Distribution").

- `kirim_laporan`: the school's kepala sekolah sends its results to the Dinas (who, when, the predikat counts of
  that moment), once per year, audited;
- `get_prosedur`: where the school stands in the year's procedure (the KS's school page, the Dinas's
  predikat-organisasi page): the steps in order, whether the report was sent and its counts, the predikat organisasi;
- `urutan_predikat`: the order check the Dinas's predikat organisasi passes (`sekolah.set_predikat_organisasi`);
- `get_peringatan_distribusi`: before finalising, the school's distribution with this penilaian's predikat and its
  warnings (never a refusal).

The order of the steps and which must come first is data per policy year (`domain/reference/organisasi.toml`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from appraisal.db.uow import AppraisalUnitOfWork
from appraisal.domain import distribution
from appraisal.domain.access import KIRIM_LAPORAN, LIHAT_DISTRIBUSI, PERINGATAN_DISTRIBUSI, Actor, require_allowed
from appraisal.domain.organisasi import Langkah, LaporanSekolah, Peringatan, Prosedur, periksa_urutan
from appraisal.domain.predikat import Predikat
from appraisal.usecases import Deps
from appraisal.usecases.views import (
    PeringatanView,
    distribusi_of,
    load_penilaian,
    load_school,
    peringatan_of,
    prosedur_tahun,
    rentang_of,
)
from pmm_kernel.errors import InvalidValue, NotFound


@dataclass
class ProsedurView:
    """Where a school stands in a year's procedure of the predikat organisasi."""

    npsn: str
    tahun: int
    policy_year: int
    prosedur: Prosedur
    laporan: LaporanSekolah | None
    pengirim: str | None  # the name of the kepala sekolah who sent the report
    predikat_organisasi: distribution.PredikatOrganisasi | None
    peringatan: list[Peringatan]  # from the step just taken, when it came before one that should precede it


async def _prosedur(uow: AppraisalUnitOfWork, tahun: int) -> Prosedur:
    """The year's procedure; a policy year the reference file lacks is refused (409) naming file, key and rule."""
    prosedur, unknown = await prosedur_tahun(uow, tahun)
    if unknown is not None:
        raise unknown
    assert prosedur is not None  # prosedur_tahun gives one or the other
    return prosedur


async def _view(
    uow: AppraisalUnitOfWork, npsn: str, tahun: int, prosedur: Prosedur, peringatan: list[Peringatan]
) -> ProsedurView:
    laporan = await uow.laporan_organisasi.get(npsn, tahun)
    pengirim = await uow.roster.pegawai(laporan.pegawai_id) if laporan else None
    predikat = await uow.predikat_organisasi.get(npsn, tahun)
    return ProsedurView(
        npsn=npsn,
        tahun=tahun,
        policy_year=prosedur.policy_year,
        prosedur=prosedur,
        laporan=laporan,
        pengirim=pengirim.nama if pengirim else None,
        predikat_organisasi=distribution.PredikatOrganisasi(predikat) if predikat else None,
        peringatan=peringatan,
    )


async def _selesai(uow: AppraisalUnitOfWork, npsn: str, tahun: int) -> frozenset[Langkah]:
    """The school-wide steps done for the year (finalisasi is each penilaian's own)."""
    done = set()
    if await uow.laporan_organisasi.get(npsn, tahun) is not None:
        done.add(Langkah.LAPORAN_SEKOLAH)
    if await uow.predikat_organisasi.get(npsn, tahun) is not None:
        done.add(Langkah.PREDIKAT_ORGANISASI)
    return frozenset(done)


# --- step 1: the school's report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KirimLaporan:
    npsn: str
    tahun: int


async def kirim_laporan(cmd: KirimLaporan, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor) -> ProsedurView:
    """The school's kepala sekolah sends its results for the year to the Dinas: the predikat counts of the rated and
    final penilaian of each of the year's evaluations, as they stand now. Once a year (409 after); audited."""
    async with uow:
        sekolah = await load_school(uow, actor, cmd.npsn, KIRIM_LAPORAN)
        assert actor.pegawai_id is not None  # the school's kepala sekolah is in the roster
        periods = await uow.roster_extra.periods_of_year(cmd.tahun)
        if not periods:
            raise InvalidValue(
                f"no period of {cmd.tahun} has been opened: there are no results to send",
                rule="organisasi.tahun_tanpa_periode",
                field="tahun",
            )
        prosedur = await _prosedur(uow, cmd.tahun)
        peringatan = periksa_urutan(prosedur, Langkah.LAPORAN_SEKOLAH, await _selesai(uow, sekolah.npsn, cmd.tahun))
        kodes = [p.kode for p in periods]
        if any(p.penilaian_tahunan is not None for p in periods):
            kodes.append(deps.rules.penilaian_tahunan.kode(cmd.tahun))
        counts = {}
        for kode in kodes:
            raw = await uow.penilaian.predikat_counts(sekolah.npsn, kode)
            counts[kode] = {p: raw.get(p.value, 0) for p in Predikat}
        laporan = LaporanSekolah(
            npsn=sekolah.npsn,
            tahun=cmd.tahun,
            policy_year=prosedur.policy_year,
            pegawai_id=actor.pegawai_id,
            dikirim_at=deps.clock.now(),
            counts=counts,
        )
        await uow.laporan_organisasi.add(laporan)
        uow.audit.record(
            actor=actor.subject,
            action="sekolah.laporan_kinerja",
            target=sekolah.npsn,
            detail={
                "tahun": cmd.tahun,
                "policy_year": prosedur.policy_year,
                "counts": {kode: {p.value: n for p, n in tally.items()} for kode, tally in counts.items()},
            },
        )
        await uow.commit()
        return await _view(uow, sekolah.npsn, cmd.tahun, prosedur, peringatan)


@dataclass(frozen=True)
class GetProsedur:
    npsn: str
    tahun: int


async def get_prosedur(q: GetProsedur, *, uow: AppraisalUnitOfWork, actor: Actor) -> ProsedurView:
    """The year's steps for the school, whether its report was sent (and its counts) and its predikat organisasi:
    the school's kepala sekolah or an operator of its region."""
    async with uow:
        sekolah = await load_school(uow, actor, q.npsn, LIHAT_DISTRIBUSI)
        return await _view(uow, sekolah.npsn, q.tahun, await _prosedur(uow, q.tahun), [])


# --- step 2: the order the Dinas's predikat organisasi keeps ------------------------------------------------------


async def urutan_predikat(uow: AppraisalUnitOfWork, npsn: str, tahun: int) -> tuple[Prosedur, list[Peringatan]]:
    """Whether the Dinas may set the school's predikat organisasi now: refused (409 `organisasi.laporan_belum_dikirim`)
    where the year's procedure makes the report wajib and it was not sent; else the warnings of a step skipped."""
    prosedur = await _prosedur(uow, tahun)
    return prosedur, periksa_urutan(prosedur, Langkah.PREDIKAT_ORGANISASI, await _selesai(uow, npsn, tahun))


# --- step 3: before finalising -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetPeringatanDistribusi:
    penilaian_id: uuid.UUID
    predikat: str | None = None  # another predikat to weigh; default: the one the ratings give


async def get_peringatan_distribusi(
    q: GetPeringatanDistribusi, *, uow: AppraisalUnitOfWork, deps: Deps, actor: Actor
) -> PeringatanView:
    """The school's distribution were this penilaian finalised with its predikat (or `predikat`), with the warnings
    against the predikat organisasi, or that none is set yet where the procedure wants it first. Never a refusal of
    the finalisation: the atasan decides each predikat. The atasan and an operator of the region."""
    async with uow:
        context = await load_penilaian(uow, deps, actor, q.penilaian_id)
        require_allowed(context.relation, PERINGATAN_DISTRIBUSI)
        penilaian = context.penilaian
        if q.predikat is not None:
            calon = Predikat.parse(q.predikat)
        elif penilaian.nilai is not None:
            calon = penilaian.nilai.predikat
        else:
            raise InvalidValue(
                "the penilaian is not rated yet: name the predikat to weigh",
                rule="peringatan.belum_dinilai",
                field="predikat",
            )
        if context.sekolah is None:
            raise NotFound("the pegawai is not in the roster yet", rule="pegawai.not_in_roster")
        rentang = await rentang_of(uow, deps, penilaian, context.pegawai)
        distribusi = await distribusi_of(uow, context.sekolah, penilaian.periode, rentang)
        return await peringatan_of(uow, distribusi, penilaian, calon)
