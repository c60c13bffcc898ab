"""The observation cycle of a demo region, through observation's public HTTP API only.

For every pegawai of the region whose plan is approved (their pelaksanaan opens from planning's `skp.approved`,
asynchronously, so this waits for it), the five steps run with each party's own token: the guru prepares and
proposes a date, the atasan agrees (or, once per school, proposes another date the guru accepts), observes and
fills the rubric, both write the diskusi, the guru records efforts, bukti dukung are added (uploaded under a
policy with uploads, with ONE upload dropped after its first chunk and resumed from the offset HEAD reports;
confirmed by the atasan otherwise), and the guru's refleksi completes the cycle.

The services' clock must be inside the period's `pelaksanaan` window (2024-S1: 1 February - 30 May; 2025-T:
1 February - 31 October), e.g. `stack.set_clock(datetime.fromisoformat("2024-02-05T09:00:00+07:00"))`.

    summary = await run_cycles(stack.url("observation"), stack.issuer_url, region, "2024-S1")
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any

import httpx

from tools.demo_client import CONCURRENCY, Api, DemoStepFailed, each, masked, say
from tools.demo_roster import Person, Region

TUS = {"Tus-Resumable": "1.0.0"}
NILAI = ("efektif", "belum_efektif", "efektif", "belum_dilakukan", "efektif")
DOKUMEN_KS = ("kosp", "rkt", "laporan_satuan_pendidikan", "rangkuman_kehadiran_guru")
CHUNK = 16 * 1024


def roles(person: Person) -> tuple[str, ...]:
    return {"Kepala Sekolah": ("guru", "kepala_sekolah"), "Pengawas Sekolah": ("guru", "pengawas")}.get(
        person.jenis_gtk, ("guru",)
    )


def fake_pdf(title: str, size: int) -> bytes:
    """A small PDF-looking file: the service checks the magic bytes, the demo needs no real document."""
    body = f"%PDF-1.4\n% {title}\n".encode()
    filler = hashlib.sha256(title.encode()).digest() * (size // 32 + 1)
    return body + filler[: max(0, size - len(body) - 6)] + b"\n%%EOF"


class Cycles:
    def __init__(self, api: Api, periode: str) -> None:
        self.api = api
        self.periode = periode

    async def h(self, person: Person) -> dict[str, str]:
        return await self.api.token(person.nip, *roles(person))

    async def call(self, method: str, path: str, person: Person, **kwargs: Any) -> httpx.Response:
        response = await self.api.http.request(
            method, path, headers={**await self.h(person), **kwargs.pop("headers", {})}, **kwargs
        )
        if response.status_code >= 400:
            raise DemoStepFailed(f"{method} {path} -> {response.status_code} {response.text}")
        return response

    async def team(self, atasan: Person) -> dict[str, Any]:
        params = {"periode": self.periode, "limit": 100}
        response = await self.api.http.get("/tim/pelaksanaan", params=params, headers=await self.h(atasan))
        if response.status_code == 404 and "periode.unknown" in response.text:
            raise DemoStepFailed(
                f"observation does not know period {self.periode}: planning publishes periode.opened when it starts, "
                "and observation's queue must exist by then (start observation before planning)"
            )
        if response.status_code >= 400:
            raise DemoStepFailed(f"GET /tim/pelaksanaan -> {response.status_code} {response.text}")
        return response.json()

    async def wait_opened(self, atasan: Person, expected: int, deadline: float) -> dict[str, Any]:
        """The atasan's list once every expected pegawai has a cycle (or the deadline passed)."""
        while True:
            page = await self.team(atasan)
            opened = [i for i in page["items"] if i["pelaksanaan_id"]]
            if len(opened) >= expected or time.monotonic() > deadline:
                return page
            await asyncio.sleep(0.25)


async def _dropping_body(first: bytes) -> AsyncIterator[bytes]:
    yield first
    await asyncio.sleep(0.3)  # let the first chunk reach the server before the line drops
    raise ConnectionResetError("simulated drop of the school's connection")


