"""What BKN says, with a fake unit of work: SIASN's profile changes and e-Kinerja's SKP edits, each outcome."""

from __future__ import annotations

import uuid

import pytest

from planning.domain import events
from planning.domain.bkn import BknRhkRow
from planning.domain.skp import SkpStatus
from planning.usecases import from_bkn as uc
from services.planning.tests.unit.fakes import World

PK_01 = "Mengikuti pelatihan mandiri di Platform Merdeka Mengajar"


@pytest.fixture
def world() -> World:
    return World()


def changes(**values: str | None) -> tuple[tuple[str, str | None], ...]:
    return tuple(({"nama": None, "pangkat_golongan": None, "jenjang_jabatan": None} | values).items())


async def test_siasns_changes_are_applied_and_the_pegawai_republished(world: World) -> None:
    teacher = world.people["guru"]
    command = uc.ApplyBknPegawaiChanged(teacher.nip, changes(pangkat_golongan="III/c", nama=teacher.nama))
    assert await uc.apply_bkn_pegawai_changes([command], uow=world.uow) == []
    saved = world.uow.roster.pegawai_by_id[teacher.id]
    assert (saved.pangkat_golongan, saved.nama, saved.version) == ("III/c", teacher.nama, 2)
    (updated,) = world.uow.published_of(events.PegawaiChanged)
    assert (updated.changed, updated.version, updated.kode_wilayah) == (("pangkat_golongan",), 2, "3273")
    assert world.uow.committed


async def test_many_changes_at_once_each_republish_their_pegawai_for_the_message_they_came_in(world: World) -> None:
    guru, kepala = world.people["guru"], world.people["ks"]
    causes = [uuid.uuid4() for _ in range(4)]
    commands = [
        uc.ApplyBknPegawaiChanged(guru.nip, changes(pangkat_golongan="III/c"), cause=causes[0]),
        uc.ApplyBknPegawaiChanged("198501012010011099", changes(nama="Siapa"), cause=causes[1]),
        uc.ApplyBknPegawaiChanged(
            kepala.nip, changes(jenjang_jabatan="Ahli Madya", nama="Kepala Baru"), cause=causes[2]
        ),
        uc.ApplyBknPegawaiChanged(world.people["guru2"].nip, changes(nama=world.people["guru2"].nama), cause=causes[3]),
    ]
    assert await uc.apply_bkn_pegawai_changes(commands, uow=world.uow) == ["198501012010011099"]
    published = {e.nip: e for e in world.uow.published_of(events.PegawaiChanged)}
    assert set(published) == {guru.nip, kepala.nip}  # the unknown NIP and siti's no-change publish nothing
    assert published[guru.nip].changed == ("pangkat_golongan",)
    assert published[kepala.nip].changed == ("nama", "jenjang_jabatan")
    assert world.uow.roster.pegawai_by_id[kepala.id].nama == "Kepala Baru"
    assert world.uow.cause_of(published[guru.nip]) == causes[0]
    assert world.uow.cause_of(published[kepala.nip]) == causes[2]


async def test_two_changes_of_one_pegawai_are_not_applied_together(world: World) -> None:
    teacher = world.people["guru"]
    twice = [uc.ApplyBknPegawaiChanged(teacher.nip, changes(nama=n)) for n in ("Satu", "Dua")]
    with pytest.raises(ValueError, match="two changes of one pegawai"):
        await uc.apply_bkn_pegawai_changes(twice, uow=world.uow)
    assert world.uow.roster.pegawai_by_id[teacher.id].version == 1 and not world.uow.committed


async def test_what_siasn_already_agrees_with_changes_nothing(world: World) -> None:
    teacher = world.people["guru"]
    command = uc.ApplyBknPegawaiChanged(teacher.nip, changes(pangkat_golongan=teacher.pangkat_golongan))
    assert await uc.apply_bkn_pegawai_changes([command], uow=world.uow) == []
    assert world.uow.roster.pegawai_by_id[teacher.id].version == 1
    assert world.uow.published == []


async def test_a_pegawai_the_roster_does_not_know_is_answered_not_raised(world: World) -> None:
    command = uc.ApplyBknPegawaiChanged("198501012010011099", changes(nama="Siapa"))
    assert await uc.apply_bkn_pegawai_changes([command], uow=world.uow) == ["198501012010011099"]
    assert world.uow.published == [] and world.uow.committed  # as it is: the delivery is done


def row(nama: str, target: int = 4) -> BknRhkRow:
    return BknRhkRow(nama=nama, target_kuantitas=target, rhk_atasan="RHK atasan")


async def test_an_ekinerja_edit_of_a_draft_is_matched_by_name(world: World) -> None:
    skp = world.plan("guru")
    rows = (row(f"  {PK_01.upper()} "), row("Sesuatu yang tidak ada di katalog"), row(PK_01, target=99))
    command = uc.ApplyBknSkp(world.people["guru"].nip, "2024-S1", rows)
    assert await uc.apply_bkn_skp(command, uow=world.uow, deps=world.deps) == "applied"
    stored = world.stored(skp.id)
    assert [(i.kode, i.target_kuantitas, i.rhk_atasan, i.poin) for i in stored.pengembangan_kompetensi] == [
        ("PK-01", 4, "RHK atasan", 8)
    ]
    assert stored.tugas_tambahan == () and stored.version == 2
    assert world.uow.committed


@pytest.mark.parametrize(
    ("case", "outcome"),
    [
        ("no_period", "no_period"),
        ("unknown", "unknown_pegawai"),
        ("no_plan", "no_plan"),
        ("submitted", "not_editable_diajukan"),
        ("approved", "not_editable_disetujui"),
        ("unmatched", "nothing_matched"),
    ],
)
async def test_what_is_not_applied_is_said(world: World, case: str, outcome: str) -> None:
    nip = world.people["guru"].nip
    status = {"submitted": SkpStatus.DIAJUKAN, "approved": SkpStatus.DISETUJUI}.get(case, SkpStatus.DRAFT)
    skp = world.plan("guru", status=status) if case != "no_plan" else None
    command = uc.ApplyBknSkp(
        "198501012010011099" if case == "unknown" else nip,
        None if case == "no_period" else "2024-S1",
        (row("Tidak dikenal"),) if case == "unmatched" else (row(PK_01),),
    )
    assert await uc.apply_bkn_skp(command, uow=world.uow, deps=world.deps) == outcome
    if skp is not None:
        assert world.stored(skp.id).version == 1 and world.stored(skp.id).pengembangan_kompetensi == ()
    assert world.uow.published == [] and world.uow.committed  # as it is: the delivery is done
