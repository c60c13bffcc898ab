"""Correction reports with a fake unit of work: who may report, see, close and reject; one open report per field;
someone else's report is not found; a roster import or a SIASN change that says what was reported closes it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from planning.domain import events
from planning.domain.koreksi import ClosedBy, KoreksiStatus
from planning.domain.roster import parse_rows
from planning.usecases import from_bkn, roster, views
from planning.usecases import koreksi as uc
from pmm_kernel.clock import FixedClock
from pmm_kernel.errors import (
    Forbidden,
    InvalidValue,
    NotFound,
    PreconditionRequired,
    StaleVersion,
    StateConflict,
)
from pmm_kernel.versions import ExpectedVersion
from services.planning.tests.unit.fakes import World, guru, kepala, operator

V1, V2 = ExpectedVersion('"v1"'), ExpectedVersion('"v2"')


@pytest.fixture
def world() -> World:
    return World()


async def report(world: World, who: str = "guru", *, field: str | None = "pangkat_golongan", **kw):
    command = uc.ReportKoreksi(
        jenis=kw.pop("jenis", "data" if field else "atasan"),
        field=field,
        nilai_benar=kw.pop("nilai_benar", "III/c"),
        catatan=kw.pop("catatan", "SK kenaikan pangkat April 2023"),
        **kw,
    )
    return await uc.report_koreksi(command, uow=world.uow, deps=world.deps, actor=guru(world.people[who]))


async def tolak(world: World, koreksi_id: uuid.UUID, actor, *, expected=V1, alasan: str = "data sudah benar"):
    command = uc.TolakKoreksi(koreksi_id, expected, alasan=alasan)
    return await uc.tolak_koreksi(command, uow=world.uow, deps=world.deps, actor=actor)


async def selesai(world: World, koreksi_id: uuid.UUID, actor, *, expected=V1):
    command = uc.SelesaiKoreksi(koreksi_id, expected)
    return await uc.selesai_koreksi(command, uow=world.uow, deps=world.deps, actor=actor)


async def read(world: World, koreksi_id: uuid.UUID, actor):
    return await views.get_koreksi(views.GetKoreksi(koreksi_id), uow=world.uow, deps=world.deps, actor=actor)


async def worklist(world: World, actor, *, status: str | None = "DILAPORKAN", npsn: str | None = None, after=None):
    query = views.KoreksiWorklist(status=status, npsn=npsn, after=after, limit=50)
    return await views.koreksi_worklist(query, uow=world.uow, deps=world.deps, actor=actor)


# --- reporting ----------------------------------------------------------------------------------------------


async def test_a_teacher_reports_their_own_data_and_it_is_published(world: World) -> None:
    teacher = world.people["guru"]
    context = await report(world)
    stored = world.uow.koreksi.reports[context.koreksi.id]
    assert (stored.pegawai_id, stored.field, stored.nilai_benar, stored.status) == (
        teacher.id,
        "pangkat_golongan",
        "III/c",
        KoreksiStatus.DILAPORKAN,
    )
    assert (stored.npsn, stored.kode_wilayah, stored.reported_at) == ("20200001", "3273", world.uow.clock.now())
    (reported,) = world.uow.published_of(events.KoreksiReported)
    assert (reported.koreksi.koreksi_id, reported.jenis, reported.field) == (stored.id, "data", "pangkat_golongan")
    assert world.uow.committed


async def test_an_atasan_report_names_who_should_be(world: World) -> None:
    context = await report(world, field=None, nilai_benar="198001012005011001")
    assert (context.koreksi.jenis.value, context.koreksi.field, context.koreksi.subject) == ("atasan", None, "atasan")


async def test_an_unknown_field_is_a_422_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(InvalidValue) as refused:
        await report(world, field="nip")
    assert (refused.value.rule, refused.value.field) == ("koreksi.field_unknown", "field")
    assert world.uow.koreksi.reports == {} and world.uow.published == []


async def test_a_second_open_report_on_the_same_field_is_a_conflict(world: World) -> None:
    first = await report(world)
    with pytest.raises(StateConflict) as refused:
        await report(world, nilai_benar="III/d")
    assert refused.value.rule == "koreksi.exists"
    assert refused.value.extra == {"koreksi_id": str(first.koreksi.id)}
    # Another field, the atasan, or another teacher's same field are separate reports.
    await report(world, field="nama", nilai_benar="Guru Benar")
    await report(world, field=None, nilai_benar="Kepala Lain")
    await report(world, "guru2")
    assert len(world.uow.koreksi.reports) == 4


async def test_after_a_rejection_the_same_field_may_be_reported_again(world: World) -> None:
    first = await report(world)
    await tolak(world, first.koreksi.id, operator("3273"))
    again = await report(world, nilai_benar="III/d")
    assert again.koreksi.id != first.koreksi.id


async def test_a_report_naming_another_pegawai_is_not_found(world: World) -> None:
    other = world.people["guru2"]
    with pytest.raises(NotFound) as refused:
        await report(world, pegawai_id=other.id)
    assert refused.value.rule == "pegawai.not_found"
    assert world.uow.koreksi.reports == {}
    own = await report(world, pegawai_id=world.people["guru"].id)
    assert own.koreksi.pegawai_id == world.people["guru"].id


async def test_someone_not_in_the_roster_cannot_report(world: World) -> None:
    command = uc.ReportKoreksi(jenis="data", field="nama", nilai_benar="X", catatan=None)
    with pytest.raises(NotFound) as refused:
        await uc.report_koreksi(command, uow=world.uow, deps=world.deps, actor=operator("3273"))
    assert refused.value.rule == "pegawai.not_in_roster"


# --- reading ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "outcome"),
    [
        ("owner", None),
        ("operator_3273", None),
        ("operator_32", None),
        ("operator_nasional", None),
        ("peer", NotFound),
        ("atasan", NotFound),
        ("operator_3171", NotFound),
    ],
)
async def test_who_may_read_a_report(world: World, caller: str, outcome) -> None:
    context = await report(world)
    actor = {
        "owner": guru(world.people["guru"]),
        "peer": guru(world.people["guru2"]),
        "atasan": kepala(world.people["ks"]),
        "operator_3273": operator("3273"),
        "operator_32": operator("32"),
        "operator_nasional": operator(""),
        "operator_3171": operator("3171"),
    }[caller]
    if outcome is None:
        seen = await read(world, context.koreksi.id, actor)
        assert (seen.koreksi.id, seen.pegawai.nama, seen.sekolah.nama) == (context.koreksi.id, "Guru", "SDN 1 Bandung")
        return
    with pytest.raises(outcome) as refused:
        await read(world, context.koreksi.id, actor)
    assert refused.value.rule == "koreksi.not_found"


async def test_an_unknown_report_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await read(world, uuid.uuid4(), operator(""))


async def test_my_reports_newest_first_with_their_state(world: World) -> None:
    first = await report(world)
    world.uow.clock = FixedClock(world.uow.clock.now() + timedelta(days=2))
    world.deps = world.deps.__class__(
        uow=world.deps.uow, clock=world.uow.clock, catalog=world.deps.catalog, policies=world.deps.policies
    )
    second = await report(world, field="nama", nilai_benar="Guru Benar")
    await tolak(world, first.koreksi.id, operator("3273"), alasan="pangkat sudah sesuai SK")
    await report(world, "guru2")
    mine = await views.my_koreksi(
        views.MyKoreksi(limit=10), uow=world.uow, deps=world.deps, actor=guru(world.people["guru"])
    )
    assert [(c.koreksi.id, c.koreksi.status, c.umur_hari) for c in mine] == [
        (second.koreksi.id, KoreksiStatus.DILAPORKAN, 0),
        (first.koreksi.id, KoreksiStatus.DITOLAK, 2),
    ]
    assert mine[1].koreksi.alasan == "pangkat sudah sesuai SK"


async def test_the_worklist_is_the_regions_open_reports_oldest_first(world: World) -> None:
    jakarta = await report(world, "guru_jakarta")
    first = await report(world)
    world.uow.clock = FixedClock(world.uow.clock.now() + timedelta(days=3))
    world.deps = world.deps.__class__(
        uow=world.deps.uow, clock=world.uow.clock, catalog=world.deps.catalog, policies=world.deps.policies
    )
    second = await report(world, "guru_sdn2", field="email", nilai_benar="guru@belajar.id")
    closed = await report(world, "guru2")
    await tolak(world, closed.koreksi.id, operator("3273"))

    rows = await worklist(world, operator("3273"))
    assert [(c.koreksi.id, c.umur_hari, c.pegawai.nama, c.sekolah.nama) for c in rows] == [
        (first.koreksi.id, 3, "Guru", "SDN 1 Bandung"),
        (second.koreksi.id, 0, "Guru_Sdn2", "SDN 2 Bandung"),
    ]
    assert [c.koreksi.id for c in await worklist(world, operator("3273"), npsn="20200002")] == [second.koreksi.id]
    assert [c.koreksi.id for c in await worklist(world, operator("3273"), status="DITOLAK")] == [closed.koreksi.id]
    assert [c.koreksi.id for c in await worklist(world, operator("3171"))] == [jakarta.koreksi.id]
    assert len(await worklist(world, operator(""), status=None)) == 4
    after = (first.koreksi.reported_at, first.koreksi.id)
    assert [c.koreksi.id for c in await worklist(world, operator("3273"), after=after)] == [second.koreksi.id]


@pytest.mark.parametrize("who", ["guru", "ks"])
async def test_the_worklist_is_for_operators_only(world: World, who: str) -> None:
    actor = guru(world.people[who]) if who == "guru" else kepala(world.people[who])
    with pytest.raises(Forbidden) as refused:
        await worklist(world, actor)
    assert refused.value.rule == "role.operator_required"


# --- the operator's decisions -------------------------------------------------------------------------------


async def test_the_operator_rejects_with_a_reason_audited_and_published(world: World) -> None:
    context = await report(world)
    decided = await tolak(world, context.koreksi.id, operator("3273"), alasan="  SK belum terbit  ")
    stored = world.uow.koreksi.reports[context.koreksi.id]
    assert (stored.status, stored.alasan, stored.closed_by, stored.version) == (
        KoreksiStatus.DITOLAK,
        "SK belum terbit",
        ClosedBy.OPERATOR,
        2,
    )
    assert decided.koreksi.version == 2
    (closed,) = world.uow.published_of(events.KoreksiClosed)
    assert (closed.status, closed.koreksi.version) == ("DITOLAK", 2)
    assert world.uow.audit.records[-1] == ("koreksi.tolak", str(stored.id), {"alasan": "SK belum terbit"})


async def test_the_operator_marks_it_done(world: World) -> None:
    context = await report(world)
    await selesai(world, context.koreksi.id, operator("32"))
    stored = world.uow.koreksi.reports[context.koreksi.id]
    assert (stored.status, stored.closed_by) == (KoreksiStatus.SELESAI, ClosedBy.OPERATOR)
    assert world.uow.published_of(events.KoreksiClosed)[0].status == "SELESAI"
    assert world.uow.audit.actions[-1] == "koreksi.selesai"


@pytest.mark.parametrize("decide", [tolak, selesai])
@pytest.mark.parametrize(
    ("caller", "outcome", "rule"),
    [
        ("owner", Forbidden, "forbidden"),
        ("peer", NotFound, "koreksi.not_found"),
        ("atasan", NotFound, "koreksi.not_found"),
        ("operator_3171", NotFound, "koreksi.not_found"),
    ],
)
async def test_who_may_not_decide(world: World, decide, caller: str, outcome, rule: str) -> None:
    context = await report(world)
    actor = {
        "owner": guru(world.people["guru"]),
        "peer": guru(world.people["guru2"]),
        "atasan": kepala(world.people["ks"]),
        "operator_3171": operator("3171"),
    }[caller]
    with pytest.raises(outcome) as refused:
        await decide(world, context.koreksi.id, actor)
    assert refused.value.rule.endswith(rule) or refused.value.rule == rule
    assert world.uow.koreksi.reports[context.koreksi.id].is_open
    assert world.uow.published_of(events.KoreksiClosed) == []


async def test_a_decision_needs_the_version_read(world: World) -> None:
    context = await report(world)
    with pytest.raises(PreconditionRequired):
        await tolak(world, context.koreksi.id, operator("3273"), expected=ExpectedVersion(None))
    with pytest.raises(StaleVersion):
        await selesai(world, context.koreksi.id, operator("3273"), expected=V2)
    assert world.uow.koreksi.reports[context.koreksi.id].is_open


async def test_a_closed_report_cannot_be_decided_again(world: World) -> None:
    context = await report(world)
    await selesai(world, context.koreksi.id, operator("3273"))
    with pytest.raises(StateConflict) as refused:
        await tolak(world, context.koreksi.id, operator("3273"), expected=V2)
    assert refused.value.rule == "koreksi.closed"


async def test_a_short_reason_is_refused(world: World) -> None:
    context = await report(world)
    with pytest.raises(InvalidValue) as refused:
        await tolak(world, context.koreksi.id, operator("3273"), alasan="no")
    assert refused.value.rule == "koreksi.alasan_too_short"
    assert world.uow.koreksi.reports[context.koreksi.id].is_open


# --- closed by the roster change ----------------------------------------------------------------------------


TEACHER_NIP, KS_NIP = "198501012010011001", "197501012000011002"  # valid NIPs: the import checks them


def pegawai_row(nip: str = TEACHER_NIP, jenis_gtk: str = "Guru Kelas", **changes: str) -> dict[str, str]:
    return {
        "nip": nip,
        "status": "PNS",
        "nama": "Siti Aminah",
        "pangkat_golongan": "III/b",
        "jenjang_jabatan": "Ahli Pertama",
        "jenis_gtk": jenis_gtk,
        "npsn": "20200001",
    } | changes


async def import_rows(world: World, kind: str, *values: dict[str, str]):
    parsed, errors = parse_rows(kind, [(i + 1, v) for i, v in enumerate(values)], today=date(2024, 1, 15))
    assert errors == []
    command = roster.ImportRoster(kind=kind, rows=tuple(parsed), errors=(), received=len(parsed))
    return await roster.import_roster(command, uow=world.uow, deps=world.deps, actor=operator("3273"))


@pytest.fixture
async def imported(world: World) -> World:
    """Siti, a teacher of SDN 1 imported by the operator (with a kepala sekolah she may be assigned to)."""
    await import_rows(world, "pegawai", pegawai_row(), pegawai_row(KS_NIP, "Kepala Sekolah", nama="Budi"))
    for nip, name in ((TEACHER_NIP, "siti"), (KS_NIP, "budi")):
        world.people[name] = await world.uow.roster.pegawai_by_nip(nip)
    world.uow.published.clear()
    return world


async def test_a_pegawai_import_that_corrects_the_field_closes_the_report(imported: World) -> None:
    world = imported
    pangkat = await report(world, "siti")
    nama = await report(world, "siti", field="nama", nilai_benar="Siti Aminah Benar")
    atasan = await report(world, "siti", field=None, nilai_benar="Budi")
    other = await report(world, "guru2")
    world.uow.published.clear()

    result = await import_rows(world, "pegawai", pegawai_row(pangkat_golongan="III/a"))

    assert result.updated == 1
    reports = world.uow.koreksi.reports
    assert (reports[pangkat.koreksi.id].status, reports[pangkat.koreksi.id].closed_by) == (
        KoreksiStatus.SELESAI,
        ClosedBy.ROSTER,
    )
    assert all(reports[k.koreksi.id].is_open for k in (nama, atasan, other))
    (closed,) = world.uow.published_of(events.KoreksiClosed)
    assert (closed.koreksi.koreksi_id, closed.status) == (pangkat.koreksi.id, "SELESAI")
    assert world.uow.published_of(events.PegawaiChanged)[0].changed == ("pangkat_golongan",)


async def test_an_import_that_changes_nothing_closes_nothing(imported: World) -> None:
    world = imported
    context = await report(world, "siti")
    world.uow.published.clear()
    result = await import_rows(world, "pegawai", pegawai_row())
    assert result.unchanged == 1
    assert world.uow.koreksi.reports[context.koreksi.id].is_open
    assert world.uow.published_of(events.KoreksiClosed) == []


async def test_a_new_relation_closes_the_atasan_report(imported: World) -> None:
    world = imported
    atasan = await report(world, "siti", field=None, nilai_benar="Budi")
    pangkat = await report(world, "siti")
    world.uow.published.clear()
    relasi = {"nip_pegawai": TEACHER_NIP, "nip_atasan": KS_NIP, "peran_atasan": "kepala_sekolah", "mulai": "2024-01-15"}
    result = await import_rows(world, "relasi", relasi)
    assert result.created == 1
    assert world.uow.koreksi.reports[atasan.koreksi.id].status is KoreksiStatus.SELESAI
    assert world.uow.koreksi.reports[pangkat.koreksi.id].is_open
    assert [e.koreksi.koreksi_id for e in world.uow.published_of(events.KoreksiClosed)] == [atasan.koreksi.id]
    # The same relation again is no new atasan: the next atasan report stays open.
    again = await report(world, "siti", field=None, nilai_benar="Orang lain")
    assert (await import_rows(world, "relasi", relasi)).unchanged == 1
    assert world.uow.koreksi.reports[again.koreksi.id].is_open


async def test_siasns_change_closes_the_report_it_answers(world: World) -> None:
    teacher = world.people["guru"]
    pangkat = await report(world)
    jenjang = await report(world, field="jenjang_jabatan", nilai_benar="Ahli Muda")
    changes = (("nama", None), ("pangkat_golongan", "III/c"), ("jenjang_jabatan", None))
    command = from_bkn.ApplyBknPegawaiChanged(teacher.nip, changes)
    assert await from_bkn.apply_bkn_pegawai_changes([command], uow=world.uow) == []
    assert world.uow.koreksi.reports[pangkat.koreksi.id].status is KoreksiStatus.SELESAI
    assert world.uow.koreksi.reports[jenjang.koreksi.id].is_open
    assert [e.koreksi.koreksi_id for e in world.uow.published_of(events.KoreksiClosed)] == [pangkat.koreksi.id]
