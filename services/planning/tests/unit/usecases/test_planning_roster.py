"""The operator's roster imports with a fake unit of work: the region, the relation rules, what is created,
updated or left alone, what is published and audited; and the caller's roster id."""

from __future__ import annotations

from datetime import date

import pytest

from planning.domain import events
from planning.domain.roster import RowError, parse_rows
from planning.usecases import roster as uc
from pmm_kernel.errors import Forbidden
from services.planning.tests.unit.fakes import World, guru, operator

TODAY = date(2024, 1, 15)


@pytest.fixture
def world() -> World:
    return World()


def rows(kind: str, *values: dict[str, str]) -> tuple:
    parsed, errors = parse_rows(kind, [(i + 1, v) for i, v in enumerate(values)], today=TODAY)
    assert errors == []
    return tuple(parsed)


def sekolah(npsn: str = "20200003", kode_wilayah: str = "3273", nama: str = "SDN 3 Bandung") -> dict[str, str]:
    return {"npsn": npsn, "nama": nama, "kode_wilayah": kode_wilayah, "nama_wilayah": "Kota Bandung"}


def pegawai(nip: str = "198501012010011001", npsn: str = "20200001", **changes: str) -> dict[str, str]:
    return {
        "nip": nip,
        "status": "PNS",
        "nama": "Siti Aminah",
        "pangkat_golongan": "III/b",
        "jenjang_jabatan": "Ahli Pertama",
        "jenis_gtk": "Guru Kelas",
        "npsn": npsn,
    } | changes


async def run(world: World, kind: str, parsed: tuple, *, actor=None, errors: tuple[RowError, ...] = ()):
    command = uc.ImportRoster(kind=kind, rows=parsed, errors=errors, received=len(parsed) + len(errors))
    return await uc.import_roster(command, uow=world.uow, deps=world.deps, actor=actor or operator("3273"))