async def run_cycles(
    api_base: str,
    issuer_url: str,
    region: Region,
    periode: str,
    *,
    resumed_upload: bool = True,
    concurrency: int = CONCURRENCY,
    verbose: bool | None = None,
) -> dict[str, Any]:
    """Every cycle of the region, `concurrency` at once; each cycle's steps are printed together when it ends
    (all of them if `verbose`, which is the default for a small region; else a line per cycle)."""
    started = time.monotonic()
    api = Api(api_base, issuer_url)
    cycles = Cycles(api, periode)
    summary: dict[str, Any] = {"periode": periode, "completed": [], "skipped": [], "resumed_upload": None}
    pairs: list[tuple[Person, Person]] = []  # (pegawai, atasan)
    for school in region.schools:
        assert school.kepala is not None
        pairs += [(guru, school.kepala) for guru in school.guru]
        pairs.append((school.kepala, region.pengawas))

    say(f"\n== Pelaksanaan {periode}: waiting for the approved plans to open their cycles (skp.approved) ==")
    deadline = time.monotonic() + 30
    by_atasan: dict[str, dict[str, Any]] = {}
    for atasan in {a.nip: a for _, a in pairs}.values():
        expected = sum(1 for _, a in pairs if a.nip == atasan.nip)
        page = await cycles.wait_opened(atasan, expected, deadline)
        by_atasan[atasan.nip] = page
    hari_ini = date.fromisoformat(next(iter(by_atasan.values()))["hari_ini"])
    say(f"  the services' day is {hari_ini.isoformat()}")

    if verbose is None:
        verbose = len(pairs) <= 12
    # Who does something special is decided up front, so the cycles can run side by side: the first guru of each
    # school gets a counter-proposed date, the first guru of the region (under an upload policy) a dropped upload.
    planned: list[tuple[Person, Person, dict[str, Any], bool, bool]] = []
    counter_proposed: set[str] = set()
    for pegawai, atasan in pairs:
        page = by_atasan[atasan.nip]
        item = next((i for i in page["items"] if i["pegawai"]["nip"] == pegawai.nip), None)
        if item is None or item["pelaksanaan_id"] is None:
            say(f"  {pegawai.nama:<18} NIP {masked(pegawai.nip)}: no approved plan, no cycle")
            summary["skipped"].append(pegawai.nip)
            continue
        guru = pegawai.jenis_gtk != "Kepala Sekolah"
        counter = guru and pegawai.npsn not in counter_proposed
        if counter:
            counter_proposed.add(pegawai.npsn)
        resume = resumed_upload and guru and not any(r for *_, r in planned)
        planned.append((pegawai, atasan, item, counter, resume))

    async def cycle(plan: tuple[Person, Person, dict[str, Any], bool, bool]) -> dict[str, Any] | None:
        pegawai, atasan, item, counter, resume = plan
        lines: list[str] = []
        closes = date.fromisoformat(item["window_closes"])
        resumed = await one_cycle(
            cycles, pegawai, atasan, item["pelaksanaan_id"], hari_ini, closes, counter=counter, resume=resume,
            note=lines.append,
        )  # fmt: skip
        for line in lines if verbose or counter or resumed is not None else lines[-1:]:
            say(line)
        summary["completed"].append(item["pelaksanaan_id"])
        return resumed

    for resumed in await each(planned, cycle, limit=concurrency):
        if resumed is not None:
            summary["resumed_upload"] = resumed
    summary["seconds"] = round(time.monotonic() - started, 1)
    say(f"\n  {len(summary['completed'])} cycle(s) completed, {len(summary['skipped'])} without an approved plan")
    await api.http.aclose()
    await api.issuer.aclose()
    return summary


