"""The penilaian of a demo region, through appraisal's public HTTP API only.

The Dinas operator sets each school's predikat organisasi; then, school by school, the principal waits until the
penilaian of each teacher whose observation cycle completed becomes ratable (appraisal learns it from observation's
`pelaksanaan.completed`, asynchronously, so this polls), rates hasil kerja and perilaku kerja with varied ratings
(so the predikat distribution is worth looking at, and sometimes departs from the school's pattern: a warning,
never a block), and finalises; the pengawas does the same for each principal. One evaluation document per school is
downloaded as PDF. The summary prints each school's predikat distribution and angka kredit, from the operator's
monitoring read model.

The services' clock must be inside the period's `penilaian` window (2024-S1: 1-30 June; 2025-T: 15 November -
31 December), e.g. `stack.set_clock(datetime.fromisoformat("2024-06-10T09:00:00+07:00"))`.

    summary = await appraise_region(stack.url("appraisal"), stack.issuer_url, region, "2024-S1")
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from tools.demo_client import CONCURRENCY, Api, each, masked, say
from tools.demo_roster import Person, Region

# (hasil kerja, perilaku kerja) by a teacher's place in the school: Sangat Baik, Baik, Baik, Butuh Perbaikan,
# Kurang, ... so every school shows a spread of predikat.
RATINGS = (
    ("di_atas", "di_atas"),
    ("sesuai", "di_atas"),
    ("sesuai", "sesuai"),
    ("di_bawah", "sesuai"),
    ("sesuai", "di_bawah"),
)
PREDIKAT_ORGANISASI = ("baik", "istimewa", "butuh_perbaikan")
UMPAN_BALIK = {
    "berorientasi_pelayanan": "Sabar mendampingi murid yang tertinggal",
    "kolaboratif": "Aktif berbagi praktik baik di komunitas belajar",
}
LABEL = {
    "sangat_baik": "Sangat Baik",
    "baik": "Baik",
    "butuh_perbaikan": "Butuh Perbaikan",
    "kurang": "Kurang",
    "sangat_kurang": "Sangat Kurang",
}


def roles(person: Person) -> tuple[str, ...]:
    return {"Kepala Sekolah": ("guru", "kepala_sekolah"), "Pengawas Sekolah": ("guru", "pengawas")}.get(
        person.jenis_gtk, ("guru",)
    )


async def _ratable(
    api: Api, atasan: Person, people: list[Person], periode: str, *, timeout: float
) -> dict[str, dict[str, Any]]:
    """The penilaian of `people` the atasan sees, by NIP, once every one is ratable or the time is up."""
    headers = await api.token(atasan.nip, *roles(atasan))
    wanted = {p.nip for p in people}
    deadline = time.monotonic() + timeout
    while True:
        items = (await api.call("GET", f"/penilaian?periode={periode}&limit=200", headers)).json()["items"]
        found = {i["pegawai"]["nip"]: i for i in items if i["pegawai"] and i["pegawai"]["nip"] in wanted}
        ready = {nip: i for nip, i in found.items() if i["status"] == "SIAP"}
        if len(ready) == len(wanted) or time.monotonic() > deadline:
            return ready
        await asyncio.sleep(0.5)


async def rate(api: Api, atasan: Person, item: dict[str, Any], ratings: tuple[str, str]) -> dict[str, Any]:
    """The atasan's two ratings, a draft until finalised; returns the rated penilaian with its ETag."""
    hasil, perilaku = ratings
    rated = await api.call(
        "PUT",
        f"/penilaian/{item['id']}/nilai",
        {**await api.token(atasan.nip, *roles(atasan)), "If-Match": f'"v{item["version"]}"'},
        json={
            "hasil_kerja": hasil,
            "perilaku_kerja": perilaku,
            "umpan_balik": UMPAN_BALIK,
            "catatan": "Lanjutkan refleksi setelah setiap observasi kelas.",
        },
    )
    return {**rated.json(), "etag": rated.headers["ETag"], "ratings": ratings}


