"""Hypothesis against the parsers that read outside input: NIP, the roster CSV, the policy and reference files.

Whatever the input (NUL bytes, huge strings, numbers past any C type, odd unicode, bytes that are no encoding at
all), each parser answers with its own documented error (a domain `InvalidValue` naming the field and rule, row
errors, or the file-error type start-up reports), never with an exception nobody expects.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmm_kernel.errors import InvalidValue
from pmm_kernel.nip import AsnStatus, parse_nip

TODAY = date(2024, 6, 10)
PROPERTY = settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)

# Text the way hostile or broken input arrives: NUL and control characters, surrogate-free unicode from every
# plane, right-to-left marks, full-width digits, and very long runs.
ODD_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.text(alphabet="0123456789 .\u00a0\x00\u200f\uff10\u0660", max_size=40),
    st.integers(min_value=0, max_value=10**60).map(str),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(1000, 200_000)),
)


# --- NIP ---------------------------------------------------------------------------------------------------


@PROPERTY
@given(raw=ODD_TEXT, status=st.sampled_from(list(AsnStatus)))
def test_parse_nip_answers_a_nip_or_a_named_rule(raw, status):
    try:
        nip = parse_nip(raw, status, today=TODAY)
    except InvalidValue as exc:
        assert exc.rule.startswith("nip.") and exc.field == "nip"
        # The refusal never quotes the number (it travels into logs and problem bodies).
        digits = re.sub(r"\D", "", raw)
        if len(digits) >= 8:
            assert digits not in exc.detail
    else:
        assert len(nip.digits) == 18 and nip.digits.isascii() and nip.digits.isdigit()


@PROPERTY
@given(digits=st.text(alphabet="0123456789", min_size=18, max_size=18), status=st.sampled_from(list(AsnStatus)))
def test_parse_nip_on_18_digits_never_escapes_as_a_python_error(digits, status):
    # The digits pass the format rule, so the date, sex and sequence parts are what gets exercised.
    try:
        parse_nip(digits, status, today=TODAY)
    except InvalidValue as exc:
        assert exc.rule.startswith("nip.")


# --- roster CSV ------------------------------------------------------------------------------------------------

KINDS = ("sekolah", "pegawai", "relasi")


def _header(kind: str) -> str:
    from planning.domain.roster import COLUMNS

    required, optional = COLUMNS[kind]
    return ",".join(required + optional)


CELL = st.one_of(ODD_TEXT, st.sampled_from(['"', '""', '"a,b"', ";", "\r", "\n", "\x00", "=1+1", "-0", "9" * 400]))


@st.composite
def csv_bodies(draw: st.DrawFn) -> tuple[str, str | bytes]:
    kind = draw(st.sampled_from(KINDS))
    header = draw(st.one_of(st.just(_header(kind)), ODD_TEXT))
    rows = draw(st.lists(st.lists(CELL, max_size=12), max_size=8))
    delimiter = draw(st.sampled_from([",", ";"]))
    text = header + "\n" + "\n".join(delimiter.join(row) for row in rows)
    # Also as bytes: UTF-8 with a BOM, Windows-1252, or plain garbage.
    encoded = draw(
        st.one_of(
            st.just(text),
            st.just(b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")),
            st.just(text.encode("cp1252", "replace")),
            st.binary(max_size=500),
        )
    )
    return kind, encoded


@PROPERTY
@given(body=csv_bodies())
def test_roster_csv_parser_reports_rows_never_raises(body):
    from planning.domain.roster import RowError, parse_csv

    kind, text = body
    rows, errors = parse_csv(kind, text, today=TODAY)
    assert all(isinstance(e, RowError) and e.rule for e in errors)
    # A file with a data line gets rows or errors: nothing is silently dropped (blank lines are skipped).
    if isinstance(text, str) and any(re.sub(r"[,;\s]", "", line) for line in text.splitlines()[1:]):
        assert rows or errors


@PROPERTY
@given(kind=ODD_TEXT)
def test_roster_csv_parser_unknown_kind_is_a_named_rule(kind):
    from planning.domain.roster import parse_csv

    if kind in KINDS:
        return
    with pytest.raises(InvalidValue) as raised:
        parse_csv(kind, "a,b\n1,2", today=TODAY)
    assert raised.value.rule == "roster.kind"


# --- policy and reference files (TOML) -----------------------------------------------------------------------

# What a broken deployment or a careless edit puts in a value: huge and negative numbers, NUL and odd unicode,
# the wrong type, deep nesting, dates and floats where integers belong.
TOML_VALUES = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.sampled_from(
        ["99999999999999999999999", "-1", "0", "inf", "nan", "1e308", "true", "1979-05-27", "[]", "{}", "[[[[[[1]]]]]]"]
    ),
    st.sampled_from(['"\\u0000"', '"\\U0010FFFF"', '"\u202e"', '""', '"  "', '"{year}"', '"12-31"', '"+1:02-30"']),
    st.text(max_size=30).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(1, 3000)),
)
_ASSIGNMENT = re.compile(r"^(\s*[\w\"'.-]+\s*=\s*)(.+)$", re.MULTILINE)


@st.composite
def mutated_toml(draw: st.DrawFn, original: str) -> bytes:
    """The real file with a few of its values replaced, lines dropped or the bytes cut/corrupted."""
    text = original
    assignments = list(_ASSIGNMENT.finditer(text))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["value", "value", "drop", "cut", "bytes"]))
        if action == "value" and assignments:
            match = draw(st.sampled_from(assignments))
            text = text.replace(match.group(0), match.group(1) + draw(TOML_VALUES), 1)
        elif action == "drop":
            lines = text.splitlines()
            if lines:
                del lines[draw(st.integers(0, len(lines) - 1))]
            text = "\n".join(lines)
        elif action == "cut":
            text = text[: draw(st.integers(0, len(text)))]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.binary(min_size=1, max_size=8)) + data[position:]
    return data


POLICY_DIR = resources.files("planning.domain") / "reference" / "policy"
POLICY_2024 = (POLICY_DIR / "2024.toml").read_text(encoding="utf-8")


@PROPERTY
@given(content=mutated_toml(POLICY_2024))
def test_policy_file_is_loaded_or_refused_as_a_policy_file_error(content, tmp_path_factory):
    from planning.domain.policy import PolicyFileError, load_policies

    directory = tmp_path_factory.mktemp("policy")
    (directory / "2024.toml").write_bytes(content)
    try:
        load_policies(directory)
    except PolicyFileError:
        pass


CATALOG_DIR = resources.files("planning.domain") / "reference" / "catalog"


@PROPERTY
@given(
    name=st.sampled_from(["indikator", "rhk", "berakhlak"]),
    data=st.data(),
)
def test_catalogue_is_loaded_or_refused_as_a_catalogue_file_error(name, data, tmp_path_factory):
    from planning.domain.catalog import CatalogFileError, load_catalog

    directory = tmp_path_factory.mktemp("catalog")
    for other in ("indikator", "rhk", "berakhlak"):
        (directory / f"{other}.toml").write_bytes((CATALOG_DIR / f"{other}.toml").read_bytes())
    original = (CATALOG_DIR / f"{name}.toml").read_text(encoding="utf-8")
    (directory / f"{name}.toml").write_bytes(data.draw(mutated_toml(original)))
    try:
        load_catalog(directory)
    except CatalogFileError:
        pass


def _appraisal_loaders():
    from appraisal.domain import angka_kredit, distribution, evaluasi, predikat

    return {
        "angka_kredit": angka_kredit.load_table,
        "distribution": distribution.load_table,
        "evaluasi": evaluasi.load_rules,
        "predikat": predikat.load_matrix,
    }


@pytest.mark.parametrize("name", ["angka_kredit", "distribution", "evaluasi", "predikat"])
def test_appraisal_reference_file_is_loaded_or_refused_as_a_reference_file_error(name, tmp_path):
    from appraisal.domain import ReferenceFileError

    load = _appraisal_loaders()[name]
    original = (resources.files("appraisal.domain") / "reference" / f"{name}.toml").read_text(encoding="utf-8")
    path: Path = tmp_path / f"{name}.toml"

    @PROPERTY
    @given(content=mutated_toml(original))
    def check(content):
        path.write_bytes(content)
        try:
            load(path)
        except ReferenceFileError:
            pass

    check()


# --- the roster import over HTTP ------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.timeout(300)
@pytest.mark.parametrize("target", ["planning"], indirect=True)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")  # the app draws ids with `random`
def test_random_csv_bodies_over_http_are_answered_never_with_a_server_error(target):
    @settings(PROPERTY, max_examples=150)
    @given(body=csv_bodies())
    def check(body):
        kind, content = body
        response = target.client.post(
            f"/api/v1/roster/{kind}/csv", data=content, headers={**target.operator, "Content-Type": "text/csv"}
        )
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            problem = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert problem["errors"] and all(e["rule"] for e in problem["errors"])

    check()
