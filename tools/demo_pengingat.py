"""The demo's reminder step, after the planning phase: one teacher joins the school late and has not planned; the
clock moves to three days before planning closes (the effective close, late entry and extensions included), the
services decide and mail the reminders, and the mailbox shows what arrived.

Called from the demo's `season` once the pengawas has approved (tools/demo.py):

    await remind_before_planning_closes(stack, api, operator, result.region, periode)
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

from pmm_kernel.clock import WIB
from tools.demo_client import Api, say
from tools.demo_roster import Person, Region, pns_nip
from tools.mailbox import messages
from tools.stack import Stack

PLANNING_STEP = "perencanaan_guru"
WAIT_SECONDS = 60.0


def effective_close(periode: dict, kode_wilayah: str, step: str = PLANNING_STEP) -> date:
    """The last day `step` is accepted in the region, as planning publishes the period with its extensions."""
    window = next(w for w in periode["windows"] if w["step"] == step)
    days = [date.fromisoformat(window["closes"])]
    if window.get("late_until"):
        days.append(date.fromisoformat(window["late_until"]))
    for extension in periode.get("extensions", []):
        region = extension.get("wilayah")
        if extension.get("step") == step and (not region or kode_wilayah.startswith(region)):
            days.append(date.fromisoformat(extension["until"]))
    return max(days)


def late_teacher(region: Region) -> Person:
    """A teacher who joins the first school after everyone else planned: the one the reminder is for."""
    taken = {p.nip for p in region.people()}
    school = region.schools[0]
    i = 500 + int(school.npsn) % 400  # another region's late teacher (a second season on one stack) is someone else
    while pns_nip(i) in taken:
        i += 1
    return Person(pns_nip(i), "Rina Kusuma", "PNS", "Guru Mapel", "Ahli Pertama", "III/a", school.npsn)


def read_mail(path: Path) -> tuple[str, str]:
    mail = message_from_bytes(path.read_bytes())
    subject = str(make_header(decode_header(mail["Subject"] or "")))
    body = mail.get_payload(decode=True) if not mail.is_multipart() else mail.get_payload(0).get_payload(decode=True)
    return subject, (body or b"").decode("utf-8", "replace")


async def remind_before_planning_closes(
    stack: Stack, api: Api, operator: dict[str, str], region: Region, periode: str
) -> int:
    """Moves the clock to three days before planning closes in the region, waits until the reminders are decided
    and mailed, prints how many mails the mailbox holds and one of them; the clock is put back afterwards, so the
    demo goes on where it was. Returns the number of mails."""
    school = region.schools[0]
    assert school.kepala is not None
    person = late_teacher(region)
    row = {"nip": person.nip, "status": person.status, "nama": person.nama, "pangkat_golongan": person.golongan,
           "jenjang_jabatan": person.jenjang, "jenis_gtk": person.jenis_gtk, "npsn": person.npsn,
           "email": person.email}  # fmt: skip
    await api.call("POST", "/roster/pegawai", operator, json=[row])
    relasi = {"nip_pegawai": person.nip, "nip_atasan": school.kepala.nip, "peran_atasan": "kepala_sekolah",
              "mulai": region.mulai.isoformat()}  # fmt: skip
    await api.call("POST", "/roster/relasi", operator, json=[relasi])

    periods = (await api.call("GET", "/periode", operator)).json()
    closes = effective_close(next(p for p in periods if p["kode"] == periode), school.kode_wilayah)
    before = stack.clock_file.read_text().strip() if stack.clock_file.exists() else None
    at = datetime.combine(closes - timedelta(days=3), datetime.min.time(), tzinfo=WIB).replace(hour=9)
    say(f"  {person.nama} joined late and has not planned; the clock moves to {at:%d %B %Y} (closes {closes:%d %B})")
    stack.set_clock(at)
    try:
        teacher = await api.token(person.nip, "guru")
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            items = (await api.call("GET", "/pemberitahuan", teacher)).json()["items"]
            if any(i["terkirim"] for i in items) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        sent = [i for i in items if i["terkirim"]]
        say(f"  reminders for {person.nama}: {len(items)} decided, {len(sent)} mailed")
    finally:
        if before is not None:
            stack.set_clock(datetime.fromisoformat(before))
    # The others reminded (their atasan, principals) are mailed in the same pass: wait until the mailbox settles.
    mails = messages(stack.mail_dir)
    settle = time.monotonic() + 10
    while time.monotonic() < settle:
        await asyncio.sleep(1.0)
        now = messages(stack.mail_dir)
        if len(now) == len(mails):
            break
        mails = now
    say(f"  mails in {stack.mail_dir}: {len(mails)}")
    if mails:
        subject, body = read_mail(mails[-1])
        say(f"  Subject: {subject}")
        for line in body.strip().splitlines():
            say(f"  | {line}")
    return len(mails)
