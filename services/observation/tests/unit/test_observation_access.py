"""Who may do what with a pelaksanaan: the relation from the roster, the action from the access table."""

from __future__ import annotations

import uuid

import pytest

from observation.domain.access import (
    ALLOWED,
    KONFIRMASI_BUKTI,
    READ,
    UNGGAH_BUKTI,
    Actor,
    Relation,
    relation_to,
    require_allowed,
    require_atasan,
    require_uploader,
)
from observation.domain.pelaksanaan import Aksi
from observation.domain.unggahan import Unggahan
from pmm_kernel.errors import Forbidden, NotFound

OWNER, ATASAN, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def actor(pegawai_id=None, *roles: str, wilayah: str | None = None) -> Actor:
    return Actor(subject="s", roles=frozenset(roles), pegawai_id=pegawai_id, wilayah=wilayah)


@pytest.mark.parametrize(
    ("who", "relation"),
    [
        (actor(OWNER, "guru"), Relation.OWNER),
        (actor(OWNER, "guru", "kepala_sekolah"), Relation.OWNER),  # a KS's own cycle
        (actor(ATASAN, "guru", "kepala_sekolah"), Relation.ATASAN),
        (actor(ATASAN, "guru", "pengawas"), Relation.ATASAN),
        (actor(ATASAN, "guru"), Relation.NONE),  # the relation without an atasan role is not enough
        (actor(OTHER, "guru", "kepala_sekolah"), Relation.NONE),  # another school's KS
        (actor(None, "operator", wilayah="3273"), Relation.OPERATOR),
        (actor(None, "operator", wilayah="32"), Relation.OPERATOR),
        (actor(None, "operator", wilayah=""), Relation.OPERATOR),  # national
        (actor(None, "operator", wilayah="3201"), Relation.NONE),
        (actor(None, "guru"), Relation.NONE),  # not in the roster
    ],
)
def test_relation_comes_from_the_roster(who: Actor, relation: Relation):
    assert relation_to(who, owner_id=OWNER, current_atasan_id=ATASAN, kode_wilayah="3273") is relation


# The access table as docs/domain.md §5 reads it.
EXPECTED = {
    READ: {Relation.OWNER, Relation.ATASAN, Relation.OPERATOR},
    Aksi.SUSUN_PERSIAPAN: {Relation.OWNER},
    Aksi.SETUJUI_JADWAL: {Relation.ATASAN},
    Aksi.USULKAN_JADWAL_LAIN: {Relation.ATASAN},
    Aksi.TERIMA_JADWAL: {Relation.OWNER},
    Aksi.CATAT_OBSERVASI: {Relation.ATASAN},
    Aksi.CATAT_DISKUSI_ATASAN: {Relation.ATASAN},
    Aksi.CATAT_DISKUSI_GURU: {Relation.OWNER},
    Aksi.CATAT_UPAYA: {Relation.OWNER},
    Aksi.CATAT_REFLEKSI: {Relation.OWNER},
    UNGGAH_BUKTI: {Relation.OWNER},
    KONFIRMASI_BUKTI: {Relation.ATASAN},
}


def test_the_table_is_exactly_the_expected_one():
    assert {k: set(v) for k, v in ALLOWED.items()} == EXPECTED


@pytest.mark.parametrize("action", list(EXPECTED), ids=str)
@pytest.mark.parametrize("relation", list(Relation), ids=str)
def test_every_action_for_every_relation(action, relation: Relation):
    if relation is Relation.NONE:
        with pytest.raises(NotFound):
            require_allowed(relation, action)
    elif relation in EXPECTED[action]:
        require_allowed(relation, action)
    else:
        with pytest.raises(Forbidden) as refused:
            require_allowed(relation, action)
        name = action.value if isinstance(action, Aksi) else action
        assert refused.value.rule == f"pelaksanaan.{name}_forbidden"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (actor(ATASAN, "guru", "kepala_sekolah"), True),
        (actor(ATASAN, "pengawas"), True),
        (actor(OWNER, "guru"), False),  # no atasan role
        (actor(None, "kepala_sekolah"), False),  # the role, but not in the roster
        (actor(None, "operator", wilayah="32"), False),
    ],
)
def test_only_a_kepala_sekolah_or_pengawas_in_the_roster_has_a_team(who: Actor, allowed: bool):
    if allowed:
        assert require_atasan(who) == who.pegawai_id
    else:
        with pytest.raises(Forbidden) as refused:
            require_atasan(who)
        assert refused.value.rule == "role.atasan_required"


def _upload(uploader: uuid.UUID) -> Unggahan:
    return Unggahan(uuid.uuid4(), uuid.uuid4(), uploader, "modul_ajar", "m.pdf", None, length=10)


@pytest.mark.parametrize(
    ("who", "upload", "allowed"),
    [
        (actor(OWNER, "guru"), _upload(OWNER), True),
        (actor(ATASAN, "guru", "kepala_sekolah"), _upload(OWNER), False),  # not even the atasan
        (actor(None, "operator", wilayah=""), _upload(OWNER), False),
        (actor(OWNER, "guru"), None, False),
    ],
)
def test_an_upload_in_progress_is_its_uploaders_alone(who: Actor, upload: Unggahan | None, allowed: bool):
    if allowed:
        assert require_uploader(who, upload) is upload
    else:
        with pytest.raises(NotFound) as refused:
            require_uploader(who, upload)
        assert refused.value.rule == "unggahan.not_found"
