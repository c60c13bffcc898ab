"""Which cycles wait for the atasan (docs/domain.md §5), read from the state machine and the access table: the
reminder `pelaksanaan.menunggu_atasan` counts exactly these."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from observation.db.pengingat import ATASAN_TURN, MENUNGGU_ATASAN, confirms_documents
from observation.domain.pelaksanaan import Tahap
from pmm_chassis.reminders import Recipient, ReminderWindow, load_templates
from pmm_chassis.reminders.rules import template_values


def test_the_atasan_turn_is_the_proposed_date_the_observation_and_their_part_of_the_diskusi():
    assert ATASAN_TURN == {
        Tahap.JADWAL_DIUSULKAN,  # the guru proposed a date: the atasan agrees or proposes another
        Tahap.OBSERVASI,  # the date is agreed: the atasan observes
        Tahap.DISKUSI,  # neither has written the diskusi notes yet
        Tahap.DISKUSI_MENUNGGU_ATASAN,  # the guru's notes are in
    }


@pytest.mark.parametrize(
    "tahap",
    [
        Tahap.PERSIAPAN,
        Tahap.JADWAL_DIUSULKAN_ATASAN,  # the atasan countered: the guru accepts or proposes again
        Tahap.DISKUSI_MENUNGGU_GURU,  # the atasan's notes are in
        Tahap.UPAYA,
        Tahap.REFLEKSI,
        Tahap.SELESAI,
        Tahap.DITUTUP,
    ],
)
def test_the_pegawai_turn_and_a_finished_cycle_do_not_wait_for_the_atasan(tahap):
    assert tahap not in ATASAN_TURN


def test_only_a_policy_without_uploads_has_the_atasan_confirm_documents():
    assert confirms_documents(False) is True
    assert confirms_documents(True) is False


def test_the_mail_says_how_many_wait_by_when_and_where_without_a_nip():
    template = load_templates("observation.domain", "pelaksanaan.toml")[MENUNGGU_ATASAN]
    window = ReminderWindow(
        periode="2025-T", step="pelaksanaan", wilayah="3273", opens=date(2025, 2, 1), closes=date(2025, 10, 31),
        nama_periode="Tahunan 2025",
    )  # fmt: skip
    recipient = Recipient(
        uuid.uuid4(), "196801011990031001", None, "/pelaksanaan/tim", {"nama": "Sari Wulandari", "jumlah": "3"}
    )
    subject, body = template.render(
        template_values(window, recipient, offset_days=7, portal_url="https://pmm.example/")
    )
    assert subject == "Pengingat: 3 pelaksanaan menunggu tindakan Anda (Tahunan 2025)"
    assert body.startswith("Bapak/Ibu Sari Wulandari,") and "$" not in body
    assert "Jumat, 31 Oktober 2025 pukul 23.59 WIB (7 hari lagi)" in body
    assert "https://pmm.example/pelaksanaan/tim" in body and "196801011990031001" not in subject + body
