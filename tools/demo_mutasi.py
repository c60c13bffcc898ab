"""A transfer and an acting principal in the middle of the period, through the public HTTP APIs only.

The first school's last teacher moves to the second school (docs/domain.md §1, §4): the operator imports the new
placement with its date (`tmt_penempatan`) and the relations that change with it. Planning ends the plan at the old
school on the day before; the teacher plans the rest of the period at the new school. The new school's kepala sekolah
is on leave until the end of the next month, so the region's pengawas acts as Plt. kepala sekolah there and approves
the new plan and observes the new cycle; when the acting ends, the new school's kepala sekolah is the atasan again.
At the penilaian each part is rated by its own atasan (the old part by the old school's kepala sekolah, in the
region's appraisal step), each for its own months, and the period's result combines them (docs/domain.md §6).

Needs a region of at least two schools, the first with at least two teachers (so that the teacher who moves is not
the one who takes up a new jenjang during the period); a smaller region skips it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tools.demo_appraisal import appraise_one, roles
from tools.demo_bkn import BknDemo
from tools.demo_client import Api, DemoStepFailed, masked, say
from tools.demo_observation import Cycles, one_cycle
from tools.demo_roster import Person, Region, School

# The day after the transfer, inside each policy's pelaksanaan window; the acting appointment's last day.
MUTASI_CLOCK = {
    2024: datetime.fromisoformat("2024-04-16T09:00:00+07:00"),
    2025: datetime.fromisoformat("2025-05-16T09:00:00+07:00"),
    2026: datetime.fromisoformat("2026-05-16T09:00:00+07:00"),
}
ACTING_UNTIL = {2024: date(2024, 5, 31), 2025: date(2025, 6, 30), 2026: date(2026, 6, 30)}

PlanFn = Callable[..., Awaitable[tuple[str, str]]]


@dataclass
class Mutasi:
    """What the transfer came to, for the appraisal step and the end-to-end tests."""

    person: Person
    lama: School
    baru: School
    tmt: date
    acting_until: date
    plt: Person
    parts: dict[int, str]  # bagian -> SKP id
    pelaksanaan: str | None = None  # the new part's cycle
    penilaian: dict[int, dict[str, Any]] | None = None  # bagian -> the final penilaian
    hasil: dict[str, Any] | None = None  # the period's combined result


def chosen(region: Region) -> tuple[Person, School, School] | None:
    """Who moves where: the first school's last teacher, to the second school."""
    if len(region.schools) < 2 or len(region.schools[0].guru) < 2:
        return None
    return region.schools[0].guru[-1], region.schools[0], region.schools[1]


def _roster_files(region: Region, person: Person, lama: School, baru: School, tmt: date, until: date) -> list[tuple]:
    """The operator's two files: the new placement, then the relations that change with it. The old school's
    relation ends the day before; the pengawas acts for the new school's teachers (the one who arrives included)
    until `until`; from the day after, the new school's kepala sekolah is the newcomer's atasan."""
    assert lama.kepala is not None and baru.kepala is not None
    pegawai = (
        "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn,tmt_penempatan\n"
        f"{person.nip},{person.status},{person.nama},{person.golongan or ''},{person.jenjang or ''},"
        f"{person.jenis_gtk},{baru.npsn},{tmt.isoformat()}\n"
    )
    day_before = (tmt - timedelta(days=1)).isoformat()
    rows = [f"{person.nip},{lama.kepala.nip},kepala_sekolah,{region.mulai.isoformat()},{day_before}"]
    rows += [
        f"{g.nip},{region.pengawas.nip},plt_kepala_sekolah,{tmt.isoformat()},{until.isoformat()}"
        for g in (*baru.guru, person)
    ]
    rows.append(f"{person.nip},{baru.kepala.nip},kepala_sekolah,{(until + timedelta(days=1)).isoformat()},")
    relasi = "nip_pegawai,nip_atasan,peran_atasan,mulai,selesai\n" + "\n".join(rows) + "\n"
    return [("pegawai", pegawai), ("relasi", relasi)]