async def finalise(api: Api, atasan: Person, person: Person, rated: dict[str, Any]) -> dict[str, Any]:
    """What the atasan sees before finalising (the school's distribution with this predikat, against its predikat
    organisasi: a warning, never a block), then the finalisation."""
    headers = await api.token(atasan.nip, *roles(atasan))
    before = (await api.call("GET", f"/penilaian/{rated['id']}/peringatan-distribusi", headers)).json()
    done = await api.call(
        "POST",
        f"/penilaian/{rated['id']}/finalisasi",
        {**headers, "If-Match": rated["etag"], "Idempotency-Key": f"final-{rated['id']}"},
    )
    final = done.json()
    ak = final["angka_kredit"]
    hasil, perilaku = rated["ratings"]
    say(
        f"    {person.nama:<18} NIP {masked(person.nip)}  hasil kerja {hasil:<8} perilaku {perilaku:<8} -> "
        f"{final['predikat']['label']:<16} ({final['predikat']['cell']})"
        + (f"  AK {ak['nilai']} (kumulatif {ak['kumulatif']})" if ak else "")
    )
    final["peringatan_sebelum_final"] = before
    return final


async def appraise_one(
    api: Api, atasan: Person, person: Person, item: dict[str, Any], ratings: tuple[str, str]
) -> dict[str, Any]:
    return await finalise(api, atasan, person, await rate(api, atasan, item, ratings))


def _prorated(region: Region, summary: dict[str, Any]) -> None:
    """The teacher who took up their jenjang during the period: the months their angka kredit counts."""
    person = region.promoted()
    finals = summary["schools"].get(person.npsn, {}).get("finals", [])
    final = next((f for f in finals if f["pegawai"]["nip"] == person.nip), None)
    ak = final and final["angka_kredit"]
    if ak:
        say(
            f"  {person.nama} (NIP {masked(person.nip)}): angka kredit for {ak['bulan']} month(s) served from "
            f"{ak['tahun_mulai']}-{ak['bulan_mulai']:02d}: {ak['nilai']}"
        )


def _warnings(final: dict[str, Any] | None) -> None:
    before = (final or {}).get("peringatan_sebelum_final") or {}
    for warning in [*before.get("urutan", []), *before.get("warnings", [])]:
        say(f"    warning seen before finalising, not a block: {warning['message']}")


async def appraise_region(
    api_base: str, issuer_url: str, region: Region, periode: str, *, concurrency: int = CONCURRENCY
) -> dict[str, Any]:
    """Rate and finalise every penilaian of the region that becomes ratable (a school's teachers `concurrency`
    at once); returns a summary by school."""
    api = Api(api_base, issuer_url)
    try:
        return await _appraise_region(api, region, periode, concurrency)
    finally:
        await api.http.aclose()
        await api.issuer.aclose()


