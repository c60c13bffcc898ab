"""Bukti dukung through tus 1.0 against the real database and broker: resume, offsets, content checks, policy."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

import httpx
import pytest
from observation_world import approve, opened, settle

from observation.main import create_app
from pmm_kernel.clock import WIB

pytestmark = pytest.mark.integration
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
# A real-looking PDF of 40 kB: large enough to be cut in two, under the 64 kB limit these tests run with.
CONTENT = b"%PDF-1.4\n" + bytes(range(256)) * 156 + b"\n%%EOF\n"


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def guru_cycle(client, tokens, world, periode: str = "2024-S1"):
    school = await world.school(teachers=1)
    guru = school.guru[0]
    await approve(world, guru, atasan=school.kepala, periode=periode)
    return school, guru, await opened(client, tokens, guru, periode)


async def create(client, tokens, person, pelaksanaan_id, *, length=len(CONTENT), **meta) -> httpx.Response:
    meta = {"filename": "modul-ajar.pdf", "kategori": "modul_ajar", "tanggal_dokumen": "2024-01-15", **meta}
    meta = {k: v for k, v in meta.items() if v is not None}
    return await client.post(
        f"/api/v1/pelaksanaan/{pelaksanaan_id}/bukti/unggah",
        headers={**person.headers(tokens), **TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**meta)},
    )


async def patch(client, tokens, person, location, offset, chunk) -> httpx.Response:
    return await client.patch(
        location,
        content=chunk,
        headers={**person.headers(tokens), **TUS, "Upload-Offset": str(offset), "Content-Type": OCTETS},
    )


async def test_an_upload_interrupted_halfway_resumes_from_head_and_ends_with_the_right_sha256(
    client, tokens, world, tap, storage_dir
):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    created = await create(client, tokens, guru, cycle["id"])
    assert created.status_code == 201, created.text
    assert created.headers["Tus-Resumable"] == "1.0.0"
    location = created.headers["Location"]
    half = len(CONTENT) // 2
    first = await patch(client, tokens, guru, location, 0, CONTENT[:half])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(half)

    # The connection drops; the client asks where to go on.
    head = await client.head(location, headers={**guru.headers(tokens), **TUS})
    assert head.status_code == 200
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == (str(half), str(len(CONTENT)))
    assert head.headers["Cache-Control"] == "no-store"
    wrong = await patch(client, tokens, guru, location, 0, CONTENT)
    assert wrong.status_code == 409
    assert wrong.json()["errors"][0] == {
        "field": "Upload-Offset",
        "rule": "tus.offset_mismatch",
        "detail": wrong.json()["detail"],
    }
    assert wrong.json()["upload_offset"] == half and wrong.headers["Tus-Resumable"] == "1.0.0"

    rest = await patch(client, tokens, guru, location, half, CONTENT[half:])
    assert rest.status_code == 204, rest.text
    expected = hashlib.sha256(CONTENT).hexdigest()
    assert rest.headers["PMM-Bukti-Sha256"] == expected
    listed = (await client.get(f"/api/v1/pelaksanaan/{cycle['id']}/bukti", headers=guru.headers(tokens))).json()
    (item,) = listed["items"]
    assert (item["sha256"], item["size_bytes"], item["media_type"]) == (expected, len(CONTENT), "application/pdf")
    assert listed["bukti_count"] == 1
    file = await client.get(f"/api/v1/bukti/{item['id']}/berkas", headers=guru.headers(tokens))
    assert file.content == CONTENT and file.headers["content-type"] == "application/pdf"
    (added,) = await tap.wait("observation.bukti.added.v1", pelaksanaan_id=cycle["id"])
    assert added["data"]["sha256"] == expected and added["data"]["outside_period"] is False
    gone = await client.head(location, headers={**guru.headers(tokens), **TUS})
    assert gone.status_code == 404  # the upload became a bukti
    assert not list((storage_dir / "unggahan").glob(f"{location.rsplit('/', 1)[1]}/*"))  # its parts are gone


async def test_a_connection_that_drops_mid_chunk_keeps_what_arrived(app, client, tokens, world):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    location = (await create(client, tokens, guru, cycle["id"])).headers["Location"]
    arrived = CONTENT[:10_000]
    messages = [
        {"type": "http.request", "body": arrived[:4_000], "more_body": True},
        {"type": "http.request", "body": arrived[4_000:], "more_body": True},
        {"type": "http.disconnect"},  # the school's link is gone before the rest of the chunk
    ]

    async def receive():
        return messages.pop(0)

    async def send(message):
        pass

    headers = {**guru.headers(tokens), **TUS, "Upload-Offset": "0", "Content-Type": OCTETS}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": location,
        "raw_path": location.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("observation.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    head = await client.head(location, headers={**guru.headers(tokens), **TUS})
    assert head.headers["Upload-Offset"] == str(len(arrived))
    rest = await patch(client, tokens, guru, location, len(arrived), CONTENT[len(arrived) :])
    assert rest.headers["PMM-Bukti-Sha256"] == hashlib.sha256(CONTENT).hexdigest()


async def test_an_upload_resumes_across_a_process_restart(client, tokens, world, settings):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    location = (await create(client, tokens, guru, cycle["id"])).headers["Location"]
    assert (await patch(client, tokens, guru, location, 0, CONTENT[:7_000])).status_code == 204

    # Another process of the service (nothing shared in memory with the first): it reads the offset from the
    # database and the parts from storage.
    restarted = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://observation.test") as other:
            head = await other.head(location, headers={**guru.headers(tokens), **TUS})
            assert head.headers["Upload-Offset"] == "7000"
            rest = await patch(other, tokens, guru, location, 7_000, CONTENT[7_000:])
            assert rest.status_code == 204, rest.text
            assert rest.headers["PMM-Bukti-Sha256"] == hashlib.sha256(CONTENT).hexdigest()
    finally:
        await restarted.state.container.chassis.engine.dispose()


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("disguised.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, None),  # a Windows EXE named .pdf
        ("notes.png", b"just some text pretending to be an image", None),
        ("scan.png", CONTENT[:500], "application/pdf"),  # a PDF named .png: the content decides
        ("foto.pdf", b"\xff\xd8\xff\xe0" + b"\x00" * 300, "image/jpeg"),
        ("foto.jpg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, "image/png"),
    ],
)
async def test_the_type_is_decided_by_content_never_by_the_name(client, tokens, world, name, content, media_type):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    created = await create(client, tokens, guru, cycle["id"], length=len(content), filename=name)
    location = created.headers["Location"]
    result = await patch(client, tokens, guru, location, 0, content)
    listed = (await client.get(f"/api/v1/pelaksanaan/{cycle['id']}/bukti", headers=guru.headers(tokens))).json()
    if media_type is None:
        assert result.status_code == 422
        assert result.json()["errors"][0]["rule"] == "bukti.type_not_allowed"
        assert result.json()["errors"][0]["field"] == "file"
        assert listed["items"] == []
        # Nothing half-written survives: the upload itself is gone.
        assert (await client.head(location, headers={**guru.headers(tokens), **TUS})).status_code == 404
    else:
        assert result.status_code == 204, result.text
        assert [(i["nama_file"], i["media_type"]) for i in listed["items"]] == [(name, media_type)]


async def test_the_content_check_runs_on_the_first_bytes_not_at_the_end(client, tokens, world):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    location = (await create(client, tokens, guru, cycle["id"], filename="x.pdf")).headers["Location"]
    refused = await patch(client, tokens, guru, location, 0, b"GIF89a" + b"\x00" * 1000)  # a first chunk of 1 kB
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "bukti.type_not_allowed"


@pytest.mark.parametrize(
    ("length", "meta", "status", "field", "rule"),
    [
        (64 * 1024 + 1, {}, 413, "Upload-Length", "bukti.too_large"),
        (0, {}, 422, "Upload-Length", "bukti.empty"),
        (100, {"filename": "../../etc/passwd"}, 422, "filename", "bukti.filename_path"),
        (100, {"filename": "C:\\Users\\guru\\modul.pdf"}, 422, "filename", "bukti.filename_path"),
        (100, {"kategori": "ijazah"}, 422, "kategori", "bukti.kategori_unknown"),
        (100, {"kategori": "kosp"}, 422, "kategori", "bukti.kategori_ks_only"),
        (100, {"kategori": "sertifikat", "tanggal_dokumen": None}, 422, "tanggal_dokumen", "bukti.tanggal_required"),
        (100, {"tanggal_dokumen": None}, 422, "tanggal_dokumen", "bukti.tanggal_required"),  # a modul ajar
        (100, {"tanggal_dokumen": "31-12-2023"}, 422, "tanggal_dokumen", "bukti.tanggal_format"),
        (100, {"tanggal_dokumen": "2024-02-06"}, 422, "tanggal_dokumen", "bukti.tanggal_future"),
        (100, {"tanggal_dokumen": "2023-12-31"}, 422, "tanggal_dokumen", "bukti.tanggal_before_period"),
    ],
)
async def test_bad_upload_requests_name_the_field_and_the_rule(
    client, tokens, world, length, meta, status, field, rule
):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    refused = await create(client, tokens, guru, cycle["id"], length=length, **meta)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["rule"]) == (field, rule)


async def test_tus_headers_are_required(client, tokens, world):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    no_version = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/bukti/unggah", headers={**guru.headers(tokens), "Upload-Length": "10"}
    )
    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == "1.0.0"
    assert no_version.json()["errors"][0]["field"] == "Tus-Resumable"
    location = (await create(client, tokens, guru, cycle["id"])).headers["Location"]
    as_json = await client.patch(
        location,
        content=CONTENT,
        headers={**guru.headers(tokens), **TUS, "Upload-Offset": "0", "Content-Type": "application/pdf"},
    )
    assert as_json.status_code == 415 and as_json.json()["errors"][0]["rule"] == "tus.content_type"
    options = await client.options(f"/api/v1/pelaksanaan/{cycle['id']}/bukti/unggah")
    assert options.status_code == 204 and options.headers["Tus-Max-Size"] == str(64 * 1024)
    past_the_end = await patch(client, tokens, guru, location, 0, CONTENT + b"more")
    assert past_the_end.status_code == 413 and past_the_end.json()["errors"][0]["rule"] == "tus.beyond_length"


async def test_only_the_owner_uploads_and_sees_the_upload(client, tokens, world):
    school, guru, cycle = await guru_cycle(client, tokens, world)
    other = await world.school(teachers=1)
    as_atasan = await create(client, tokens, school.kepala, cycle["id"])
    assert as_atasan.status_code == 403
    as_stranger = await create(client, tokens, other.guru[0], cycle["id"])
    assert as_stranger.status_code == 404
    location = (await create(client, tokens, guru, cycle["id"])).headers["Location"]
    assert (await client.head(location, headers={**other.guru[0].headers(tokens), **TUS})).status_code == 404
    assert (await patch(client, tokens, school.kepala, location, 0, CONTENT)).status_code == 404


async def test_a_certificate_dated_outside_the_period_is_kept_but_flagged_and_does_not_count(
    client, tokens, world, tap
):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    for tanggal in ("2023-11-20", "2024-02-01"):
        location = (
            await create(
                client,
                tokens,
                guru,
                cycle["id"],
                kategori="sertifikat",
                filename="sertifikat.pdf",
                tanggal_dokumen=tanggal,
            )
        ).headers["Location"]
        assert (await patch(client, tokens, guru, location, 0, CONTENT)).status_code == 204
    listed = (await client.get(f"/api/v1/pelaksanaan/{cycle['id']}/bukti", headers=guru.headers(tokens))).json()
    flags = sorted((i["tanggal_dokumen"], i["outside_period"], i["counts"]) for i in listed["items"])
    assert flags == [("2023-11-20", True, False), ("2024-02-01", False, True)]
    assert listed["bukti_count"] == 1
    added = await tap.wait("observation.bukti.added.v1", pelaksanaan_id=cycle["id"], count=2)
    assert sorted(m["data"]["outside_period"] for m in added) == [False, True]


async def test_under_the_2025_policy_uploads_are_refused_and_the_atasan_confirms(client, tokens, world, set_clock, tap):
    set_clock(datetime(2025, 3, 3, 9, 0, tzinfo=WIB))
    school, guru, cycle = await guru_cycle(client, tokens, world, periode="2025-T")
    assert cycle["evidence_mode"] == "konfirmasi"
    refused = await create(client, tokens, guru, cycle["id"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["rule"] == "bukti.upload_not_in_policy"
    path = f"/api/v1/pelaksanaan/{cycle['id']}/bukti/konfirmasi"
    by_guru = await client.post(path, json={"kategori": "modul_ajar"}, headers=guru.headers(tokens))
    assert by_guru.status_code == 403
    confirmed = await client.post(
        path, json={"kategori": "modul_ajar", "catatan": "Ada di lemari arsip"}, headers=school.kepala.headers(tokens)
    )
    assert confirmed.status_code == 201, confirmed.text
    body = confirmed.json()
    assert (body["sumber"], body["media_type"], body["sha256"], body["counts"]) == ("konfirmasi", None, None, True)
    again = await client.post(path, json={"kategori": "modul_ajar"}, headers=school.kepala.headers(tokens))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    await settle()
    (added,) = await tap.wait("observation.bukti.added.v1", pelaksanaan_id=cycle["id"])
    assert added["data"]["media_type"] is None and added["data"]["kategori"] == "modul_ajar"


async def test_under_the_2024_policy_a_confirmation_is_refused(client, tokens, world):
    school, _, cycle = await guru_cycle(client, tokens, world)
    refused = await client.post(
        f"/api/v1/pelaksanaan/{cycle['id']}/bukti/konfirmasi",
        json={"kategori": "modul_ajar"},
        headers=school.kepala.headers(tokens),
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["rule"] == "bukti.confirmation_not_in_policy"


async def test_a_modul_ajar_keeps_its_document_date_and_the_earlier_metadata_name_is_read(client, tokens, world, tap):
    _, guru, cycle = await guru_cycle(client, tokens, world)
    for meta in ({"tanggal_dokumen": "2024-01-15"}, {"tanggal_dokumen": None, "tanggal": "2024-02-05"}):
        location = (await create(client, tokens, guru, cycle["id"], **meta)).headers["Location"]
        assert (await patch(client, tokens, guru, location, 0, CONTENT)).status_code == 204
    listed = (await client.get(f"/api/v1/pelaksanaan/{cycle['id']}/bukti", headers=guru.headers(tokens))).json()
    assert sorted((i["kategori"], i["tanggal_dokumen"], i["counts"]) for i in listed["items"]) == [
        ("modul_ajar", "2024-01-15", True),
        ("modul_ajar", "2024-02-05", True),
    ]
    assert listed["kategori_bertanggal"] == ["sertifikat", "modul_ajar", "kosp", "rkt", "laporan_satuan_pendidikan"]
    assert len(await tap.wait("observation.bukti.added.v1", pelaksanaan_id=cycle["id"], count=2)) == 2
