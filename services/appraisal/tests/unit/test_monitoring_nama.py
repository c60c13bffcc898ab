"""The monitoring by name's rules, row by row: each phase's state from what its events left, the BKN state over a
period's pushes, which cycle event moves the pelaksanaan, the filters, the caller's view, the deadlines with the
extension in force, and a province's name."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from appraisal.domain import monitoring
from pmm_kernel.access import Actor
from pmm_kernel.errors import Forbidden, InvalidValue
from pmm_kernel.windows import Extension, Window


@pytest.mark.parametrize(
    ("skp_status", "state"),
    [
        (None, "belum"),  # no plan at all
        ("DRAFT", "belum"),  # a reset plan is a draft again: belum diajukan
        ("DIAJUKAN", "diajukan"),
        ("DIKEMBALIKAN", "dikembalikan"),
        ("DISETUJUI", "disetujui"),
    ],
)
def test_perencanaan(skp_status: str | None, state: str) -> None:
    assert monitoring.PERENCANAAN[skp_status] == state


@pytest.mark.parametrize(
    ("langkah", "state"),
    [
        (None, "belum"),
        ("persiapan", "persiapan"),
        ("observasi", "observasi"),
        ("diskusi", "diskusi"),
        ("upaya", "upaya"),
        ("refleksi", "selesai"),
        ("selesai", "selesai"),
        ("ditutup", "ditutup"),
    ],
)
def test_pelaksanaan(langkah: str | None, state: str) -> None:
    assert monitoring.PELAKSANAAN[langkah] == state


@pytest.mark.parametrize(
    ("status", "state"),
    [(None, "belum"), ("MENUNGGU", "belum"), ("SIAP", "belum"), ("DINILAI", "dinilai"), ("FINAL", "final")],
)
def test_penilaian(status: str | None, state: str) -> None:
    assert monitoring.PENILAIAN[status] == state


@pytest.mark.parametrize(
    ("pushes", "state"),
    [
        ((), "belum"),
        (("SUKSES",), "terkirim"),
        (("SUKSES", "GAGAL"), "gagal"),  # one push waiting for someone is what the Dinas must see
        (("GAGAL",), "gagal"),
    ],
)
def test_bkn(pushes: tuple[str, ...], state: str) -> None:
    assert monitoring.bkn_state(pushes) == state


@pytest.mark.parametrize(
    ("held", "langkah", "version", "moves"),
    [
        (None, "persiapan", 1, True),
        (("persiapan", 3), "observasi", 4, True),
        (("diskusi", 5), "observasi", 4, False),  # late: an older version never goes back
        (("observasi", 4), "observasi", 4, False),  # redelivered
        (("observasi", 4), "diskusi", 4, True),  # one version, two events: the step further along
        (("selesai", 12), "persiapan", 13, True),  # a reset plan's new cycle starts again
        (("ditutup", 9), "persiapan", 8, False),
    ],
)
def test_which_cycle_event_moves_the_pelaksanaan(
    held: tuple[str, int] | None, langkah: str, version: int, moves: bool
) -> None:
    assert monitoring.newer_langkah(held, langkah, version) is moves


# docs/domain.md §6: the monitoring shows the latest part of a period a transfer split.
@pytest.mark.parametrize(
    ("held", "held_bagian", "langkah", "version", "bagian", "moves"),
    [
        (("selesai", 12), 1, "persiapan", 1, 2, True),  # part 2's new cycle, its versions from 1 again
        (("persiapan", 1), 2, "refleksi", 14, 1, False),  # a late event of part 1's cycle
        (("persiapan", 3), 2, "observasi", 4, 2, True),  # within a part, as before
        (("diskusi", 5), 2, "observasi", 4, 2, False),
    ],
)
def test_a_later_part_moves_the_pelaksanaan(held, held_bagian, langkah, version, bagian, moves) -> None:
    assert monitoring.newer_langkah(held, langkah, version, bagian=bagian, held_bagian=held_bagian) is moves


@pytest.mark.parametrize(
    ("fase", "status", "rule"),
    [
        (None, None, None),
        ("perencanaan", None, None),
        ("perencanaan", "dikembalikan", None),
        ("bkn", "gagal", None),
        ("koreksi", "terbuka", None),
        (None, "final", "monitoring.status_without_fase"),
        ("kehadiran", None, "monitoring.fase"),
        ("penilaian", "disetujui", "monitoring.status"),
    ],
)
def test_filters(fase: str | None, status: str | None, rule: str | None) -> None:
    if rule is None:
        monitoring.require_filter(fase, status)
    else:
        with pytest.raises(InvalidValue) as caught:
            monitoring.require_filter(fase, status)
        assert caught.value.rule == rule


def actor(*roles: str, wilayah: str | None = None, in_roster: bool = True) -> Actor:
    return Actor(subject="x", roles=frozenset(roles), pegawai_id=uuid.uuid4() if in_roster else None, wilayah=wilayah)


@pytest.mark.parametrize(
    ("who", "peran"),
    [
        (actor("operator", wilayah="32", in_roster=False), "operator"),
        (actor("operator", wilayah="", in_roster=False), "operator"),  # a national operator
        (actor("guru", "pengawas"), "pengawas"),
        (actor("guru", "kepala_sekolah"), "kepala_sekolah"),
        (actor("guru"), None),
        (actor("operator", in_roster=False), None),  # an operator's token without a region
        (actor("kepala_sekolah", in_roster=False), None),
    ],
)
def test_who_monitors_by_name(who: Actor, peran: str | None) -> None:
    if peran is None:
        with pytest.raises(Forbidden):
            monitoring.peran_pemantau(who)
    else:
        assert monitoring.peran_pemantau(who) == peran


@pytest.mark.parametrize(
    ("scope", "wanted", "narrowed"),
    [
        ("32", None, "32"),
        ("32", "3273", "3273"),
        ("3273", "32", "3273"),
        ("32", "35", None),
        ("", "35", "35"),
        (None, "3273", "3273"),
        ("", None, None),
    ],
)
def test_region_filter_inside_the_callers(scope: str | None, wanted: str | None, narrowed: str | None) -> None:
    assert monitoring.narrow_wilayah(scope, wanted) == narrowed


def test_a_school_is_in_view_by_npsn_and_region() -> None:
    ks = monitoring.CakupanNama(npsn=frozenset({"20217301"}))
    assert ks.admits("20217301", "3273") and not ks.admits("20217302", "3273")
    operator = monitoring.CakupanNama(wilayah="32")
    assert operator.admits("x", "3273") and not operator.admits("x", "3501")


def test_deadlines_with_the_extension_in_force_where_the_rows_are() -> None:
    windows = [
        Window("perencanaan_guru", date(2024, 1, 1), date(2024, 1, 31), date(2024, 3, 31)),
        Window("pelaksanaan", date(2024, 2, 1), date(2024, 5, 30)),
    ]
    extensions = [
        Extension("pelaksanaan", date(2024, 6, 15), "3273", "banjir"),
        Extension("perencanaan_guru", date(2024, 3, 1), None, "shorter than late entry"),
    ]
    bandung = {b.step: b for b in monitoring.batas_waktu(windows, extensions, "3273")}
    assert bandung["pelaksanaan"].berlaku_sampai == date(2024, 6, 15)
    assert (bandung["pelaksanaan"].diperpanjang, bandung["pelaksanaan"].alasan_perpanjangan) == (True, "banjir")
    # An extension never shortens a window: late entry until 31 March holds.
    assert bandung["perencanaan_guru"].berlaku_sampai == date(2024, 3, 31)
    assert (bandung["perencanaan_guru"].diperpanjang, bandung["perencanaan_guru"].alasan_perpanjangan) == (False, None)
    elsewhere = {b.step: b for b in monitoring.batas_waktu(windows, extensions, "3501")}
    pelaksanaan = elsewhere["pelaksanaan"]
    assert (pelaksanaan.berlaku_sampai, pelaksanaan.diperpanjang) == (date(2024, 5, 30), False)
    # The whole country: only extensions for everyone count.
    assert monitoring.batas_waktu(windows, extensions, "")[1].berlaku_sampai == date(2024, 5, 30)


@pytest.mark.parametrize(
    ("kode", "nama"), [("32", "Jawa Barat"), ("35", "Jawa Timur"), ("96", "Papua Barat Daya"), ("00", "00")]
)
def test_province_names(kode: str, nama: str) -> None:
    assert monitoring.nama_provinsi(kode) == nama