async def transfer_mid_period(
    stack: Any,
    api: Api,
    operator: dict[str, str],
    region: Region,
    periode: str,
    policy: int,
    *,
    plan: PlanFn,
    bkn: BknDemo | None,
) -> Mutasi | None:
    """The transfer and the new part's plan and cycle; the penilaian come later (`rate_new_part`). With `bkn`, SIASN
    learns of the transfer as the BKD would record it."""
    found = chosen(region)
    if found is None:
        say("  (a region of one school, or of one teacher per school, has nobody to transfer: skipped)")
        return None
    person, lama, baru = found
    at = MUTASI_CLOCK[policy]
    stack.set_clock(at)
    tmt, until = at.date() - timedelta(days=1), ACTING_UNTIL[policy]
    for kind, text in _roster_files(region, person, lama, baru, tmt, until):
        report = (
            await api.call("POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text)
        ).json()
        if report["errors"]:
            raise DemoStepFailed(f"demo step failed: the transfer's {kind} file was refused: {report['errors']}")
    person.npsn = baru.npsn  # what a later roster file says of them
    say(
        f"  the operator records {person.nama} (NIP {masked(person.nip)}) at {baru.nama} from {tmt:%d %B %Y}, and the"
        f" pengawas as Plt. kepala sekolah there until {until:%d %B %Y}"
    )
    if bkn is not None:
        await bkn.record_transfer(person, baru)

    guru = await api.token(person.nip, "guru")
    first = (await _parts(api, guru, periode, ended=1))[0]
    say(
        f"  planning ended part 1 at {lama.nama} on {first['bagian']['selesai']} (status {first['status']}): "
        "its atasan of that day appraises it"
    )
    skp_id, etag = await plan(api, person, periode, target=4, bagian=2)
    plt = region.pengawas
    plt_headers = await api.token(plt.nip, "guru", "pengawas")  # a pengawas is an atasan by role already
    approved = await api.call("POST", f"/skp/{skp_id}/approve", {**plt_headers, "If-Match": etag})
    part = approved.json()
    say(
        f"  part 2 at {baru.nama} from {part['bagian']['mulai']}: submitted, and approved by the Plt. kepala sekolah"
        f" (the pengawas): {part['status']}"
    )
    mutasi = Mutasi(person, lama, baru, tmt, until, plt, {1: first["skp_id"], 2: skp_id})
    mutasi.pelaksanaan = await _new_cycle(stack, api, mutasi, periode, at.date())
    return mutasi


async def _parts(api: Api, headers: dict[str, str], periode: str, *, ended: int) -> list[dict]:
    """The pegawai's parts of the period, once planning shows part `ended` ended (the roster import's effect)."""
    deadline = time.monotonic() + 15
    while True:
        items = (await api.call("GET", f"/skp/saya/bagian?periode={periode}", headers)).json()["items"]
        if len(items) >= ended and items[ended - 1]["bagian"]["berakhir"]:
            return items
        if time.monotonic() > deadline:
            raise DemoStepFailed(f"demo step failed: planning shows no ended part {ended} of {periode}")
        await asyncio.sleep(0.2)


async def _opened_for(cycles: Cycles, atasan: Person, person: Person) -> dict[str, Any]:
    """`person`'s newest cycle in the atasan's team list, once the approved plan has opened it."""
    deadline = time.monotonic() + 30
    while True:
        page = await cycles.team(atasan)
        items = [i for i in page["items"] if i["pegawai"]["nip"] == person.nip and i["pelaksanaan_id"]]
        newest = max(items, key=lambda i: i.get("bagian", 1), default=None)
        if newest is not None and newest.get("bagian", 1) > 1:
            return newest
        if time.monotonic() > deadline:
            raise DemoStepFailed("demo step failed: the new part's cycle did not open")
        await asyncio.sleep(0.25)


async def _new_cycle(stack: Any, api: Api, mutasi: Mutasi, periode: str, today: date) -> str:
    """The new part's five steps, observed by the Plt.; returns the pelaksanaan's id."""
    observation = Api(stack.url("observation"), stack.issuer_url)
    try:
        cycles = Cycles(observation, periode)
        plt = mutasi.plt
        item = await _opened_for(cycles, plt, mutasi.person)
        closes = date.fromisoformat(item["window_closes"])
        lines: list[str] = []
        await one_cycle(
            cycles, mutasi.person, plt, item["pelaksanaan_id"], today, closes, counter=False, resume=False,
            note=lines.append,
        )  # fmt: skip
        say(f"  part 2's cycle, observed by the Plt.: {lines[-1].strip()}")
        return item["pelaksanaan_id"]
    finally:
        await observation.http.aclose()
        await observation.issuer.aclose()


async def rate_new_part(stack: Any, mutasi: Mutasi, periode: str) -> None:
    """After the acting ended, the new school's kepala sekolah rates the new part; the former Plt. no longer sees it.
    Then the period's result, both parts combined (the old part was rated in the region's appraisal step)."""
    api = Api(stack.url("appraisal"), stack.issuer_url)
    try:
        ks = mutasi.baru.kepala
        assert ks is not None
        deadline = time.monotonic() + 30
        while True:
            page = (await api.call("GET", f"/penilaian?periode={periode}&limit=200", await _headers(api, ks))).json()
            item = next((i for i in page["items"] if i["pegawai"] and i["pegawai"]["nip"] == mutasi.person.nip), None)
            if item is not None and item["status"] == "SIAP" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        if item is None or item["status"] != "SIAP":
            raise DemoStepFailed(f"demo step failed: the new part's penilaian is not ratable: {item}")
        final = await appraise_one(api, ks, mutasi.person, item, ("sesuai", "di_atas"))
        hidden = await api.http.get(f"/penilaian/{item['id']}", headers=await _headers(api, mutasi.plt))
        say(
            f"  the acting ended on {mutasi.acting_until:%d %B %Y}: {ks.nama} rated part 2; the former Plt. now gets"
            f" {hidden.status_code} for it"
        )
        pegawai_id = item["pegawai"]["id"]
        hasil = (await api.call("GET", f"/hasil-periode/{pegawai_id}/{periode}", await _headers(api, ks))).json()
        for part in hasil["bagian"]:
            say(
                f"    part {part['bagian']} at {part['nama_sekolah']}: {part['bulan']} month(s) "
                f"({part['mulai'] or 'from the start'} to {part['selesai'] or 'the end'}), {part['predikat_label']},"
                f" AK {part['angka_kredit']}"
            )
        total = hasil["hasil"]
        say(
            f"    the period: {total['bulan']} month(s), predikat {total['predikat_label']} (part"
            f" {total['predikat_bagian']}'s), AK {total['angka_kredit']}"
        )
        mutasi.penilaian = {2: final}
        mutasi.hasil = hasil
    finally:
        await api.http.aclose()
        await api.issuer.aclose()


async def _headers(api: Api, person: Person) -> dict[str, str]:
    return await api.token(person.nip, *roles(person))
