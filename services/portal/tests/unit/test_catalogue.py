"""Every string a page shows is in the catalogue, and a service's refusal always has Indonesian words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.catalogue import Catalogue

PORTAL = Path(__file__).resolve().parents[2] / "src" / "portal"
# t("key") / t('key') / portal.t("key") / flash("key") with a literal key (keys built with ~ are checked by the
# page tests that render them).
_LITERAL = re.compile(r"""\b(?:t|flash)\(\s*["']([a-z_]+(?:\.[A-Za-z0-9_]+)+)["']\s*[,)]""")


def _literal_keys() -> set[tuple[str, str]]:
    found = set()
    for path in [*PORTAL.rglob("*.html"), *PORTAL.rglob("*.py")]:
        for key in _LITERAL.findall(path.read_text(encoding="utf-8")):
            found.add((path.relative_to(PORTAL).as_posix(), key))
    return found


def test_every_literal_key_is_in_the_catalogue():
    catalogue = Catalogue.load()
    missing = sorted((where, key) for where, key in _literal_keys() if not catalogue.has(key))
    assert not missing, f"keys used but not in catalogue/id: {missing}"
    assert len(_literal_keys()) > 50  # the pattern still finds what the pages use


@pytest.mark.parametrize(
    ("rule", "status", "expected_key"),
    [
        ("skp.exists", 409, "aturan.skp.exists"),  # its own message
        ("skp.something_new", 409, "aturan.skp.*"),  # its family's
        ("entirely.unknown", 422, "aturan.http.422"),  # its status's
        ("entirely.unknown", 418, "aturan.http.umum"),  # the last resort
    ],
)
def test_a_refusal_always_has_a_message(rule, status, expected_key):
    catalogue = Catalogue.load()
    assert catalogue.rule(rule, status) == catalogue.messages[expected_key]


def test_a_missing_key_is_an_error_not_an_empty_page():
    with pytest.raises(KeyError):
        Catalogue.load()("tidak.ada")


def test_values_fill_their_places():
    assert Catalogue({"a.b": "Batas {tanggal}"}, "id")("a.b", tanggal="31 Januari") == "Batas 31 Januari"
