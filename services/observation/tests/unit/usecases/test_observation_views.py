"""What the reading routes return: who sees a cycle, the caller's own, the atasan's team, files and uploads."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from observation.domain.bukti import Bukti
from observation.domain.pelaksanaan import Tahap
from observation.domain.unggahan import Unggahan
from observation.usecases import views
from pmm_kernel.access import Relation
from pmm_kernel.errors import Forbidden, NotFound
from pmm_kernel.windows import Extension
from services.observation.tests.unit.fakes import World, actor, periode


async def test_the_caller_is_found_in_the_roster_by_nip():
    world = World()
    nip = world.roster.pegawai_by_id[world.guru_id].nip
    assert await views.pegawai_id_by_nip(views.PegawaiByNip(nip), uow=world.uow) == world.guru_id
    assert await views.pegawai_id_by_nip(views.PegawaiByNip("199001012020121001"), uow=world.uow) is None


@pytest.mark.parametrize(
    ("who", "relation"),
    [
        (lambda w: w.guru, Relation.OWNER),
        (lambda w: w.ks, Relation.ATASAN),
        (lambda w: actor(None, "operator", wilayah="3273"), Relation.OPERATOR),
        (lambda w: actor(None, "operator", wilayah=""), Relation.OPERATOR),  # national
        (lambda w: actor(w.ks_id, "guru"), None),  # the relation without the atasan role
        (lambda w: w.pengawas, None),
        (lambda w: actor(None, "operator", wilayah="3201"), None),
    ],
)
async def test_a_cycle_is_seen_by_its_pegawai_their_atasan_today_and_the_regions_operator(who, relation):
    world = World()
    cycle = world.cycle(world.guru_id)
    query = views.GetPelaksanaan(cycle.id)
    if relation is None:
        with pytest.raises(NotFound) as refused:
            await views.get_pelaksanaan(query, uow=world.uow, deps=world.deps, actor=who(world))
        assert refused.value.rule == "pelaksanaan.not_found"
    else:
        seen = await views.get_pelaksanaan(query, uow=world.uow, deps=world.deps, actor=who(world))
        assert (seen.pelaksanaan.id, seen.relation, seen.atasan_id) == (cycle.id, relation, world.ks_id)


async def test_a_cycle_whose_pegawai_the_roster_does_not_know_yet_is_shown_to_nobody():
    world = World()
    cycle = world.cycle(uuid.uuid4())
    with pytest.raises(NotFound):
        await views.get_pelaksanaan(
            views.GetPelaksanaan(cycle.id), uow=world.uow, deps=world.deps, actor=actor(None, "operator", wilayah="")
        )
    with pytest.raises(NotFound):
        await views.get_pelaksanaan(views.GetPelaksanaan(uuid.uuid4()), uow=world.uow, deps=world.deps, actor=world.ks)


async def test_my_pelaksanaan():
    world = World()
    with pytest.raises(NotFound) as outside:
        await views.my_pelaksanaan(
            views.MyPelaksanaan("2024-S1"), uow=world.uow, deps=world.deps, actor=actor(None, "guru")
        )
    assert outside.value.rule == "pegawai.not_in_roster"
    with pytest.raises(NotFound) as unopened:
        await views.my_pelaksanaan(views.MyPelaksanaan("2024-S1"), uow=world.uow, deps=world.deps, actor=world.guru)
    assert (unopened.value.rule, unopened.value.field) == ("pelaksanaan.not_opened", "periode")
    cycle = world.cycle(world.guru_id)
    mine = await views.my_pelaksanaan(views.MyPelaksanaan("2024-S1"), uow=world.uow, deps=world.deps, actor=world.guru)
    assert mine.pelaksanaan.id == cycle.id and mine.relation is Relation.OWNER


def _bukti(world: World, pid: uuid.UUID, kategori: str, *, outside: bool = False, key: str | None = None) -> Bukti:
    bukti = Bukti(
        id=uuid.uuid4(),
        pelaksanaan_id=pid,
        pegawai_id=world.ks_id,
        periode="2024-S1",
        kategori=kategori,
        sumber="unggah",
        added_by=world.ks_id,
        created_at=world.uow.clock.now(),
        media_type="application/pdf",
        storage_key=key,
        outside_period=outside,
    )
    world.uow.bukti.rows[bukti.id] = bukti
    return bukti


async def test_the_evidence_summary_counts_what_counts_and_names_what_a_kepala_sekolah_lacks():
    world = World()
    pid = world.cycle(world.ks_id).id
    _bukti(world, pid, "kosp")
    _bukti(world, pid, "rkt", outside=True)
    cycle = await views.get_pelaksanaan(views.GetPelaksanaan(pid), uow=world.uow, deps=world.deps, actor=world.ks)
    assert views.summary(cycle) == {
        "evidence_mode": "unggah",
        "bukti_count": 1,
        "dokumen_ks_kurang": ["rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru"],
    }
    assert len(cycle.bukti) == 2


async def test_a_file_is_read_by_whoever_reads_its_cycle():
    world = World()
    pid = world.cycle(world.ks_id).id
    stored = _bukti(world, pid, "kosp", key=f"bukti/{pid}/x")
    unstored = _bukti(world, pid, "rkt", key=f"bukti/{pid}/y")
    confirmed = _bukti(world, pid, "lainnya")
    world.storage.objects[f"bukti/{pid}/x"] = b"%PDF-1.7"
    bukti, content = await views.bukti_content(
        views.BuktiContent(stored.id), uow=world.uow, deps=world.deps, actor=world.pengawas
    )
    assert (bukti.id, content) == (stored.id, b"%PDF-1.7")
    for bukti_id, who, rule in [
        (stored.id, world.guru, "pelaksanaan.not_found"),  # a guru of the school is no relation of the KS's cycle
        (confirmed.id, world.pengawas, "bukti.not_found"),  # a confirmation has no file
        (uuid.uuid4(), world.pengawas, "bukti.not_found"),
        (unstored.id, world.pengawas, "bukti.content_missing"),
    ]:
        with pytest.raises(NotFound) as refused:
            await views.bukti_content(views.BuktiContent(bukti_id), uow=world.uow, deps=world.deps, actor=who)
        assert refused.value.rule == rule


async def test_an_upload_is_its_uploaders_alone():
    world = World()
    pid = world.cycle(world.guru_id).id
    upload = Unggahan(uuid.uuid4(), pid, world.guru_id, "modul_ajar", "modul.pdf", None, length=100, offset=40)
    world.uow.unggahan.rows[upload.id] = upload
    state = await views.upload_state(views.UploadStateOf(upload.id), uow=world.uow, actor=world.guru)
    assert (state.upload_id, state.offset, state.length, state.bukti) == (upload.id, 40, 100, None)
    for who in (world.ks, actor(None, "operator", wilayah="")):
        with pytest.raises(NotFound) as refused:
            await views.upload_state(views.UploadStateOf(upload.id), uow=world.uow, actor=who)
        assert refused.value.rule == "unggahan.not_found"


# --- the atasan's list ---------------------------------------------------------------------------------------


def team(world: World, **given) -> views.Team:
    return views.Team(**{"periode": "2024-S1", "step": None, "overdue": None, "after": None, "limit": 20, **given})


@pytest.mark.parametrize("who", [lambda w: w.guru, lambda w: actor(None, "operator", "kepala_sekolah")])
async def test_only_an_atasan_in_the_roster_has_a_team(who):
    world = World()
    with pytest.raises(Forbidden) as refused:
        await views.team(team(world), uow=world.uow, deps=world.deps, actor=who(world))
    assert refused.value.rule == "role.atasan_required"


async def test_the_team_shows_where_each_pegawai_stands():
    world = World()
    second = world.person("Guru", atasan=world.ks_id)
    world.person("Guru", atasan=world.ks_id)  # no approved plan yet
    world.cycle(world.guru_id, tahap=Tahap.DISKUSI_MENUNGGU_GURU)
    world.cycle(second, tahap=Tahap.SELESAI)
    rows = await views.team(team(world), uow=world.uow, deps=world.deps, actor=world.ks)
    assert sorted(r.position for r in rows) == ["belum_dibuka", "diskusi", "selesai"]
    assert {r.closes for r in rows} == {date(2024, 5, 30)} and not any(r.overdue for r in rows)
    for step, expected in [("diskusi", ["diskusi"]), ("belum_dibuka", ["belum_dibuka"]), ("upaya", [])]:
        rows = await views.team(team(world, step=step), uow=world.uow, deps=world.deps, actor=world.ks)
        assert [r.position for r in rows] == expected


async def test_a_transferred_pegawai_stands_in_the_new_teams_list_with_the_new_schools_part_only():
    world = World()
    new_ks = world.person("Kepala Sekolah", atasan=world.pengawas_id)
    world.roster.atasan_of[world.guru_id] = new_ks
    world.cycle(world.guru_id, tahap=Tahap.OBSERVASI, selesai=date(2024, 2, 4))  # ended the day before today
    new_team = actor(new_ks, "guru", "kepala_sekolah")
    (row,) = await views.team(team(world), uow=world.uow, deps=world.deps, actor=new_team)
    assert (row.pegawai.pegawai_id, row.pelaksanaan, row.position) == (world.guru_id, None, "belum_dibuka")
    second = world.cycle(world.guru_id, bagian=2)
    (row,) = await views.team(team(world), uow=world.uow, deps=world.deps, actor=new_team)
    assert (row.pelaksanaan.id, row.pelaksanaan.bagian, row.position) == (second.id, 2, "persiapan")


async def test_past_the_regions_close_a_cycle_not_done_is_overdue():
    world = World()
    elsewhere = world.person("Guru", atasan=world.ks_id, wilayah="3501")  # a region with an extension
    done = world.person("Guru", atasan=world.ks_id)
    world.cycle(world.guru_id, tahap=Tahap.UPAYA)
    world.cycle(elsewhere, tahap=Tahap.UPAYA)
    world.cycle(done, tahap=Tahap.SELESAI)
    world.roster.periodes["2024-S1"] = periode(extensions=(Extension("pelaksanaan", date(2024, 6, 20), "35", "x"),))
    world.today_is(date(2024, 6, 3))
    rows = await views.team(team(world), uow=world.uow, deps=world.deps, actor=world.ks)
    by_id = {r.pegawai.pegawai_id: r for r in rows}
    assert by_id[world.guru_id].overdue and by_id[world.guru_id].closes == date(2024, 5, 30)
    assert not by_id[elsewhere].overdue and by_id[elsewhere].closes == date(2024, 6, 20)
    assert not by_id[done].overdue
    overdue = await views.team(team(world, overdue=True), uow=world.uow, deps=world.deps, actor=world.ks)
    assert [r.pegawai.pegawai_id for r in overdue] == [world.guru_id]
    on_time = await views.team(team(world, overdue=False), uow=world.uow, deps=world.deps, actor=world.ks)
    assert {r.pegawai.pegawai_id for r in on_time} == {elsewhere, done}


async def test_the_team_is_paged_by_pegawai_id():
    world = World()
    for _ in range(3):
        world.person("Guru", atasan=world.ks_id)
    first = await views.team(team(world, limit=2), uow=world.uow, deps=world.deps, actor=world.ks)
    rest = await views.team(
        team(world, after=first[-1].pegawai.pegawai_id), uow=world.uow, deps=world.deps, actor=world.ks
    )
    ids = [r.pegawai.pegawai_id for r in first + rest]
    assert len(first) == 2 and len(ids) == 4 and ids == sorted(ids)
