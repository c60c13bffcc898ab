from __future__ import annotations

import re
from pathlib import Path

import pytest

from appraisal.domain import ReferenceFileError
from appraisal.domain.distribution import (
    DistributionWarning,
    PredikatOrganisasi,
    RuleKind,
    Warning,
    check,
    default_table,
    load_table,
)
from appraisal.domain.predikat import Predikat

TABLE = default_table()
PACKAGED = Path(__file__).parents[2] / "src/appraisal/domain/reference/distribution.toml"
SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)
IST, BAIK, BUTUH, KUR, SKUR = list(PredikatOrganisasi)


def counts(sb: int = 0, b: int = 0, bp: int = 0, k: int = 0, sk: int = 0) -> dict[Predikat, int]:
    return {SB: sb, B: b, BP: bp, K: k, SK: sk}


# The pattern of each predikat organisasi, as the data holds it: (kind, predikat, percent, assumption).
@pytest.mark.parametrize(
    ("organisasi", "rules"),
    [
        (IST, [("at_most", (SB,), 70, False), ("more_than", (SB,), 50, True)]),
        (BAIK, [("at_most", (B,), 70, False), ("more_than", (B,), 50, True), ("at_least_one", (BP, K), None, False)]),
        (BUTUH, [("at_least", (BP,), 60, False), ("at_most", (SB,), 10, False)]),
        (KUR, [("at_least", (K,), 60, False), ("at_least", (BP,), 10, False), ("at_most", (SB,), 10, False)]),
        (SKUR, [("at_least", (SK,), 60, False), ("at_least", (K, BP), 10, False), ("none", (SB,), None, False)]),
    ],
)
def test_patterns(organisasi: PredikatOrganisasi, rules: list[tuple]) -> None:
    pola = TABLE.pola[organisasi]
    assert [(r.kind.value, r.predikat, r.percent, r.assumption) for r in pola.rules] == rules
    assert pola.text
    # An assumption always says what it reads into the SE's words.
    assert all(bool(r.why) == r.assumption for r in pola.rules)


