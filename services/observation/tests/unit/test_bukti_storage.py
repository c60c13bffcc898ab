"""The storage port's two adapters, held to one contract: a local directory and S3 over real HTTP (moto's server)."""

from __future__ import annotations

import pytest
from moto.server import ThreadedMotoServer

from observation.adapters.storage import LocalFileStorage, S3Storage
from observation.domain.storage import bukti_key, part_key, parts_prefix


@pytest.fixture(scope="module")
def s3_endpoint():
    # A real S3 HTTP endpoint on loopback, on a port the OS picks; boto3 talks to it as to MinIO.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
async def storage(request, tmp_path, s3_endpoint):
    if request.param == "local":
        return LocalFileStorage(tmp_path / "bukti")
    s3 = S3Storage(
        endpoint_url=s3_endpoint,
        bucket=f"pmm-bukti-{tmp_path.name.replace('_', '-').lower()[-20:]}",
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test",
    )
    await s3.ensure_bucket()
    await s3.ensure_bucket()  # a bucket that exists already is left as it is
    return s3


async def test_put_get_overwrite_delete(storage):
    key = bukti_key("p1", "b1")
    await storage.put(key, b"%PDF-1")
    assert await storage.get(key) == b"%PDF-1"
    await storage.put(key, b"%PDF-2")
    assert await storage.get(key) == b"%PDF-2"
    await storage.delete(key)
    await storage.delete(key)  # deleting what is not there is no error
    with pytest.raises(KeyError):
        await storage.get(key)


async def test_parts_list_in_offset_order_under_their_upload_only(storage):
    for offset in (20_000, 0, 5, 100):
        await storage.put(part_key("u1", offset), str(offset).encode())
    await storage.put(part_key("u2", 0), b"other upload")
    keys = await storage.keys(parts_prefix("u1"))
    assert keys == [part_key("u1", o) for o in (0, 5, 100, 20_000)]
    assert [await storage.get(k) for k in keys] == [b"0", b"5", b"100", b"20000"]
    assert await storage.keys(parts_prefix("nothing")) == []


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "bukti/../../x", "bukti", "Bukti/x y"])
async def test_keys_that_are_not_the_services_own_are_refused(storage, key):
    with pytest.raises(ValueError):
        await storage.put(key, b"x")
