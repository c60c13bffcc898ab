"""The reminders' pure rules: which offset bucket a day falls in, the deadline as a person reads it, the windows of a
published period with the region's extension, and the Message-ID of a key."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from pmm_chassis.reminders import ReminderWindow, Template, deadline_of, offset_bucket, tenggat_text
from pmm_chassis.reminders.rules import message_id, windows_from_snapshot
from pmm_chassis.reminders.sender import backoff_seconds
from pmm_kernel.windows import Extension


@pytest.mark.parametrize(
    ("offsets", "days_left", "bucket"),
    [
        ((7, 3, 1), 10, None),  # too early
        ((7, 3, 1), 8, None),
        ((7, 3, 1), 7, 7),
        ((7, 3, 1), 6, 7),  # a decider that woke late still sends the bucket it is in
        ((7, 3, 1), 4, 7),
        ((7, 3, 1), 3, 3),
        ((7, 3, 1), 2, 3),
        ((7, 3, 1), 1, 1),
        ((7, 3, 1), 0, 1),  # the closing day itself
        ((7, 3, 1), -1, None),  # closed
        ((1, 3, 7), 5, 7),  # order in the file does not matter
        ((14,), 2, 14),
        ((), 1, None),  # a policy without reminders
    ],
)
def test_the_offset_bucket_is_the_smallest_offset_not_below_the_days_left(offsets, days_left, bucket):
    assert offset_bucket(offsets, days_left) == bucket


@pytest.mark.parametrize(
    ("closes", "text"),
    [
        (date(2024, 1, 25), "Kamis, 25 Januari 2024 pukul 23.59 WIB"),
        (date(2024, 3, 31), "Minggu, 31 Maret 2024 pukul 23.59 WIB"),
        (date(2025, 8, 17), "Minggu, 17 Agustus 2025 pukul 23.59 WIB"),
        (date(2024, 12, 2), "Senin, 2 Desember 2024 pukul 23.59 WIB"),
    ],
)
def test_the_deadline_reads_in_indonesian_in_wib(closes, text):
    assert tenggat_text(deadline_of(closes)) == text


def test_a_deadline_given_in_utc_is_told_in_wib():
    assert tenggat_text(datetime(2024, 1, 25, 16, 59, tzinfo=UTC)) == "Kamis, 25 Januari 2024 pukul 23.59 WIB"


def test_no_bucket_before_the_window_opens():
    window = ReminderWindow("2024-S1", "perencanaan_guru", "3273", date(2024, 1, 10), date(2024, 1, 12))
    assert window.bucket(date(2024, 1, 9)) is None
    assert window.bucket(date(2024, 1, 10)) == 3


SNAPSHOT = {
    "kode": "2024-S1",
    "nama": "Semester 1 2024",
    "windows": [
        {"step": "perencanaan_guru", "opens": "2024-01-01", "closes": "2024-01-31", "late_until": None},
        {"step": "perencanaan_ks", "opens": "2024-01-01", "closes": "2024-02-15", "late_until": "2024-02-20"},
        {"step": "penilaian", "opens": "2024-06-01", "closes": "2024-06-30", "late_until": None},
    ],
    "pengingat_hari": [7, 3, 1],
}


def test_an_extension_moves_the_close_of_its_region_only():
    extension = Extension(step="perencanaan_guru", until=date(2024, 2, 10), region="3273", reason="banjir")
    found = windows_from_snapshot(SNAPSHOT, [extension], steps={"perencanaan_guru"}, regions=["3273", "3204"])
    closes = {w.wilayah: w.closes for w in found}
    assert closes == {"3204": date(2024, 1, 31), "3273": date(2024, 2, 10)}
    by_region = {w.wilayah: w for w in found}
    # On 28 January Bandung (extended) is 13 days from its close: nobody is reminded there yet.
    assert by_region["3204"].bucket(date(2024, 1, 28)) == 3
    assert by_region["3273"].bucket(date(2024, 1, 28)) is None
    assert by_region["3273"].bucket(date(2024, 2, 7)) == 3
    assert {w.offsets for w in found} == {(7, 3, 1)}


def test_late_entry_is_part_of_the_effective_close_and_a_policy_without_days_reminds_no_one():
    (ks,) = windows_from_snapshot(SNAPSHOT, [], steps={"perencanaan_ks"}, regions=["3273"])
    assert ks.closes == date(2024, 2, 20)
    (silent,) = windows_from_snapshot({**SNAPSHOT, "pengingat_hari": None}, [], steps={"penilaian"}, regions=["32"])
    assert silent.bucket(date(2024, 6, 29)) is None


def test_the_message_id_is_the_key_and_names_no_one():
    pegawai = uuid.uuid4()
    key = "2024-S1:perencanaan_guru:3273"
    first = message_id(service="planning", pegawai_id=pegawai, key=key, kind="k", offset_days=3)
    again = message_id(service="planning", pegawai_id=pegawai, key=key, kind="k", offset_days=3)
    other = message_id(service="planning", pegawai_id=pegawai, key=key, kind="k", offset_days=1)
    assert first == again != other
    assert first.startswith("<") and first.endswith(">") and str(pegawai) not in first


def test_a_template_fills_what_it_names_and_keeps_what_it_does_not():
    subject, body = Template("SKP $nama_periode", "$nama: $tenggat $unknown").render(
        {"nama_periode": "Semester 1 2024", "nama": "Ani", "tenggat": "Kamis"}
    )
    assert subject == "SKP Semester 1 2024"
    assert body == "Ani: Kamis $unknown"


def test_back_off_grows_and_is_capped():
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert backoff_seconds(30) == 900.0
