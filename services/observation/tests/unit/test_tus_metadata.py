"""tus Upload-Metadata: comma-separated `key base64(value)` pairs; anything else is a 422 naming the header."""

from __future__ import annotations

import pytest

from observation.api.bukti import parse_metadata
from pmm_kernel.errors import InvalidValue


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        (None, {}),
        ("", {}),
        ("filename bW9kdWwucGRm", {"filename": "modul.pdf"}),
        ("filename bW9kdWwucGRm,kategori bW9kdWxfYWphcg==", {"filename": "modul.pdf", "kategori": "modul_ajar"}),
        ("filename bW9kdWwucGRm, is_confidential", {"filename": "modul.pdf", "is_confidential": ""}),
        ("nama U2VydGlmaWthdCBHdXJ1IFBlbmdnZXJhayDinJM=", {"nama": "Sertifikat Guru Penggerak ✓"}),
    ],
)
def test_metadata_is_parsed(header, parsed):
    assert parse_metadata(header) == parsed


@pytest.mark.parametrize(
    "header",
    ["filename not-base64!", "filename bW9k dWwu", "filename bW9kdWwucGRm,filename bW9kdWwucGRm", ",", "filename //79"],
)
def test_bad_metadata_names_the_header(header):
    with pytest.raises(InvalidValue) as refused:
        parse_metadata(header)
    assert (refused.value.rule, refused.value.field) == ("tus.metadata", "Upload-Metadata")
