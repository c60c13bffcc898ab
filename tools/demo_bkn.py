"""The demo's BKN part: the sandbox seeded from the region with deliberate mismatches, each school's sync state
after appraisal, and the mismatches healing by themselves once the operator corrects the roster.

`tools/demo.py` wires it in (the stack then runs planning, bkn_sync and bkn_sandbox):

    bkn = BknDemo.for_stack(stack, say=say)
    mismatches = await bkn.seed(region)                      # before the roster import
    ...                                                      # the season: plans approved, appraisals finalised
    await bkn.wait_until_settled(region)
    await bkn.show_states(region)                            # typed failures with who fixes them
    await bkn.correct_roster(region, mismatches)             # the operator fixes the roster; pushes go by themselves
    await bkn.close()

Self-contained on purpose (plain HTTP to the three processes), so that demo.py can import it without a cycle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bkn_sandbox.seed import jabatan_nama, profiles_from_region
from tools.demo_roster import Person, Region, School

SANDBOX_ADMIN_KEY = "sandbox-admin"  # bkn_sandbox's development default (BKN_SANDBOX_ADMIN_KEY)
OPEN_YEARS = [2024, 2025, 2026]
# A jenjang the roster has not caught up with yet (a promotion SIASN already holds), with its golongan.
PROMOTION = {"Ahli Pertama": ("Ahli Muda", "III/c"), "Ahli Muda": ("Ahli Madya", "IV/a")}


@dataclass(frozen=True)
class Mismatch:
    """A deliberate difference between the roster and SIASN, and the roster correction that ends it."""

    person: Person
    npsn: str
    kode: str  # the typed failure BKN answers with
    siasn: dict[str, Any]  # what SIASN holds instead
    correction: dict[str, str]  # the roster row's corrected fields (what the operator imports)

    def describe(self) -> str:
        what = ", ".join(f"{k}={v!r}" for k, v in self.correction.items())
        return f"roster differs from SIASN ({self.kode}); the operator's correction: {what}"


def masked(nip: str) -> str:
    return nip[:4] + "*" * 12 + nip[-2:]


def deliberate_mismatches(region: Region) -> list[Mismatch]:
    """Two teachers whose roster rows differ from SIASN: a misspelt name (BKN: the NIP belongs to someone else)
    and a promotion the roster missed (BKN: the jabatan differs)."""
    teachers = [(s, g) for s in region.schools for g in s.guru if g.status == "PNS" and g.jenjang in PROMOTION]
    found: list[Mismatch] = []
    if teachers:
        school, guru = teachers[0]
        siasn_name = guru.nama.replace("i", "y", 1) if "i" in guru.nama else guru.nama + "h"
        found.append(Mismatch(guru, school.npsn, "NIP_TIDAK_SESUAI", {"nama": siasn_name}, {"nama": siasn_name}))
    # The last such teacher of the region whose name differs from the first's (names repeat in a large region).
    others = [(s, g) for s, g in teachers[1:] if found and g.nama != found[0].person.nama]
    if others:
        school, guru = others[-1]
        jenjang, golongan = PROMOTION[guru.jenjang or ""]
        found.append(
            Mismatch(
                guru,
                school.npsn,
                "JABATAN_TIDAK_SESUAI",
                {"jabatanNama": jabatan_nama(guru.jenis_gtk, jenjang), "golRuangAkhir": golongan},
                {"jenjang_jabatan": jenjang, "pangkat_golongan": golongan},
            )
        )
    return found


class BknDemo:
    def __init__(
        self,
        *,
        sandbox_url: str,
        bkn_sync_url: str,
        planning_url: str,
        issuer_url: str,
        kode_wilayah: str = "3273",
        say: Callable[[str], None] = print,
    ) -> None:
        self.sandbox = httpx.AsyncClient(
            base_url=sandbox_url, headers={"X-Sandbox-Admin": SANDBOX_ADMIN_KEY}, timeout=30
        )
        self.bkn_sync = httpx.AsyncClient(base_url=bkn_sync_url + "/api/v1", timeout=30)
        self.planning = httpx.AsyncClient(base_url=planning_url + "/api/v1", timeout=30)
        self.issuer = httpx.AsyncClient(base_url=issuer_url, timeout=10)
        self.kode_wilayah = kode_wilayah
        self.say = say
        self._operator: dict[str, str] | None = None
        # What the season came to, for whoever drives it (the end-to-end tests): typed failures shown, the NIPs BKN
        # held SKP records of before the roster correction, and the NIPs that healed by themselves after it.
        self.failures: list[str] = []
        self.held_before_correction: set[str] = set()
        self.healed: set[str] = set()

    @classmethod
    def for_stack(cls, stack: Any, *, say: Callable[[str], None] = print, kode_wilayah: str = "3273") -> BknDemo:
        return cls(
            sandbox_url=stack.url("bkn_sandbox"),
            bkn_sync_url=stack.url("bkn_sync"),
            planning_url=stack.url("planning"),
            issuer_url=stack.issuer_url,
            kode_wilayah=kode_wilayah,
            say=say,
        )

    async def close(self) -> None:
        for client in (self.sandbox, self.bkn_sync, self.planning, self.issuer):
            await client.aclose()

    async def _operator_headers(self) -> dict[str, str]:
        if self._operator is None:
            answer = await self.issuer.post(
                "/token",
                json={"sub": f"operator-{self.kode_wilayah}", "roles": ["operator"], "wilayah": self.kode_wilayah},
            )
            answer.raise_for_status()
            self._operator = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self._operator

    async def _get(self, path: str) -> Any:
        answer = await self.bkn_sync.get(path, headers=await self._operator_headers())
        answer.raise_for_status()
        return answer.json()

    # --- 1. BKN as it stands before the season ---

    async def seed(self, region: Region) -> list[Mismatch]:
        """SIASN holds the region's ASN pegawai, two of them not quite as the roster does."""
        mismatches = deliberate_mismatches(region)
        overrides = {m.person.nip: m.siasn for m in mismatches}
        profiles = profiles_from_region(region, mismatches=overrides)
        answer = await self.sandbox.post("/admin/seed", json={"profil": profiles, "tahun": OPEN_YEARS, "reset": True})
        answer.raise_for_status()
        await self.sandbox.delete("/admin/faults")
        self.say(f"  the BKN sandbox (SIASN and e-Kinerja) holds {len(profiles)} pegawai; two differ on purpose:")
        for m in mismatches:
            self.say(f"    {m.person.nama:<18} NIP {masked(m.person.nip)}: {m.describe()}")
        return mismatches

    async def record_transfer(self, person: Person, school: School) -> None:
        """The BKD records a transfer in SIASN: the new unit, the old one kept in the pegawai's riwayat with its
        atasan (so the old part's records still match). The new unit's pejabat penilai is left unset: while the
        school's head is acting, SIASN names none (the Plt. is a tugas tambahan in Dapodik)."""
        changes = {"unorId": school.npsn, "unorNama": school.nama, "atasanNip": None}
        answer = await self.sandbox.patch(f"/admin/pegawai/{person.nip}", json=changes)
        answer.raise_for_status()
        self.say(f"  SIASN records the transfer too: {person.nama} at {school.nama}, the former unit kept in riwayat")

    # --- 2. after appraisal: what reached BKN ---

    async def wait_until_settled(self, region: Region, *, timeout: float = 60.0) -> None:
        """Until no push of the region is on its way (each one succeeded, or waits for someone's fix, or waits for
        an SKP that does)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            region_state = await self._get(f"/sinkron/wilayah/{self.kode_wilayah}")
            on_its_way = region_state["counts"].get("pending", 0) - region_state["waiting_for_skp"]
            if region_state["counts"] and on_its_way <= 0:
                return
            await asyncio.sleep(0.5)
        self.say("  (some pushes are still pending: BKN is slow today)")

    async def show_states(self, region: Region) -> None:
        region_state = await self._get(f"/sinkron/wilayah/{self.kode_wilayah}")
        self.say(
            f"  region {self.kode_wilayah}: {_counts(region_state['counts'])}; circuit {region_state['bkn']['state']}"
        )
        for school in region.schools:
            state = await self._get(f"/sinkron/sekolah/{school.npsn}")
            waiting = f"; {state['waiting_for_skp']} wait for their SKP" if state["waiting_for_skp"] else ""
            self.say(f"  {school.nama}: {_counts(state['counts'])}{waiting}")
            for failure in state["failures"]:
                self.failures.append(failure["kode"])
                self.say(f"    {failure['jumlah']} x {failure['kode']} (fixer: {failure['fixer']})")
            for pegawai in state["pegawai"]:
                if pegawai["counts"].get("failed"):
                    await self._show_failed(pegawai["pegawai_id"], pegawai["nama"])

    async def _show_failed(self, pegawai_id: str, nama: str) -> None:
        detail = await self._get(f"/sinkron/pegawai/{pegawai_id}")
        for push in detail["pushes"]:
            if push["status"] == "failed":
                failure = push["failure"]
                self.say(f"      {nama}: {push['jenis']} {push['bagian'] or push['periode']} -> {failure['kode']}")
                self.say(f"        who fixes it: {failure['fixer']}; what to do: {failure['action']}")

    # --- 3. the operator corrects the roster; the failed pushes go by themselves ---

    async def records(self, kind: str) -> list[dict[str, Any]]:
        """What BKN e-Kinerja holds (the sandbox's admin view: the real BKN has no such door)."""
        answer = await self.sandbox.get("/admin/records", params={"kind": kind})
        answer.raise_for_status()
        return answer.json()

    async def correct_roster(self, region: Region, mismatches: list[Mismatch], *, timeout: float = 60.0) -> None:
        self.held_before_correction = {r["nip"] for r in await self.records("skp")}
        self.say(
            f"  BKN holds {len(self.held_before_correction)} SKP record(s) of the region's "
            f"{len(region.people()) - 1} plans; the mismatched pegawai's are missing"
        )
        rows = []
        for m in mismatches:
            p = m.person
            row = {"nip": p.nip, "status": p.status, "nama": p.nama, "pangkat_golongan": p.golongan or "",
                   "jenjang_jabatan": p.jenjang or "", "jenis_gtk": p.jenis_gtk, "npsn": p.npsn}  # fmt: skip
            rows.append({**row, **m.correction})
        if not rows:
            return
        answer = await self.planning.post("/roster/pegawai", json=rows, headers=await self._operator_headers())
        answer.raise_for_status()
        report = answer.json()
        self.say(
            f"  the operator imports {len(rows)} corrected roster row(s): "
            f"updated {report['updated']}, errors {report['errors']}"
        )
        started = time.monotonic()
        pending = {m.person.nip: m for m in mismatches}
        while pending and time.monotonic() - started < timeout:
            for nip, m in list(pending.items()):
                # The teacher's own view: what they would see in the app.
                answer = await self.bkn_sync.get("/sinkron/saya", headers=await self._token(nip, "guru"))
                pushes = answer.json()["pushes"] if answer.status_code == 200 else []
                if pushes and all(p["status"] == "succeeded" for p in pushes):
                    attempts = sum(p["attempts"] for p in pushes)
                    self.say(
                        f"    {m.person.nama:<18} healed by itself {time.monotonic() - started:.1f} s after the "
                        f"correction: {len(pushes)} push(es) at BKN, {attempts} attempt(s) since; nobody pressed retry"
                    )
                    self.healed.add(nip)
                    del pending[nip]
            await asyncio.sleep(0.3)
        for m in pending.values():
            self.say(f"    {m.person.nama}: not healed within {timeout:.0f} s")

    async def _token(self, sub: str, *roles: str) -> dict[str, str]:
        answer = await self.issuer.post("/token", json={"sub": sub, "roles": list(roles), "wilayah": None})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _counts(counts: dict[str, int]) -> str:
    order = ("succeeded", "pending", "failed", "skipped")
    return ", ".join(f"{counts[k]} {k}" for k in order if counts.get(k)) or "nothing pushed"
