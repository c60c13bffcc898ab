"""The cycles the chaos run drives, through the public HTTP APIs only, many teachers at once.

Policy 2025 (annual period 2025-T), in three phases on the services' clock, as the demo does:
plan (each pegawai drafts, submits; the atasan approves) -> pelaksanaan (the five steps of the observation cycle,
documents confirmed by the atasan) -> penilaian (rated and finalised); bkn_sync pushes to the BKN sandbox as the
events arrive. Every pegawai but the pengawas runs a whole cycle: teachers under their principal, principals
under the pengawas.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from chaos.client import Client, StepFailed, moved_past, problem_extra
from tools.demo import skp_steps
from tools.demo_roster import Person, Region

PERIODE = "2025-T"
PLAN_AT = datetime.fromisoformat("2025-01-16T09:00:00+07:00")
PELAKSANAAN_AT = datetime.fromisoformat("2025-02-05T09:00:00+07:00")
PENILAIAN_AT = datetime.fromisoformat("2025-11-20T09:00:00+07:00")
DOKUMEN_KS = ("kosp", "rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru")
NILAI = ("efektif", "belum_efektif", "efektif", "belum_dilakukan", "efektif")
RATINGS = (("di_atas", "di_atas"), ("sesuai", "di_atas"), ("sesuai", "sesuai"), ("di_bawah", "sesuai"))
UMPAN_BALIK = {"kolaboratif": "Aktif berbagi praktik baik"}
OPEN_TIMEOUT_S = 900.0


def roles(person: Person) -> tuple[str, ...]:
    return {"Kepala Sekolah": ("guru", "kepala_sekolah"), "Pengawas Sekolah": ("guru", "pengawas")}.get(
        person.jenis_gtk, ("guru",)
    )


class Driver:
    def __init__(
        self, urls: dict[str, str], issuer: str, region: Region, *, concurrency: int, set_clock: Callable, seed: int
    ) -> None:
        self.stats: Counter[str] = Counter()
        self.clients = {name: Client(url, issuer, self.stats, seed=seed) for name, url in urls.items()}
        self.region = region
        self.pairs = region.appraisals()
        self.concurrency = concurrency
        self.set_clock = set_clock
        self.phase = "setup"
        self.failures: list[str] = []
        self.phase_seconds: dict[str, float] = {}

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()

    async def h(self, service: str, person: Person) -> dict[str, str]:
        return await self.clients[service].token(person.nip, *roles(person))

    async def _each(self, name: str, work: Callable[[Person, Person], Awaitable[None]]) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(pegawai: Person, atasan: Person) -> None:
            async with gate:
                try:
                    await work(pegawai, atasan)
                    self.stats[f"{name} done"] += 1
                except (StepFailed, httpx.HTTPError, KeyError, ValueError) as exc:
                    self.stats[f"{name} failed"] += 1
                    self.failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")

        await asyncio.gather(*(one(p, a) for p, a in self.pairs))

    async def run(self) -> None:
        for phase, work in (("roster", self.roster), ("plan", self.plans), ("pelaksanaan", self.cycles),
                            ("penilaian", self.penilaian)):  # fmt: skip
            self.phase = phase
            started = time.monotonic()
            await work()
            self.phase_seconds[phase] = round(time.monotonic() - started, 1)
        self.phase = "settling"

    # --- roster -----------------------------------------------------------------------------------

    async def roster(self) -> None:
        self.set_clock(PLAN_AT)
        planning = self.clients["planning"]
        operator = await planning.token("operator-3273", "operator", wilayah="3273")
        for kind, text in (("sekolah", self.region.sekolah_csv()), ("pegawai", self.region.pegawai_csv()),
                           ("relasi", self.region.relasi_csv())):  # fmt: skip
            # An import is an upsert by key: sending it again after a lost answer changes nothing.
            report = await planning.send(
                "POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text
            )
            errors = report.json()["errors"]
            if errors:
                raise StepFailed(f"roster {kind}: {errors[:3]}")

    # --- plan ---------------------------------------------------------------------------------------

    async def plans(self) -> None:
        await self._each("plan", self.plan_one)

    async def plan_one(self, pegawai: Person, atasan: Person) -> None:
        api = self.clients["planning"]
        h = await self.h("planning", pegawai)

        async def existing(answer: httpx.Response) -> httpx.Response | None:
            skp_id = problem_extra(answer, "skp_id")
            return await api.get(f"/skp/{skp_id}", h) if skp_id else None

        created = await api.send(
            "POST", "/skp", {**h, "Idempotency-Key": f"create-{pegawai.nip}"}, json={"periode": PERIODE},
            reconcile=existing,
        )  # fmt: skip
        skp_id, etag = created.json()["id"], created.headers["ETag"]
        path = f"/skp/{skp_id}"
        if created.json()["status"] in ("DIAJUKAN", "DISETUJUI"):
            raise StepFailed("a fresh plan is already submitted")
        rekomendasi = (await api.get("/katalog/indikator/rekomendasi", h)).json()["items"][0]["kode"]
        for step, body in skp_steps(rekomendasi):
            etag = await self._put("planning", f"{path}/{step}", h, etag, body)
        etag = await self._post("planning", f"{path}/submit", h, etag, key=f"submit-{skp_id}")
        ha = await self.h("planning", atasan)
        await self._post("planning", f"{path}/approve", ha, etag, key=f"approve-{skp_id}", read_as=ha)

    async def _put(self, service: str, path: str, h: dict[str, str], etag: str, body: Any, *, read: str = "") -> str:
        api = self.clients[service]
        sent = int(etag.strip('"v'))
        answer = await api.send(
            "PUT", path, {**h, "If-Match": etag}, json=body, reconcile=moved_past(api, read or _resource(path), h, sent)
        )
        return answer.headers["ETag"]

    async def _post(
        self, service: str, path: str, h: dict[str, str], etag: str, *, key: str, body: Any = None,
        read_as: dict[str, str] | None = None,
    ) -> str:  # fmt: skip
        api = self.clients[service]
        sent = int(etag.strip('"v'))
        answer = await api.send(
            "POST", path, {**h, "If-Match": etag, "Idempotency-Key": key}, json=body,
            reconcile=moved_past(api, _resource(path), read_as or h, sent),
        )  # fmt: skip
        return answer.headers["ETag"]

    # --- pelaksanaan ---------------------------------------------------------------------------------

    async def cycles(self) -> None:
        self.set_clock(PELAKSANAAN_AT)
        self.opened: dict[str, dict[str, Any]] = {}
        atasan = {a.nip: a for _, a in self.pairs}
        for person in atasan.values():
            expected = sum(1 for _, a in self.pairs if a.nip == person.nip)
            await self._wait_opened(person, expected)
        await self._each("pelaksanaan", self.cycle_one)

    async def _wait_opened(self, atasan: Person, expected: int) -> None:
        api = self.clients["observation"]
        h = await self.h("observation", atasan)
        deadline = time.monotonic() + OPEN_TIMEOUT_S
        while True:
            page = (await api.get("/tim/pelaksanaan", h, params={"periode": PERIODE, "limit": 100})).json()
            opened = {i["pegawai"]["nip"]: i for i in page["items"] if i["pelaksanaan_id"]}
            if len(opened) >= expected or time.monotonic() > deadline:
                self.opened.update(opened)
                self.hari_ini = date.fromisoformat(page["hari_ini"])
                return
            await asyncio.sleep(1.0)

    async def cycle_one(self, guru: Person, atasan: Person) -> None:
        item = self.opened.get(guru.nip)
        if item is None:
            raise StepFailed("no pelaksanaan opened for an approved plan")
        api = self.clients["observation"]
        pid, closes = item["pelaksanaan_id"], date.fromisoformat(item["window_closes"])
        base = f"/pelaksanaan/{pid}"
        hg, ha = await self.h("observation", guru), await self.h("observation", atasan)
        current = await api.get(base, hg)
        cycle, etag = current.json(), current.headers["ETag"]
        indikator = cycle["indikator"]
        jadwal = min(self.hari_ini + timedelta(days=7), closes)
        etag = await self._put("observation", f"{base}/persiapan", hg, etag, {
            "target_perilaku": indikator["perilaku_dianjurkan"][:2],
            "upaya": "Menyiapkan LKPD berdiferensiasi", "jadwal": jadwal.isoformat()})  # fmt: skip
        etag = await self._post("observation", f"{base}/persiapan/setujui", ha, etag, key=f"setujui-{pid}")
        behaviours = [*indikator["perilaku_dianjurkan"], *indikator["perilaku_dihindari"]]
        items = [
            {"perilaku": p, "nilai": NILAI[i % len(NILAI)], "catatan": "Terlihat"} for i, p in enumerate(behaviours)
        ]
        # The lesson was agreed for a later day and is observed today: the atasan says why it moved (docs/domain.md
        # §5; without a reason an observation before the agreed day is refused).
        etag = await self._put("observation", f"{base}/observasi", ha, etag,
                               {"mode": "langsung", "items": items, "catatan": "Murid aktif",
                                "alasan_pindah": "Jadwal dimajukan karena rapat dinas"})  # fmt: skip
        etag = await self._put("observation", f"{base}/diskusi/atasan", ha, etag, {
            "catatan": "Pertahankan", "tujuan": "Umpan balik tertulis", "langkah": "Rubrik sederhana",
            "jadwal": min(jadwal + timedelta(days=14), closes).isoformat()})  # fmt: skip
        etag = await self._put("observation", f"{base}/diskusi/guru", hg, etag, {"catatan": "Saya coba rubrik"})
        today = self.hari_ini.isoformat()
        etag = await self._put("observation", f"{base}/upaya", hg, etag, {"upaya": [
            {"deskripsi": "Pelatihan mandiri", "tempat": "platform", "tanggal": today},
            {"deskripsi": "Komunitas belajar", "tempat": "luar_platform", "tanggal": today}]})  # fmt: skip
        for kategori in ["modul_ajar", *(DOKUMEN_KS if guru.jenis_gtk == "Kepala Sekolah" else ())]:
            # One bukti per kategori: confirming again answers 200 with the same one, so a plain retry is safe.
            await api.send("POST", f"{base}/bukti/konfirmasi", ha, json={"kategori": kategori})
        await self._put("observation", f"{base}/refleksi", hg, etag, {"refleksi": "Umpan balik tertulis membantu."})

    # --- penilaian ---------------------------------------------------------------------------------

    async def penilaian(self) -> None:
        self.set_clock(PENILAIAN_AT)
        api = self.clients["appraisal"]
        operator = await api.token("operator-3273", "operator", wilayah="3273")
        for school in self.region.schools:
            # SE MenPANRB 3/2023 as the 2025 policy orders it: the school's results go to the Dinas first. One
            # Idempotency-Key, so a retried report is answered as the first.
            assert school.kepala is not None
            ks = {**await api.token(school.kepala.nip, *roles(school.kepala)), "Idempotency-Key": f"lap-{school.npsn}"}
            await api.send("POST", f"/sekolah/{school.npsn}/laporan-kinerja?tahun=2025", ks)
            await api.send("PUT", f"/sekolah/{school.npsn}/predikat-organisasi/2025", operator,
                           json={"predikat_organisasi": "baik"})  # fmt: skip
        self.ratable: dict[str, dict[str, Any]] = {}
        for atasan in {a.nip: a for _, a in self.pairs}.values():
            wanted = {p.nip for p, a in self.pairs if a.nip == atasan.nip}
            await self._wait_ratable(atasan, wanted)
        await self._each("penilaian", self.appraise_one)

    async def _wait_ratable(self, atasan: Person, wanted: set[str]) -> None:
        api = self.clients["appraisal"]
        h = await self.h("appraisal", atasan)
        deadline = time.monotonic() + OPEN_TIMEOUT_S
        while True:
            items = (await api.get("/penilaian", h, params={"periode": PERIODE, "limit": 200})).json()["items"]
            ready = {i["pegawai"]["nip"]: i for i in items if i["pegawai"] and i["pegawai"]["nip"] in wanted
                     and i["status"] == "SIAP"}  # fmt: skip
            if len(ready) == len(wanted) or time.monotonic() > deadline:
                self.ratable.update(ready)
                return
            await asyncio.sleep(1.0)

    async def appraise_one(self, pegawai: Person, atasan: Person) -> None:
        item = self.ratable.get(pegawai.nip)
        if item is None:
            raise StepFailed("penilaian never became ratable")
        h = await self.h("appraisal", atasan)
        hasil, perilaku = RATINGS[int(pegawai.nip[-3:]) % len(RATINGS)]
        path = f"/penilaian/{item['id']}"
        etag = await self._put("appraisal", f"{path}/nilai", h, f'"v{item["version"]}"', {
            "hasil_kerja": hasil, "perilaku_kerja": perilaku, "umpan_balik": UMPAN_BALIK,
            "catatan": "Lanjutkan refleksi."}, read=path)  # fmt: skip
        await self._post("appraisal", f"{path}/finalisasi", h, etag, key=f"final-{item['id']}")


def _resource(path: str) -> str:
    """The resource a step writes to: /skp/{id}/submit -> /skp/{id}."""
    parts = path.split("/")
    return "/".join(parts[:3])
