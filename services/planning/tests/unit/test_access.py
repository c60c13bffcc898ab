"""Who may see and do what with a plan (planning.domain.access): relations from the roster, rights per action."""

from __future__ import annotations

import uuid

import pytest

from planning.domain.access import (
    ALLOWED,
    Actor,
    Relation,
    relation_to,
    require_allowed,
    require_operator,
    require_visible,
)
from planning.domain.skp import Action
from pmm_kernel.errors import Forbidden, NotFound

OWNER = uuid.UUID("00000000-0000-0000-0000-00000000000a")
KS = uuid.UUID("00000000-0000-0000-0000-00000000000b")
PEER = uuid.UUID("00000000-0000-0000-0000-00000000000c")
SCHOOL_WILAYAH = "3273"  # the owner's school is in Kota Bandung


def person(pegawai_id: uuid.UUID | None, *roles: str, wilayah: str | None = None) -> Actor:
    return Actor(subject=f"s-{pegawai_id}", roles=frozenset(roles), pegawai_id=pegawai_id, wilayah=wilayah)


@pytest.mark.parametrize(
    ("actor", "atasan_id", "expected"),
    [
        pytest.param(person(OWNER, "guru"), KS, Relation.OWNER, id="owner"),
        # A KS who is also the owner (their own plan) is the owner, not their own atasan.
        pytest.param(person(OWNER, "guru", "kepala_sekolah"), OWNER, Relation.OWNER, id="owner-who-is-ks"),
        pytest.param(person(KS, "guru", "kepala_sekolah"), KS, Relation.ATASAN, id="current-ks"),
        pytest.param(person(KS, "kepala_sekolah"), KS, Relation.ATASAN, id="current-ks-role-only"),
        pytest.param(person(KS, "pengawas"), KS, Relation.ATASAN, id="current-pengawas"),
        # The roster says KS, but the token carries no atasan role: no relation at all.
        pytest.param(person(KS, "guru"), KS, Relation.NONE, id="current-atasan-without-atasan-role"),
        pytest.param(person(KS, "guru", "kepala_sekolah"), PEER, Relation.NONE, id="former-or-other-ks"),
        pytest.param(person(KS, "guru", "kepala_sekolah"), None, Relation.NONE, id="ks-when-nobody-is-atasan"),
        pytest.param(person(None, "kepala_sekolah"), None, Relation.NONE, id="atasan-role-not-in-roster"),
        pytest.param(person(None, "operator", wilayah="3273"), KS, Relation.OPERATOR, id="operator-kab-kota"),
        pytest.param(person(None, "operator", wilayah="32"), KS, Relation.OPERATOR, id="operator-province"),
        pytest.param(person(None, "operator", wilayah=""), KS, Relation.OPERATOR, id="operator-national"),
        pytest.param(person(None, "operator", wilayah="3204"), KS, Relation.NONE, id="operator-other-region"),
        pytest.param(person(None, "operator", wilayah="31"), KS, Relation.NONE, id="operator-other-province"),
        pytest.param(person(None, "operator", wilayah="327"), KS, Relation.OPERATOR, id="operator-prefix-327"),
        # An operator claim without a wilayah grants nothing (missing is not national).
        pytest.param(person(None, "operator", wilayah=None), KS, Relation.NONE, id="operator-without-wilayah"),
        pytest.param(person(None, "guru", wilayah="3273"), KS, Relation.NONE, id="wilayah-without-operator-role"),
        pytest.param(person(PEER, "guru"), KS, Relation.NONE, id="stranger-same-school"),
        pytest.param(person(None, "guru"), KS, Relation.NONE, id="stranger-not-in-roster"),
    ],
)
def test_relation_to(actor: Actor, atasan_id: uuid.UUID | None, expected: Relation) -> None:
    assert relation_to(actor, owner_id=OWNER, current_atasan_id=atasan_id, kode_wilayah=SCHOOL_WILAYAH) is expected