@pytest.mark.parametrize(
    ("organisasi", "given", "expected"),
    [
        # Istimewa: most, but at most 70 %, Sangat Baik.
        (IST, counts(sb=7, b=3), []),
        (IST, counts(sb=6, b=2, bp=1, k=1), []),
        (IST, counts(sb=8, b=2), ["distribusi.istimewa.at_most.sangat_baik"]),
        (IST, counts(sb=10), ["distribusi.istimewa.at_most.sangat_baik"]),
        (IST, counts(sb=5, b=5), ["distribusi.istimewa.more_than.sangat_baik"]),  # half is not most
        (IST, counts(sb=2, b=1), []),  # 66.7 %: exact shares, no rounding up to 70
        (IST, counts(sb=3), ["distribusi.istimewa.at_most.sangat_baik"]),
        # Baik: most, at most 70 %, Baik, and someone Butuh Perbaikan or Kurang.
        (BAIK, counts(sb=1, b=7, bp=1, k=1), []),
        (BAIK, counts(b=7, k=3), []),
        (BAIK, counts(b=2, bp=1), []),
        (
            BAIK,
            counts(sb=2, b=8),
            ["distribusi.baik.at_most.baik", "distribusi.baik.at_least_one.butuh_perbaikan+kurang"],
        ),
        (BAIK, counts(sb=3, b=6, sk=1), ["distribusi.baik.at_least_one.butuh_perbaikan+kurang"]),
        (BAIK, counts(sb=4, b=4, bp=2), ["distribusi.baik.more_than.baik"]),
        (BAIK, counts(b=1), ["distribusi.baik.at_most.baik", "distribusi.baik.at_least_one.butuh_perbaikan+kurang"]),
        # Butuh Perbaikan: at least 60 % Butuh Perbaikan, at most 10 % Sangat Baik.
        (BUTUH, counts(sb=1, b=3, bp=6), []),
        (BUTUH, counts(sb=2, b=2, bp=6), ["distribusi.butuh_perbaikan.at_most.sangat_baik"]),
        (BUTUH, counts(b=5, bp=5), ["distribusi.butuh_perbaikan.at_least.butuh_perbaikan"]),
        (
            BUTUH,
            counts(sb=5, b=5),
            ["distribusi.butuh_perbaikan.at_least.butuh_perbaikan", "distribusi.butuh_perbaikan.at_most.sangat_baik"],
        ),
        # Kurang: at least 60 % Kurang, at least 10 % Butuh Perbaikan, at most 10 % Sangat Baik.
        (KUR, counts(sb=1, bp=2, k=6, sk=1), []),
        (KUR, counts(bp=1, k=9), []),
        (KUR, counts(k=10), ["distribusi.kurang.at_least.butuh_perbaikan"]),
        (KUR, counts(sb=2, bp=2, k=6), ["distribusi.kurang.at_most.sangat_baik"]),
        (KUR, counts(b=5, bp=1, k=4), ["distribusi.kurang.at_least.kurang"]),
        # Sangat Kurang: at least 60 % Sangat Kurang, 10 % Kurang or Butuh Perbaikan, no Sangat Baik.
        (SKUR, counts(b=1, k=1, bp=1, sk=7), []),
        (SKUR, counts(bp=1, sk=9), []),
        (SKUR, counts(k=1, sk=9), []),
        (SKUR, counts(sk=10), ["distribusi.sangat_kurang.at_least.kurang+butuh_perbaikan"]),
        (SKUR, counts(sb=1, k=2, sk=7), ["distribusi.sangat_kurang.none.sangat_baik"]),
        (
            SKUR,
            counts(sb=1, b=2),
            [
                "distribusi.sangat_kurang.at_least.sangat_kurang",
                "distribusi.sangat_kurang.at_least.kurang+butuh_perbaikan",
                "distribusi.sangat_kurang.none.sangat_baik",
            ],
        ),
        # No pegawai appraised yet: nothing to compare.
        (BAIK, counts(), []),
        (IST, {}, []),
    ],
)
def test_check(organisasi: PredikatOrganisasi, given: dict[Predikat, int], expected: list[str]) -> None:
    warnings = check(organisasi, given)
    assert [w.rule for w in warnings] == expected
    for warning in warnings:
        assert warning.predikat_organisasi is organisasi
        assert warning.total == sum(given.values())
        assert warning.regulation == "SE MenPANRB 3/2023"


def test_a_warning_explains_itself() -> None:
    [warning] = check(BAIK, counts(sb=1, b=8, bp=1))
    assert isinstance(warning, DistributionWarning) and Warning is DistributionWarning
    assert (warning.predikat, warning.count, warning.total, warning.percent) == ((B,), 8, 10, 70)
    assert not warning.assumption
    assert warning.message == (
        "Predikat organisasi Baik: at most 70% of pegawai should be Baik; here 8 of 10 (80%) (SE MenPANRB 3/2023)."
    )


def test_an_assumed_rule_says_so() -> None:
    [warning] = check(IST, counts(sb=1, b=2))
    assert warning.assumption
    assert warning.message == (
        "Predikat organisasi Istimewa: more than 50% of pegawai should be Sangat Baik; here 1 of 3 (33.3%) "
        "(assumption: 'sebagian besar' (most) read as more than half; SE MenPANRB 3/2023)."
    )


@pytest.mark.parametrize(
    ("organisasi", "given", "fragment"),
    [
        (
            BAIK,
            counts(b=2, sb=1),
            "at least one pegawai should be Butuh Perbaikan or Kurang/Misconduct; here none of 3",
        ),
        (SKUR, counts(sb=1, k=1, sk=8), "no pegawai should be Sangat Baik; here 1 of 10 (10%)"),
        (KUR, counts(k=6, b=3, sb=1), "at least 10% of pegawai should be Butuh Perbaikan; here none of 10"),
    ],
)
def test_messages(organisasi: PredikatOrganisasi, given: dict[Predikat, int], fragment: str) -> None:
    assert fragment in " ".join(w.message for w in check(organisasi, given))


