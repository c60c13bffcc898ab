"""The warnings beside the finalise button, in Indonesian, from what the appraisal service answered: the school's
distribution with this penilaian's predikat against the predikat organisasi, and a step of the procedure not done."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.catalogue import Catalogue
from portal.pages.organisasi import _share, peringatan_finalisasi

PORTAL = SimpleNamespace(t=Catalogue.load())


def _warning(kind: str, predikat: list[str], count: int, total: int, percent: int | None, organisasi: str = "baik"):
    return {
        "rule": f"distribusi.{organisasi}.{kind}.{'+'.join(predikat)}",
        "message": "...",
        "assumption": False,
        "predikat_organisasi": organisasi,
        "predikat": predikat,
        "count": count,
        "total": total,
        "percent": percent,
    }


def _p(calon: str, warnings=(), urutan=(), tahun=2025) -> dict:
    return {"peringatan_distribusi": {"predikat": calon, "tahun": tahun, "warnings": list(warnings),
                                      "urutan": list(urutan)}}  # fmt: skip


@pytest.mark.parametrize(
    ("calon", "warning", "expected"),
    [
        (
            "sangat_baik",
            _warning("at_most", ["sangat_baik"], 4, 5, 70, "istimewa"),
            "Jika dinilai Sangat Baik, 4 dari 5 guru Sangat Baik (80 %) — melebihi batas 70 % untuk predikat "
            "organisasi Istimewa.",
        ),
        (
            "baik",
            _warning("at_most", ["baik"], 4, 5, 70),
            "Jika dinilai Baik, 4 dari 5 guru Baik (80 %) — melebihi batas 70 % untuk predikat organisasi Baik.",
        ),
        (
            "baik",
            _warning("at_least_one", ["butuh_perbaikan", "kurang"], 0, 3, None),
            "Jika dinilai Baik, tidak ada guru Butuh Perbaikan atau Kurang/Misconduct — predikat organisasi Baik "
            "mengharuskan ada.",
        ),
        (
            "kurang",
            _warning("at_least", ["kurang"], 2, 3, 60, "kurang"),
            "Jika dinilai Kurang/Misconduct, 2 dari 3 guru Kurang/Misconduct (66,7 %) — kurang dari minimal 60 % "
            "untuk predikat organisasi Kurang.",
        ),
    ],
)
def test_the_distribution_warning_in_the_atasans_words(calon: str, warning: dict, expected: str) -> None:
    assert peringatan_finalisasi(PORTAL, _p(calon, [warning])) == [expected]  # type: ignore[arg-type]


def test_no_predikat_organisasi_yet_comes_first() -> None:
    urutan = {"rule": "organisasi.predikat_belum_ditetapkan", "message": "...", "langkah": "predikat_organisasi"}
    [line] = peringatan_finalisasi(PORTAL, _p("baik", urutan=[urutan]))  # type: ignore[arg-type]
    assert line.startswith("Dinas belum menetapkan predikat kinerja organisasi sekolah ini untuk tahun 2025")


def test_nothing_to_say_without_the_services_answer() -> None:
    assert peringatan_finalisasi(PORTAL, {}) == []  # type: ignore[arg-type]
    assert peringatan_finalisasi(PORTAL, _p("baik")) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(("count", "total", "shown"), [(4, 5, "80"), (2, 3, "66,7"), (1, 3, "33,3"), (0, 0, "0")])
def test_shares_are_written_with_a_decimal_comma(count: int, total: int, shown: str) -> None:
    assert _share(count, total) == shown