def test_owner_outranks_operator_and_atasan() -> None:
    # A Plt. KS who is also an operator of the region still acts on their own plan as its owner.
    actor = person(OWNER, "guru", "kepala_sekolah", "operator", wilayah="3273")
    assert relation_to(actor, owner_id=OWNER, current_atasan_id=OWNER, kode_wilayah="3273") is Relation.OWNER


def test_atasan_who_is_also_operator_of_the_region_acts_as_atasan() -> None:
    actor = person(KS, "kepala_sekolah", "operator", wilayah="3273")
    assert relation_to(actor, owner_id=OWNER, current_atasan_id=KS, kode_wilayah="3273") is Relation.ATASAN


# Every Action x Relation, written out: the expected answer is the table a reader can check against docs/domain.md §4.
EXPECTED: dict[tuple[Action, Relation], str] = {
    (Action.EDIT, Relation.OWNER): "ok",
    (Action.EDIT, Relation.ATASAN): "403",
    (Action.EDIT, Relation.OPERATOR): "403",
    (Action.SUBMIT, Relation.OWNER): "ok",
    (Action.SUBMIT, Relation.ATASAN): "403",
    (Action.SUBMIT, Relation.OPERATOR): "403",
    (Action.APPROVE, Relation.OWNER): "403",
    (Action.APPROVE, Relation.ATASAN): "ok",
    (Action.APPROVE, Relation.OPERATOR): "403",
    (Action.RETURN, Relation.OWNER): "403",
    (Action.RETURN, Relation.ATASAN): "ok",
    (Action.RETURN, Relation.OPERATOR): "403",
    (Action.SET_EKSPEKTASI, Relation.OWNER): "403",
    (Action.SET_EKSPEKTASI, Relation.ATASAN): "ok",
    (Action.SET_EKSPEKTASI, Relation.OPERATOR): "403",
    (Action.RESET, Relation.OWNER): "403",
    (Action.RESET, Relation.ATASAN): "403",
    (Action.RESET, Relation.OPERATOR): "ok",
} | {(action, Relation.NONE): "404" for action in Action}


def test_the_expectations_cover_every_pair_and_match_allowed() -> None:
    assert set(EXPECTED) == {(a, r) for a in Action for r in Relation}
    assert set(ALLOWED) == set(Action)
    assert {(a, r) for (a, r), answer in EXPECTED.items() if answer == "ok"} == {
        (a, r) for a, relations in ALLOWED.items() for r in relations
    }


@pytest.mark.parametrize(("action", "relation"), list(EXPECTED), ids=[f"{a.value}-{r.value}" for a, r in EXPECTED])
def test_require_allowed(action: Action, relation: Relation) -> None:
    expected = EXPECTED[(action, relation)]
    if expected == "ok":
        require_allowed(relation, action)
        return
    error = NotFound if expected == "404" else Forbidden
    with pytest.raises(error) as refused:
        require_allowed(relation, action)
    assert type(refused.value) is error
    if expected == "404":
        # The same answer as for a plan that does not exist: a stranger learns nothing.
        assert refused.value.rule == "plan.not_found"
    else:
        assert refused.value.rule == f"skp.{action.value}_forbidden"
        assert refused.value.extra == {"relation": relation.value}


@pytest.mark.parametrize("relation", [r for r in Relation if r is not Relation.NONE])
def test_every_relation_but_none_may_read(relation: Relation) -> None:
    require_visible(relation)


def test_none_may_not_read() -> None:
    with pytest.raises(NotFound) as refused:
        require_visible(Relation.NONE)
    assert refused.value.rule == "plan.not_found"


@pytest.mark.parametrize(
    ("actor", "scope"),
    [
        (person(None, "operator", wilayah=""), ""),
        (person(None, "operator", wilayah="3273"), "3273"),
        (person(None, "operator"), None),  # an operator token without a region manages nothing
        (person(KS, "guru", "kepala_sekolah"), None),
        (person(None, "guru", wilayah="3273"), None),
    ],
)
def test_require_operator(actor: Actor, scope: str | None) -> None:
    if scope is None:
        with pytest.raises(Forbidden) as refused:
            require_operator(actor)
        assert refused.value.rule == "role.operator_required"
    else:
        assert require_operator(actor) == scope
