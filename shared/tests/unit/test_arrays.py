"""Rows as array parameters: the statement text is the same whatever the number of rows."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String, Uuid, select
from sqlalchemy.dialects import postgresql

from pmm_chassis.db.arrays import array_parameters, unnested

KEYS = unnested("keys", "key", {"pegawai_id": Uuid(), "periode": String(), "bagian": Integer()})


def test_the_derived_table_unnests_one_typed_array_per_column():
    sql = str(select(KEYS.c.pegawai_id, KEYS.c.bagian).compile(dialect=postgresql.asyncpg.dialect()))
    assert "unnest($1::UUID[], $2::VARCHAR[], $3::INTEGER[]) AS keys(pegawai_id, periode, bagian)" in sql, sql


def test_the_parameters_are_one_list_per_column_in_row_order():
    a, b = uuid.uuid4(), uuid.uuid4()
    rows = [(a, "2024-S1", 1), (b, "2024-S2", 2)]
    names = ["pegawai_id", "periode", "bagian"]
    assert array_parameters("key", names, rows) == {
        "key_pegawai_id": [a, b],
        "key_periode": ["2024-S1", "2024-S2"],
        "key_bagian": [1, 2],
    }
    assert array_parameters("key", names, []) == {"key_pegawai_id": [], "key_periode": [], "key_bagian": []}
