"""A table's columns under a prefix in a statement over several tables, and back by their own names."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, select

from pmm_chassis.db.prefixed import Prefixed

SEKOLAH = Table("sekolah", MetaData(), Column("npsn", String, primary_key=True), Column("nama", String),
                Column("version", Integer))  # fmt: skip


def test_columns_are_labelled_with_the_prefix_and_come_back_by_their_own_names() -> None:
    part = Prefixed(SEKOLAH, "sekolah")
    assert [c.name for c in select(*part.columns()).selected_columns] == [
        "sekolah_npsn",
        "sekolah_nama",
        "sekolah_version",
    ]
    row = {"sekolah_npsn": "20200001", "sekolah_nama": "SDN 1", "sekolah_version": 3, "pegawai_version": 9}
    back = part.of(row)
    assert (back.npsn, back.nama, back.version) == ("20200001", "SDN 1", 3)
    assert part.values(row) == {"npsn": "20200001", "nama": "SDN 1", "version": 3}  # the other table's column left out


def test_only_the_named_columns_and_those_of_an_alias() -> None:
    alias = SEKOLAH.alias("atasan_sekolah")
    part = Prefixed(SEKOLAH, "atasan_sekolah", ["npsn", "version"])
    columns = part.columns(alias)
    assert [c.name for c in columns] == ["atasan_sekolah_npsn", "atasan_sekolah_version"]
    assert all(c.element.table is alias for c in columns)


def test_an_outer_join_that_found_no_row_is_none() -> None:
    part = Prefixed(SEKOLAH, "sekolah")
    assert part.of_outer({"sekolah_npsn": None, "sekolah_nama": None, "sekolah_version": None}) is None
    found = part.of_outer({"sekolah_npsn": "20200001", "sekolah_nama": "SDN 1", "sekolah_version": 1})
    assert found is not None and found.npsn == "20200001"