async def one_cycle(
    cycles: Cycles,
    guru: Person,
    atasan: Person,
    pid: str,
    hari_ini: date,
    closes: date,
    *,
    counter: bool,
    resume: bool,
    note: Callable[[str], None] = say,
) -> dict[str, Any] | None:
    call, base = cycles.call, f"/pelaksanaan/{pid}"
    who = f"  {guru.nama:<18} NIP {masked(guru.nip)}"
    current = await call("GET", base, guru)
    cycle, etag = current.json(), current.headers["ETag"]
    indikator = cycle["indikator"]
    jadwal = min(hari_ini + timedelta(days=7), closes)

    r = await call(
        "PUT",
        f"{base}/persiapan",
        guru,
        headers={"If-Match": etag},
        json={
            "target_perilaku": indikator["perilaku_dianjurkan"][:2],
            "upaya": "Menyiapkan LKPD berdiferensiasi dan rubrik umpan balik",
            "jadwal": jadwal.isoformat(),
        },
    )
    if counter:
        other = min(jadwal + timedelta(days=2), closes)
        r = await call(
            "POST",
            f"{base}/persiapan/jadwal-lain",
            atasan,
            headers={"If-Match": r.headers["ETag"]},
            json={"jadwal": other.isoformat(), "catatan": "Ada rapat dinas pada tanggal usulan"},
        )
        r = await call("POST", f"{base}/persiapan/terima", guru, headers={"If-Match": r.headers["ETag"]})
        note(f"{who} 1 persiapan: proposed {jadwal}, the atasan proposed {other}, accepted")
    else:
        r = await call("POST", f"{base}/persiapan/setujui", atasan, headers={"If-Match": r.headers["ETag"]})
        targets = len(indikator["perilaku_dianjurkan"][:2])
        note(f"{who} 1 persiapan: {targets} target behaviours, lesson on {jadwal} agreed")

    behaviours = [*indikator["perilaku_dianjurkan"], *indikator["perilaku_dihindari"]]
    items = [
        {"perilaku": p, "nilai": NILAI[i % len(NILAI)], "catatan": "Terlihat saat kegiatan inti"}
        for i, p in enumerate(behaviours)
    ]
    r = await call(
        "PUT",
        f"{base}/observasi",
        atasan,
        headers={"If-Match": r.headers["ETag"]},
        # The lesson was agreed for a later day, and the demo observes it today: the atasan says why it moved
        # (docs/domain.md §5).
        json={
            "mode": "langsung",
            "items": items,
            "catatan": "Murid aktif berdiskusi",
            "alasan_pindah": "Jadwal dimajukan karena guru bertugas pada tanggal yang disepakati",
        },
    )
    ringkasan = r.json()["observasi"]["ringkasan"]
    note(f"{who} 2 observasi by the atasan: {ringkasan}")

    r = await call(
        "PUT",
        f"{base}/diskusi/atasan",
        atasan,
        headers={"If-Match": r.headers["ETag"]},
        json={
            "catatan": "Pertahankan pembukaan yang jelas",
            "tujuan": "Umpan balik tertulis untuk setiap kelompok",
            "langkah": "Menyusun rubrik sederhana dan mencobanya dua kali",
            "jadwal": min(jadwal + timedelta(days=14), closes).isoformat(),
        },
    )
    r = await call(
        "PUT",
        f"{base}/diskusi/guru",
        guru,
        headers={"If-Match": r.headers["ETag"]},
        json={"catatan": "Saya akan mencoba rubrik pada kelas paralel"},
    )
    note(f"{who} 3 diskusi: notes from both, follow-up agreed")

    r = await call(
        "PUT",
        f"{base}/upaya",
        guru,
        headers={"If-Match": r.headers["ETag"]},
        json={
            "upaya": [
                {
                    "deskripsi": "Pelatihan mandiri: asesmen formatif",
                    "tempat": "platform",
                    "tanggal": hari_ini.isoformat(),
                },
                {
                    "deskripsi": "Diskusi komunitas belajar sekolah",
                    "tempat": "luar_platform",
                    "tanggal": hari_ini.isoformat(),
                },
            ]
        },
    )
    note(f"{who} 4 upaya: 2 efforts recorded")
    etag = r.headers["ETag"]

    resumed = await add_evidence(cycles, guru, atasan, pid, r.json(), who, resume=resume, tanggal=hari_ini, note=note)

    r = await call(
        "PUT",
        f"{base}/refleksi",
        guru,
        headers={"If-Match": etag},
        json={"refleksi": "Umpan balik tertulis membuat murid lebih cepat memperbaiki pekerjaannya; saya lanjutkan."},
    )
    note(f"{who} 5 refleksi: the cycle is {r.json()['tahap']} ({r.json()['bukti_count']} bukti counted)")
    return resumed