async def _appraise_region(api: Api, region: Region, periode: str, concurrency: int) -> dict[str, Any]:
    started = time.monotonic()
    kode_wilayah = region.schools[0].kode_wilayah
    operator = await api.token(f"operator-{kode_wilayah}", "operator", wilayah=kode_wilayah)
    tahun = int(periode[:4])

    summary: dict[str, Any] = {"periode": periode, "schools": {}, "skipped": []}
    say(f"\n== Penilaian {periode}: each principal rates the teachers whose cycle completed (a draft until final) ==")
    rated_by_school: dict[str, list[tuple[Person, dict[str, Any]]]] = {}
    for number, school in enumerate(region.schools):
        assert school.kepala is not None
        kepala = school.kepala
        ready = await _ratable(api, kepala, school.guru, periode, timeout=60)
        say(f"  {school.nama}: {len(ready)} of {len(school.guru)} ratable")
        # Schools differ, so their distributions do: the later ones rate from fewer (better) patterns.
        patterns = RATINGS[: len(RATINGS) - number % 3]
        work = [(g, ready[g.nip], patterns[i % len(patterns)]) for i, g in enumerate(school.guru) if g.nip in ready]
        summary["skipped"] += [masked(g.nip) for g in school.guru if g.nip not in ready]
        rated = await each(work, lambda w, k=kepala: rate(api, k, w[1], w[2]), limit=concurrency)
        rated_by_school[school.npsn] = [(w[0], r) for w, r in zip(work, rated, strict=True)]

    # SE MenPANRB 3/2023, in the order the policy year gives (appraisal's reference/organisasi.toml): the principal
    # sends the school's results, the Dinas sets the school's predikat organisasi, the principals finalise.
    say("\n== Each principal sends the school's results to the Dinas; the Dinas sets the predikat organisasi ==")
    for index, school in enumerate(region.schools):
        assert school.kepala is not None
        ks = await api.token(school.kepala.nip, *roles(school.kepala))
        sent = await api.call(
            "POST",
            f"/sekolah/{school.npsn}/laporan-kinerja?tahun={tahun}",
            {**ks, "Idempotency-Key": f"laporan-{school.npsn}-{tahun}"},
        )
        counts = ((sent.json().get("laporan") or {}).get("counts") or {}).get(periode, {})
        value = PREDIKAT_ORGANISASI[index % len(PREDIKAT_ORGANISASI)]
        await api.call(
            "PUT",
            f"/sekolah/{school.npsn}/predikat-organisasi/{tahun}",
            operator,
            json={"predikat_organisasi": value},
        )
        shown = ", ".join(f"{LABEL.get(k, k)} {v}" for k, v in counts.items() if v) or "no rating yet"
        say(f"  {school.nama}: results sent ({shown}); predikat organisasi {value}")

    say("\n== Each principal finalises, seeing the distribution against the predikat organisasi first ==")
    for school in region.schools:
        assert school.kepala is not None
        kepala = school.kepala
        work = rated_by_school[school.npsn]
        finals = await each(work, lambda w, k=kepala: finalise(api, k, w[0], w[1]), limit=concurrency)
        _warnings(finals[-1] if finals else None)
        summary["schools"][school.npsn] = {"nama": school.nama, "finals": finals}

    _prorated(region, summary)

    say("\n== The pengawas appraises each principal (for the Dinas) ==")
    principals = [s.kepala for s in region.schools if s.kepala is not None]
    ready = await _ratable(api, region.pengawas, principals, periode, timeout=30)
    for school in region.schools:
        assert school.kepala is not None
        item = ready.get(school.kepala.nip)
        if item is None:
            summary["skipped"].append(masked(school.kepala.nip))
            continue
        final = await appraise_one(api, region.pengawas, school.kepala, item, ("sesuai", "di_atas"))
        summary["schools"][school.npsn]["finals"].append(final)
        _warnings(final)

    say("\n== The evaluation document (PDF) each teacher can download ==")
    for school in region.schools:
        first = next(iter(summary["schools"][school.npsn]["finals"]), None)
        if first is None:
            continue
        owner = next(p for p in (*school.guru, school.kepala) if p is not None and p.nip == first["pegawai"]["nip"])
        pdf = await api.call("GET", f"/penilaian/{first['id']}/dokumen", await api.token(owner.nip, *roles(owner)))
        say(f"  {school.nama}: {owner.nama}'s document, {len(pdf.content):,} bytes of {pdf.headers['content-type']}")

    say(f"\n== Monitoring {periode} (the operator's read model, built from events) ==")
    rows = (await api.call("GET", f"/monitoring?periode={periode}&tingkat=sekolah", operator)).json()["items"]
    for row in rows:
        school = summary["schools"].get(row["kode"], {"finals": []})
        total = sum((Decimal(f["angka_kredit"]["nilai"]) for f in school["finals"] if f["angka_kredit"]), Decimal(0))
        distribution = ", ".join(f"{LABEL[k]} {n}" for k, n in row["predikat"].items() if n) or "-"
        say(
            f"  {row['nama']:<20} pegawai {row['pegawai']}, planned {row['direncanakan']}, approved "
            f"{row['disetujui']}, cycle done {row['siklus_selesai']}, appraised {row['dinilai']}"
        )
        say(f"  {'':<20} predikat: {distribution}; angka kredit earned {total:.2f}")
        school.update({"monitoring": row, "angka_kredit": str(total)})
    counts = Counter(f["predikat"]["kode"] for s in summary["schools"].values() for f in s["finals"])
    summary["predikat"] = dict(counts)
    summary["appraised"] = sum(counts.values())
    if summary["skipped"]:
        say(f"  not ratable in time (cycle not completed): {len(summary['skipped'])}")
    say(f"\n  {summary['appraised']} penilaian finalised in {time.monotonic() - started:.1f} s")
    return summary