def test_values_and_labels_are_accepted() -> None:
    assert [w.rule for w in check("Baik", {"baik": 8, "Sangat Baik": 2})] == [
        "distribusi.baik.at_most.baik",
        "distribusi.baik.at_least_one.butuh_perbaikan+kurang",
    ]
    # The same predikat under two spellings is counted once, added up.
    assert [w.rule for w in check("istimewa", {"sangat_baik": 4, "Sangat Baik": 4, "baik": 2})] == [
        "distribusi.istimewa.at_most.sangat_baik"
    ]


@pytest.mark.parametrize(
    ("organisasi", "given", "rule"),
    [
        ("luar_biasa", counts(b=1), "distribusi.unknown_predikat_organisasi"),
        (None, counts(b=1), "distribusi.unknown_predikat_organisasi"),
        (BAIK, {"istimewa": 3}, "distribusi.invalid_counts"),
        (BAIK, {B: -1}, "distribusi.invalid_counts"),
        (BAIK, {B: 1.5}, "distribusi.invalid_counts"),
        (BAIK, {B: True}, "distribusi.invalid_counts"),
        (BAIK, {B: "3"}, "distribusi.invalid_counts"),
        (BAIK, [(B, 3)], "distribusi.invalid_counts"),
        (BAIK, None, "distribusi.invalid_counts"),
    ],
)
def test_bad_input_is_a_warning_not_an_error(organisasi: object, given: object, rule: str) -> None:
    [warning] = check(organisasi, given)  # type: ignore[arg-type]
    assert warning.rule == rule
    assert warning.message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('predikat_organisasi = "kurang"', 'predikat_organisasi = "baik"', "exactly one entry per predikat organisasi"),
        ('predikat_organisasi = "kurang"', 'predikat_organisasi = "cukup"', "unknown predikat_organisasi"),
        ('kind = "at_least_one"', 'kind = "some"', "unknown kind"),
        ("percent = 70", "percent = 170", "at_most needs a whole percent from 0 to 100"),
        ("percent = 70", "percent = 70.0", "at_most needs a whole percent from 0 to 100"),
        ("percent = 70", "", "at_most needs a whole percent"),
        (
            'kind = "none"\npredikat = ["sangat_baik"]',
            'kind = "none"\npredikat = ["sangat_baik"]\npercent = 0',
            "none takes no percent",
        ),
        (
            'predikat = ["butuh_perbaikan", "kurang"]',
            'predikat = ["butuh_perbaikan", "butuh_perbaikan"]',
            "non-empty list of distinct predikat",
        ),
        ('predikat = ["butuh_perbaikan", "kurang"]', 'predikat = ["cukup"]', "non-empty list of distinct predikat"),
        ("assumption = true\n", "", "why exactly when it is an assumption"),
        ("why = \"'sebagian besar' (most) read as more than half\"\n", "", "why exactly when it is an assumption"),
        ("percent = 70", "percent = 70\nnote = 1", "unknown keys in pola istimewa rule"),
    ],
)
def test_malformed_pattern_files_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = PACKAGED.read_text()
    assert old in text
    path = tmp_path / "distribution.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ReferenceFileError, match=re.escape(message)):
        load_table(path)


def test_a_pattern_file_can_be_swapped(tmp_path: Path) -> None:
    # The ministry removes our reading of "sebagian besar": the warning goes with it.
    text = PACKAGED.read_text()
    assumed = (
        '\n[[pola.rules]]\nkind = "more_than"\npredikat = ["sangat_baik"]\npercent = 50\nassumption = true\n'
        "why = \"'sebagian besar' (most) read as more than half\"\n"
    )
    assert assumed in text
    path = tmp_path / "distribution.toml"
    path.write_text(text.replace(assumed, ""))
    assert check(IST, counts(sb=1, b=2), table=load_table(path)) == []
    assert [w.rule for w in check(IST, counts(sb=1, b=2))] == ["distribusi.istimewa.more_than.sangat_baik"]


def test_rule_kinds_are_the_documented_five() -> None:
    assert [k.value for k in RuleKind] == ["at_most", "at_least", "more_than", "at_least_one", "none"]