async def add_evidence(
    cycles: Cycles,
    guru: Person,
    atasan: Person,
    pid: str,
    cycle: dict[str, Any],
    who: str,
    *,
    resume: bool,
    tanggal: date,
    note: Callable[[str], None] = say,
) -> dict[str, Any] | None:
    """The period's evidence; an uploaded document is dated the day it is uploaded (`tanggal_dokumen`)."""
    kategori = ["modul_ajar", *(DOKUMEN_KS if guru.jenis_gtk == "Kepala Sekolah" else ())]
    if cycle["evidence_mode"] == "konfirmasi":
        for k in kategori:
            await cycles.call("POST", f"/pelaksanaan/{pid}/bukti/konfirmasi", atasan, json={"kategori": k})
        note(f"{who}   bukti: the atasan confirmed {len(kategori)} document(s) exist at school (no uploads: policy)")
        return None
    resumed = None
    for index, k in enumerate(kategori):
        content = fake_pdf(f"{k} {guru.nip[-4:]}", 48 * 1024 if index == 0 and resume else 3 * 1024)
        if index == 0 and resume:
            resumed = await resumable_upload(cycles, guru, pid, k, content, who, tanggal=tanggal, note=note)
        else:
            await upload(cycles, guru, pid, k, content, tanggal=tanggal)
    if resumed is None:
        note(f"{who}   bukti: {len(kategori)} PDF(s) uploaded, checked by content")
    return resumed


def _metadata(kategori: str, tanggal: date) -> str:
    values = {"filename": f"{kategori}.pdf", "kategori": kategori, "tanggal_dokumen": tanggal.isoformat()}
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def _create(cycles: Cycles, guru: Person, pid: str, kategori: str, size: int, tanggal: date) -> str:
    created = await cycles.call(
        "POST",
        f"/pelaksanaan/{pid}/bukti/unggah",
        guru,
        headers={**TUS, "Upload-Length": str(size), "Upload-Metadata": _metadata(kategori, tanggal)},
    )
    return created.headers["Location"].removeprefix("/api/v1")


async def upload(cycles: Cycles, guru: Person, pid: str, kategori: str, content: bytes, *, tanggal: date) -> str:
    location = await _create(cycles, guru, pid, kategori, len(content), tanggal)
    done = await cycles.call(
        "PATCH",
        location,
        guru,
        content=content,
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    return done.headers["PMM-Bukti-Sha256"]


async def resumable_upload(
    cycles: Cycles,
    guru: Person,
    pid: str,
    kategori: str,
    content: bytes,
    who: str,
    *,
    tanggal: date,
    note: Callable[[str], None] = say,
) -> dict[str, Any]:
    """The first chunk goes out, the connection drops mid-request; HEAD says where to go on; the rest follows."""
    location = await _create(cycles, guru, pid, kategori, len(content), tanggal)
    headers = {**await cycles.h(guru), **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    try:
        await cycles.api.http.patch(location, content=_dropping_body(content[:CHUNK]), headers=headers)
    except (httpx.HTTPError, ConnectionResetError):
        pass  # the drop is the point
    offset = 0
    for _ in range(20):  # the server stores what arrived once it notices the disconnect
        head = await cycles.call("HEAD", location, guru, headers=TUS)
        offset = int(head.headers["Upload-Offset"])
        if offset:
            break
        await asyncio.sleep(0.1)
    done = await cycles.call(
        "PATCH",
        location,
        guru,
        content=content[offset:],
        headers={**TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
    )
    sha256 = done.headers["PMM-Bukti-Sha256"]
    expected = hashlib.sha256(content).hexdigest()
    if sha256 != expected:
        raise DemoStepFailed(f"the resumed upload's SHA-256 {sha256} is not the file's {expected}")
    note(
        f"{who}   bukti: {kategori}.pdf ({len(content)} bytes) dropped after the first chunk; HEAD said offset "
        f"{offset}; resumed from there; SHA-256 {sha256[:16]}... matches the file"
    )
    return {"pelaksanaan_id": pid, "size": len(content), "offset_after_drop": offset, "sha256": sha256}
