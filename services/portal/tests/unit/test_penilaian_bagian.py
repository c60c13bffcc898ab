"""The penilaian page of a period a transfer split into parts: each part with its school, days, months, predikat
and angka kredit, and the period's combined result, in the words the appraisal service's figures call for."""

from __future__ import annotations

import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from portal import formatting
from portal.bootstrap import TEMPLATES
from portal.catalogue import Catalogue


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined)
    env.globals.update(t=Catalogue.load())
    env.filters.update(formatting.FILTERS)
    return env


def _part(bagian: int, **values) -> dict:
    return {
        "bagian": bagian,
        "penilaian_id": f"00000000-0000-0000-0000-00000000000{bagian}",
        "status": "FINAL",
        "npsn": f"2021730{bagian}",
        "nama_sekolah": f"SD Negeri {bagian}",
        "mulai": None,
        "selesai": None,
        "dinilai": True,
        "bulan": None,
        "bulan_mulai": None,
        "bulan_selesai": None,
        "predikat": None,
        "predikat_label": None,
        "angka_kredit": None,
        "final": True,
        **values,
    }


def test_each_part_and_the_period_result_are_shown():
    pb = {
        "bagian": [
            _part(1, mulai="2025-01-01", selesai="2025-04-14", bulan=4, predikat="baik", angka_kredit="4.17"),
            _part(2, mulai="2025-04-15", bulan=8, predikat="sangat_baik", angka_kredit="12.50", final=False),
        ],
        "hasil": {"bulan": 12, "angka_kredit": "16.67", "predikat": "sangat_baik", "lengkap": False},
    }
    html = _env().get_template("penilaian/_bagian.html").render(pb=pb)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Bagian 1 (SD Negeri 1) 1 Januari 2025 – 14 April 2025: 4 bulan, Baik, AK 4,17" in text
    assert "Bagian 2 (SD Negeri 2) 15 April 2025 – akhir periode: 8 bulan, Sangat Baik, AK 12,50 (belum final)" in text
    assert "Hasil periode : 12 bulan, Sangat Baik, AK 16,67 (belum semua bagian final)" in text


def test_a_part_not_appraised_says_so():
    pb = {
        "bagian": [
            _part(1, selesai="2025-04-14", dinilai=False, final=False),
            _part(2, mulai="2025-04-15", bulan=8, predikat="baik", angka_kredit="8.33"),
        ],
        "hasil": {"bulan": 8, "angka_kredit": "8.33", "predikat": "baik", "lengkap": True},
    }
    html = _env().get_template("penilaian/_bagian.html").render(pb=pb)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "tidak dinilai (berakhir sebelum rencana kinerja disetujui)" in text
    assert "Hasil periode : 8 bulan, Baik, AK 8,33" in text
