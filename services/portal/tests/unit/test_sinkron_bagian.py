"""How the sync pages name a push's part, row by row: a triwulan's months, and a period's later part (a transfer:
one SKP per school at e-Kinerja) by its number."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.catalogue import Catalogue
from portal.pages.sinkron import bagian_label

PORTAL = SimpleNamespace(t=Catalogue.load())


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("", ""),  # the whole period's only part
        ("2024-01..03", "Januari–Maret 2024"),
        ("2/", "Bagian 2"),
        ("2/2024-04..06", "Bagian 2 · April–Juni 2024"),
        ("3/2025-10..12", "Bagian 3 · Oktober–Desember 2025"),
        ("lain", "lain"),  # a key this page does not know is shown as it is
    ],
)
def test_a_push_names_its_part(key, label):
    assert bagian_label(PORTAL, key) == label
