"""Which penilaian the atasan still has to finish (docs/domain.md §6), read from the state machine and the access
table: the reminder `penilaian.belum_final` counts exactly these, and its mail says how many, by when and where."""

from __future__ import annotations

import uuid
from datetime import date

from appraisal.db.pengingat import BELUM_FINAL, NOT_FINAL
from appraisal.domain.penilaian import Status
from pmm_chassis.reminders import Recipient, ReminderWindow, load_templates
from pmm_chassis.reminders.rules import template_values


def test_ratable_and_rated_but_not_final_are_the_atasans_to_finish():
    assert NOT_FINAL == {Status.SIAP, Status.DINILAI}


def test_waiting_for_the_plan_or_the_cycle_and_final_are_not():
    assert Status.MENUNGGU not in NOT_FINAL  # nothing to rate yet: the plan or the cycle is missing
    assert Status.FINAL not in NOT_FINAL  # only an operator's audited reopen changes it


def test_the_mail_says_how_many_by_when_and_where_without_a_nip():
    template = load_templates("appraisal.domain", "penilaian.toml")[BELUM_FINAL]
    window = ReminderWindow(
        periode="2025-T", step="penilaian", wilayah="3273", opens=date(2025, 11, 15), closes=date(2025, 12, 31),
        nama_periode="Tahunan 2025",
    )  # fmt: skip
    recipient = Recipient(
        uuid.uuid4(), "196801011990031001", None, "/penilaian", {"nama": "Sari Wulandari", "jumlah": "4"}
    )
    subject, body = template.render(template_values(window, recipient, offset_days=1, portal_url="https://pmm.example"))
    assert subject == "Pengingat: 4 penilaian kinerja Tahunan 2025 belum final"
    assert body.startswith("Bapak/Ibu Sari Wulandari,") and "$" not in body
    assert "Rabu, 31 Desember 2025 pukul 23.59 WIB (1 hari lagi)" in body
    assert "https://pmm.example/penilaian" in body and "196801011990031001" not in subject + body