async def test_schools_are_created_then_left_alone_then_updated(world: World) -> None:
    report = await run(world, "sekolah", rows("sekolah", sekolah()))
    assert (report.created, report.updated, report.unchanged, report.errors) == (1, 0, 0, [])
    (created,) = world.uow.published_of(events.SekolahChanged)
    assert (created.npsn, created.new, created.version) == ("20200003", True, 1)

    again = await run(world, "sekolah", rows("sekolah", sekolah()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert len(world.uow.published_of(events.SekolahChanged)) == 1

    renamed = await run(world, "sekolah", rows("sekolah", sekolah(nama="SDN 3 Kota Bandung")))
    assert renamed.updated == 1
    updated = world.uow.published_of(events.SekolahChanged)[-1]
    assert (updated.nama, updated.new, updated.version) == ("SDN 3 Kota Bandung", False, 2)
    assert world.uow.roster.sekolah_by_npsn["20200003"].nama == "SDN 3 Kota Bandung"


async def test_a_school_outside_the_region_is_reported_and_the_rest_applied(world: World) -> None:
    report = await run(world, "sekolah", rows("sekolah", sekolah(), sekolah("31710010", "3171")))
    assert report.created == 1
    assert report.errors == [RowError(2, "kode_wilayah", "roster.outside_region", "this school is outside your region")]
    assert "31710010" not in world.uow.roster.sekolah_by_npsn


async def test_an_import_is_audited_with_its_counts_and_reports_errors_by_line(world: World) -> None:
    parse_error = RowError(3, "npsn", "sekolah.npsn_format", "bad")
    report = await run(world, "sekolah", rows("sekolah", sekolah("31710010", "3171"), sekolah()), errors=(parse_error,))
    assert [(e.line, e.rule) for e in report.errors] == [(1, "roster.outside_region"), (3, "sekolah.npsn_format")]
    assert world.uow.audit.records == [
        ("roster.import", "sekolah", {"received": 3, "created": 1, "updated": 0, "unchanged": 0, "errors": 2})
    ]
    assert world.uow.committed


async def test_only_an_operator_imports(world: World) -> None:
    with pytest.raises(Forbidden) as refused:
        await run(world, "sekolah", rows("sekolah", sekolah()), actor=guru(world.people["guru"]))
    assert refused.value.rule == "role.operator_required"
    assert world.uow.audit.records == []


async def test_a_new_pegawai_is_placed_at_their_school_and_registered(world: World) -> None:
    report = await run(world, "pegawai", rows("pegawai", pegawai()))
    assert report.created == 1
    (registered,) = world.uow.published_of(events.PegawaiChanged)
    assert (registered.changed, registered.kode_wilayah, registered.version) == ((), "3273", 1)
    assert world.uow.roster.penempatan[-1] == (registered.pegawai_id, "20200001", TODAY)


async def test_a_transfer_keeps_the_placement_history_and_names_what_changed(world: World) -> None:
    await run(world, "pegawai", rows("pegawai", pegawai()))
    report = await run(world, "pegawai", rows("pegawai", pegawai(npsn="20200002", pangkat_golongan="III/a")))
    assert report.updated == 1
    updated = world.uow.published_of(events.PegawaiChanged)[-1]
    assert (updated.changed, updated.npsn, updated.version) == (("pangkat_golongan", "npsn"), "20200002", 2)
    assert [npsn for pid, npsn, _ in world.uow.roster.penempatan if pid == updated.pegawai_id] == [
        "20200001",
        "20200002",
    ]
    same = await run(world, "pegawai", rows("pegawai", pegawai(npsn="20200002", pangkat_golongan="III/a")))
    assert same.unchanged == 1 and len(world.uow.published_of(events.PegawaiChanged)) == 2


@pytest.mark.parametrize(
    ("npsn", "rule"),
    [("20209999", "pegawai.npsn_unknown"), ("31710009", "roster.outside_region")],
)
async def test_a_pegawai_needs_a_known_school_of_the_region(world: World, npsn: str, rule: str) -> None:
    report = await run(world, "pegawai", rows("pegawai", pegawai(npsn=npsn)))
    assert [(e.line, e.field, e.rule) for e in report.errors] == [(1, "npsn", rule)]
    assert report.created == 0 and world.uow.published == []


def relasi(pegawai: str, atasan: str, peran: str = "kepala_sekolah", **more: str) -> dict[str, str]:
    return {"nip_pegawai": pegawai, "nip_atasan": atasan, "peran_atasan": peran, "mulai": "2024-01-01"} | more


async def test_a_relation_is_assigned_then_ended(world: World) -> None:
    teacher, ks = world.people["guru2"], world.people["ks"]
    report = await run(world, "relasi", rows("relasi", relasi(teacher.nip, ks.nip)))
    assert report.created == 1
    (assigned,) = world.uow.published_of(events.AtasanChanged)
    assert (assigned.pegawai_id, assigned.atasan_id, assigned.new, assigned.version) == (teacher.id, ks.id, True, 1)

    same = await run(world, "relasi", rows("relasi", relasi(teacher.nip, ks.nip)))
    assert same.unchanged == 1

    ended = await run(world, "relasi", rows("relasi", relasi(teacher.nip, ks.nip, selesai="2024-06-30")))
    assert ended.updated == 1
    updated = world.uow.published_of(events.AtasanChanged)[-1]
    assert (updated.relasi_id, updated.selesai, updated.new, updated.version) == (
        assigned.relasi_id,
        date(2024, 6, 30),
        False,
        2,
    )


@pytest.mark.parametrize(
    ("pegawai_name", "atasan_name", "peran", "field", "rule"),
    [
        ("guru", "guru2", "kepala_sekolah", "nip_atasan", "relasi.atasan_jenis"),
        ("guru_sdn2", "ks", "kepala_sekolah", "nip_atasan", "relasi.other_school"),
        ("guru", "pengawas", "pengawas", "nip_pegawai", "relasi.pegawai_jenis"),
        ("guru_jakarta", "ks", "plt_kepala_sekolah", "nip_pegawai", "roster.outside_region"),
    ],
)
async def test_who_may_appraise_whom(
    world: World, pegawai_name: str, atasan_name: str, peran: str, field: str, rule: str
) -> None:
    before = len(world.uow.roster.relasi_by_id)
    row = relasi(world.people[pegawai_name].nip, world.people[atasan_name].nip, peran)
    report = await run(world, "relasi", rows("relasi", row))
    assert [(e.field, e.rule) for e in report.errors] == [(field, rule)]
    assert len(world.uow.roster.relasi_by_id) == before and world.uow.published == []


async def test_a_relation_needs_both_people_in_the_roster(world: World) -> None:
    report = await run(world, "relasi", rows("relasi", relasi("198501012010011099", world.people["ks"].nip)))
    assert [(e.field, e.rule) for e in report.errors] == [("nip_pegawai", "relasi.nip_unknown")]
    report = await run(world, "relasi", rows("relasi", relasi(world.people["guru"].nip, "198501012010011099")))
    assert [(e.field, e.rule) for e in report.errors] == [("nip_atasan", "relasi.nip_unknown")]


async def test_the_callers_roster_id_is_looked_up_once(world: World) -> None:
    teacher = world.people["guru"]
    assert await uc.pegawai_id_by_nip(world.deps, teacher.nip) == teacher.id
    assert await uc.pegawai_id_by_nip(world.deps, teacher.nip) == teacher.id
    assert await uc.pegawai_id_by_nip(world.deps, "198501012010011099") is None
    assert world.uow.roster.lookups_by_nip == 2


async def test_after_a_transfer_the_old_schools_relation_can_still_be_ended_but_not_begun(world: World) -> None:
    nip, old_ks = "198501012010011001", world.people["ks"]
    await run(world, "pegawai", rows("pegawai", pegawai(nip)))
    begun = await run(world, "relasi", rows("relasi", relasi(nip, old_ks.nip)))
    assert begun.created == 1
    moved = await run(world, "pegawai", rows("pegawai", pegawai(nip, npsn="20200002")))
    assert moved.updated == 1
    ended = await run(world, "relasi", rows("relasi", relasi(nip, old_ks.nip, selesai="2024-04-14")))
    assert (ended.updated, ended.errors) == (1, [])
    again = await run(world, "relasi", rows("relasi", relasi(nip, old_ks.nip, mulai="2024-05-01")))
    assert [(e.field, e.rule) for e in again.errors] == [("nip_atasan", "relasi.other_school")]
