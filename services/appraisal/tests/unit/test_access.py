"""Who may do what with a penilaian and a school: the access tables, row by row."""

from __future__ import annotations

import uuid

import pytest

from appraisal.domain.access import (
    ALLOWED,
    KIRIM_LAPORAN,
    LIHAT,
    LIHAT_DISTRIBUSI,
    PERINGATAN_DISTRIBUSI,
    TETAPKAN_PREDIKAT_ORGANISASI,
    UNDUH,
    Actor,
    Relation,
    SchoolRelation,
    relation_to,
    require_allowed,
    require_school,
    school_relation,
)
from appraisal.domain.penilaian import Aksi
from pmm_kernel.errors import Forbidden, NotFound

OWNER_ID, ATASAN_ID, OTHER_ID = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
OWNER, ATASAN, OPERATOR, NONE = Relation.OWNER, Relation.ATASAN, Relation.OPERATOR, Relation.NONE


def actor(pegawai_id=None, *roles: str, wilayah: str | None = None) -> Actor:
    return Actor(subject="x", roles=frozenset(roles), pegawai_id=pegawai_id, wilayah=wilayah)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (actor(OWNER_ID, "guru"), OWNER),
        (actor(ATASAN_ID, "guru", "kepala_sekolah"), ATASAN),
        (actor(ATASAN_ID, "guru", "pengawas"), ATASAN),
        (actor(ATASAN_ID, "guru"), NONE),  # the relation without the role: a teacher acting as nobody's atasan
        (actor(OTHER_ID, "guru", "kepala_sekolah"), NONE),  # a KS who does not appraise this pegawai
        (actor(None, "operator", wilayah="3273"), OPERATOR),
        (actor(None, "operator", wilayah="32"), OPERATOR),
        (actor(None, "operator", wilayah=""), OPERATOR),  # national
        (actor(None, "operator", wilayah="3204"), NONE),  # another kabupaten
        (actor(None, "operator"), NONE),  # an operator token without a region grants nothing
    ],
)
def test_relation(who: Actor, expected: Relation) -> None:
    assert relation_to(who, owner_id=OWNER_ID, current_atasan_id=ATASAN_ID, kode_wilayah="3273") is expected


# relation x action: allowed, 403 or 404.
@pytest.mark.parametrize(
    ("action", "owner", "atasan", "operator"),
    [
        (LIHAT, True, True, True),
        (UNDUH, True, True, False),
        (Aksi.NILAI, False, True, False),
        (Aksi.FINALISASI, False, True, False),
        (Aksi.BUKA_KEMBALI, False, False, True),
        (Aksi.HANYA_PERILAKU, False, False, True),
        (PERINGATAN_DISTRIBUSI, False, True, True),
    ],
)
def test_access_table(action, owner: bool, atasan: bool, operator: bool) -> None:
    assert ALLOWED[action] == {r for r, ok in ((OWNER, owner), (ATASAN, atasan), (OPERATOR, operator)) if ok}
    for relation, ok in ((OWNER, owner), (ATASAN, atasan), (OPERATOR, operator)):
        if ok:
            require_allowed(relation, action)
        else:
            with pytest.raises(Forbidden) as refused:
                require_allowed(relation, action)
            assert refused.value.extra == {"relation": relation.value}
    with pytest.raises(NotFound) as hidden:
        require_allowed(NONE, action)  # someone else's record does not exist for them
    assert hidden.value.rule == "penilaian.not_found"


def test_every_action_is_in_the_table() -> None:
    assert set(ALLOWED) == {
        LIHAT,
        UNDUH,
        Aksi.NILAI,
        Aksi.FINALISASI,
        Aksi.BUKA_KEMBALI,
        Aksi.HANYA_PERILAKU,
        PERINGATAN_DISTRIBUSI,
    }


@pytest.mark.parametrize(
    ("who", "heads", "expected"),
    [
        (actor(ATASAN_ID, "guru", "kepala_sekolah"), {"20217301"}, SchoolRelation.KEPALA_SEKOLAH),
        (actor(ATASAN_ID, "guru", "kepala_sekolah"), {"20217302"}, SchoolRelation.NONE),  # another school's KS
        # the KS of another school acting as Plt. here too, or a pengawas acting as Plt. (signed in as KS)
        (actor(ATASAN_ID, "guru", "kepala_sekolah"), {"20217302", "20217301"}, SchoolRelation.KEPALA_SEKOLAH),
        (actor(ATASAN_ID, "guru", "pengawas", "kepala_sekolah"), {"20217301"}, SchoolRelation.KEPALA_SEKOLAH),
        (actor(OWNER_ID, "guru"), {"20217301"}, SchoolRelation.NONE),  # a teacher of the school
        (actor(None, "operator", wilayah="3273"), set(), SchoolRelation.OPERATOR),
        (actor(None, "operator", wilayah="35"), set(), SchoolRelation.NONE),
    ],
)
def test_school_relation(who: Actor, heads: set[str], expected: SchoolRelation) -> None:
    assert school_relation(who, heads=frozenset(heads), npsn="20217301", kode_wilayah="3273") is expected


@pytest.mark.parametrize(
    ("action", "kepala_sekolah", "operator"),
    [(LIHAT_DISTRIBUSI, True, True), (TETAPKAN_PREDIKAT_ORGANISASI, False, True), (KIRIM_LAPORAN, True, False)],
)
def test_school_access_table(action: str, kepala_sekolah: bool, operator: bool) -> None:
    for relation, ok in ((SchoolRelation.KEPALA_SEKOLAH, kepala_sekolah), (SchoolRelation.OPERATOR, operator)):
        if ok:
            require_school(relation, action)
        else:
            with pytest.raises(Forbidden):
                require_school(relation, action)
    with pytest.raises(NotFound):
        require_school(SchoolRelation.NONE, action)
