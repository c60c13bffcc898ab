"""Who sees and does what with sync state: relation from the roster, role from the token."""

import uuid

import pytest

from bkn_sync.domain.access import Action, Actor, Relation, relation_to, require, require_operator_for
from pmm_kernel.errors import Forbidden, NotFound

PEGAWAI = uuid.uuid4()
NPSN, WILAYAH = "20217301", "3273"


def actor(*roles, pegawai_id=None, npsn=None, wilayah=None):
    return Actor("x", frozenset(roles), pegawai_id, npsn, wilayah)


@pytest.mark.parametrize(
    ("who", "relation"),
    [
        (actor("guru", pegawai_id=PEGAWAI, npsn=NPSN), Relation.OWNER),
        (actor("guru", pegawai_id=uuid.uuid4(), npsn=NPSN), Relation.NONE),  # a colleague
        (actor("guru", "kepala_sekolah", pegawai_id=uuid.uuid4(), npsn=NPSN), Relation.KEPALA_SEKOLAH),
        (actor("guru", "kepala_sekolah", pegawai_id=uuid.uuid4(), npsn="20217399"), Relation.NONE),  # another school
        (actor("operator", wilayah="3273"), Relation.OPERATOR),
        (actor("operator", wilayah="32"), Relation.OPERATOR),  # the province
        (actor("operator", wilayah=""), Relation.OPERATOR),  # national
        (actor("operator", wilayah="3274"), Relation.NONE),  # another kab/kota
        (actor("pengawas", pegawai_id=uuid.uuid4()), Relation.NONE),
    ],
)
def test_relation(who, relation):
    assert relation_to(who, pegawai_id=PEGAWAI, npsn=NPSN, kode_wilayah=WILAYAH) is relation


@pytest.mark.parametrize(
    ("relation", "action", "error"),
    [
        (Relation.OWNER, Action.VIEW, None),
        (Relation.KEPALA_SEKOLAH, Action.VIEW, None),
        (Relation.OPERATOR, Action.VIEW, None),
        (Relation.NONE, Action.VIEW, NotFound),
        (Relation.OWNER, Action.RETRY, Forbidden),
        (Relation.KEPALA_SEKOLAH, Action.DECIDE, Forbidden),
        (Relation.OPERATOR, Action.RETRY, None),
        (Relation.OPERATOR, Action.DECIDE, None),
        (Relation.OPERATOR, Action.RECONCILE, None),
        (Relation.NONE, Action.DECIDE, NotFound),
    ],
)
def test_require(relation, action, error):
    if error is None:
        require(relation, action)
    else:
        with pytest.raises(error):
            require(relation, action)


@pytest.mark.parametrize(
    ("who", "kode", "allowed"),
    [
        (actor("operator", wilayah="3273"), "3273", True),
        (actor("operator", wilayah="32"), "3273", True),
        (actor("operator", wilayah="3273"), "32", False),  # a wider region than one's own
        (actor("operator", wilayah="3274"), "3273", False),
        (actor("guru", "kepala_sekolah", pegawai_id=PEGAWAI), "3273", False),
    ],
)
def test_region_views_and_actions(who, kode, allowed):
    if allowed:
        require_operator_for(who, kode)
    else:
        with pytest.raises(Forbidden):
            require_operator_for(who, kode)
