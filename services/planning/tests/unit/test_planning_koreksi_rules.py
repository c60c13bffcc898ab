"""The correction report's rules, row by row: what may be reported, its transitions, what a roster change covers,
and who may read or decide it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from planning.domain import events
from planning.domain.koreksi import (
    ATASAN,
    FIELDS,
    Action,
    ClosedBy,
    Koreksi,
    KoreksiStatus,
    changed_subjects,
    report_subject,
    require,
)
from pmm_kernel.access import Relation
from pmm_kernel.errors import Forbidden, InvalidValue, NotFound, StateConflict

AT = datetime(2024, 1, 15, 2, 0, tzinfo=UTC)


def reported(jenis: str = "data", field: str | None = "pangkat_golongan", **kw) -> Koreksi:
    values = {"nilai_benar": "III/c", "catatan": None, "npsn": "20200001", "kode_wilayah": "3273", "at": AT} | kw
    return Koreksi.report(pegawai_id=uuid.uuid4(), jenis=jenis, field_name=field, **values)


@pytest.mark.parametrize(
    ("jenis", "field", "subject", "rule"),
    [
        ("data", "pangkat_golongan", "pangkat_golongan", None),
        ("data", "nama", "nama", None),
        ("data", "email", "email", None),
        ("data", "npsn", "npsn", None),
        ("atasan", None, None, None),
        ("atasan", "atasan", None, None),
        ("data", "nip", None, "koreksi.field_unknown"),
        ("data", None, None, "koreksi.field_unknown"),
        ("data", "Pangkat_Golongan", None, "koreksi.field_unknown"),
        ("atasan", "nama", None, "koreksi.field_unexpected"),
        ("lainnya", None, None, "koreksi.jenis_unknown"),
    ],
)
def test_what_may_be_reported(jenis: str, field: str | None, subject: str | None, rule: str | None) -> None:
    if rule is None:
        assert report_subject(jenis, field)[1] == subject
        return
    with pytest.raises(InvalidValue) as refused:
        report_subject(jenis, field)
    assert refused.value.rule == rule
    assert refused.value.field in ("field", "jenis")


def test_the_fields_are_the_pegawai_imports_columns_but_the_nip() -> None:
    assert set(FIELDS) == {"nama", "pangkat_golongan", "jenjang_jabatan", "status", "jenis_gtk", "npsn", "email"}


@pytest.mark.parametrize(
    ("nilai", "catatan", "rule"),
    [
        ("III/c", None, None),
        ("  III/c  ", "  ", None),
        ("", None, "koreksi.nilai"),
        ("   ", None, "koreksi.nilai"),
        ("x" * 201, None, "nilai_benar.too_long"),
        ("III/c", "y" * 2001, "catatan.too_long"),
    ],
)
def test_what_is_right_is_required_and_bounded(nilai: str, catatan: str | None, rule: str | None) -> None:
    if rule is None:
        koreksi = reported(nilai_benar=nilai, catatan=catatan)
        assert (koreksi.nilai_benar, koreksi.catatan) == ("III/c", None)
        return
    with pytest.raises(InvalidValue) as refused:
        reported(nilai_benar=nilai, catatan=catatan)
    assert refused.value.rule == rule


def test_a_report_starts_open_and_says_so() -> None:
    koreksi = reported()
    assert (koreksi.status, koreksi.version, koreksi.subject, koreksi.is_open) == (
        KoreksiStatus.DILAPORKAN,
        1,
        "pangkat_golongan",
        True,
    )
    (event,) = koreksi.events
    assert isinstance(event, events.KoreksiReported)
    assert (event.jenis, event.field, event.koreksi.version, event.koreksi.npsn) == (
        "data",
        "pangkat_golongan",
        1,
        "20200001",
    )
    assert reported("atasan", None).subject == ATASAN


@pytest.mark.parametrize(
    ("close", "status", "closed_by"),
    [
        (lambda k: k.selesai(at=AT, by=ClosedBy.ROSTER), KoreksiStatus.SELESAI, ClosedBy.ROSTER),
        (lambda k: k.selesai(at=AT, by=ClosedBy.OPERATOR), KoreksiStatus.SELESAI, ClosedBy.OPERATOR),
        (lambda k: k.tolak(at=AT, alasan="  data sudah benar  "), KoreksiStatus.DITOLAK, ClosedBy.OPERATOR),
    ],
)
def test_a_report_closes_once(close, status: KoreksiStatus, closed_by: ClosedBy) -> None:
    koreksi = reported()
    close(koreksi)
    assert (koreksi.status, koreksi.closed_by, koreksi.closed_at, koreksi.version) == (status, closed_by, AT, 2)
    closed = koreksi.events[-1]
    assert isinstance(closed, events.KoreksiClosed)
    assert (closed.status, closed.koreksi.version) == (status.value, 2)
    for again in (lambda k: k.selesai(at=AT, by=ClosedBy.OPERATOR), lambda k: k.tolak(at=AT, alasan="lagi lagi")):
        with pytest.raises(StateConflict) as refused:
            again(koreksi)
        assert refused.value.rule == "koreksi.closed"
    assert koreksi.version == 2


@pytest.mark.parametrize(
    ("alasan", "rule"), [("", "koreksi.alasan_too_short"), ("  abcd ", "koreksi.alasan_too_short")]
)
def test_a_rejection_says_why(alasan: str, rule: str) -> None:
    koreksi = reported()
    with pytest.raises(InvalidValue) as refused:
        koreksi.tolak(at=AT, alasan=alasan)
    assert (refused.value.rule, refused.value.field) == (rule, "alasan")
    assert koreksi.is_open and koreksi.version == 1


def test_the_reason_is_kept_trimmed() -> None:
    koreksi = reported()
    koreksi.tolak(at=AT, alasan="  abcde ")
    assert koreksi.alasan == "abcde"


@pytest.mark.parametrize(
    ("jenis", "field", "changed", "new_atasan", "covered"),
    [
        ("data", "pangkat_golongan", ("pangkat_golongan",), False, True),
        ("data", "pangkat_golongan", ("nama", "pangkat_golongan"), False, True),
        ("data", "pangkat_golongan", ("nama",), False, False),
        ("data", "pangkat_golongan", (), True, False),
        ("data", "npsn", ("npsn",), False, True),
        ("atasan", None, (), True, True),
        ("atasan", None, ("nama",), False, False),
    ],
)
def test_what_a_roster_change_covers(jenis, field, changed, new_atasan, covered) -> None:
    koreksi = reported(jenis, field)
    assert koreksi.covered_by(changed_subjects(changed, new_atasan=new_atasan)) is covered


def test_a_closed_report_is_covered_by_nothing() -> None:
    koreksi = reported()
    koreksi.tolak(at=AT, alasan="bukan begitu")
    assert not koreksi.covered_by(("pangkat_golongan",))


@pytest.mark.parametrize(("on", "days"), [(date(2024, 1, 15), 0), (date(2024, 1, 16), 1), (date(2024, 2, 14), 30)])
def test_a_reports_age_in_whole_days(on: date, days: int) -> None:
    assert reported().age_days(on) == days


@pytest.mark.parametrize(
    ("relation", "action", "outcome"),
    [
        (Relation.OWNER, Action.READ, None),
        (Relation.OPERATOR, Action.READ, None),
        (Relation.ATASAN, Action.READ, None),
        (Relation.NONE, Action.READ, NotFound),
        (Relation.OWNER, Action.TOLAK, Forbidden),
        (Relation.OWNER, Action.SELESAI, Forbidden),
        (Relation.OPERATOR, Action.TOLAK, None),
        (Relation.OPERATOR, Action.SELESAI, None),
        (Relation.NONE, Action.TOLAK, NotFound),
    ],
)
def test_who_may_read_or_decide(relation: Relation, action: Action, outcome) -> None:
    if relation is Relation.ATASAN:
        # The atasan is no relation to a report: the use cases never give it (current_atasan_id=None).
        with pytest.raises(Forbidden):
            require(relation, action)
        return
    if outcome is None:
        require(relation, action)
        return
    with pytest.raises(outcome) as refused:
        require(relation, action)
    assert refused.value.rule in ("koreksi.not_found", f"koreksi.{action.value}_forbidden")
