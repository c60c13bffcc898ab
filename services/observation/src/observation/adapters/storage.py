"""The `ObjectStorage` port (`observation.domain.ports`) on a local directory (default) and on S3-compatible
object storage.

Both are blocking libraries under the hood (the file system, boto3), so every call runs in a worker thread and
the event loop keeps serving other schools while a part is written.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Keys are made by the service; anything else (a traversal, an absolute path) is a bug, refused loudly.
_KEY = re.compile(r"^[a-z0-9_]+(?:/[A-Za-z0-9_.-]+)+$")


def _check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalFileStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # a part acknowledged to the client must survive a crash
        os.replace(tmp, path)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise KeyError(key) from None

    async def keys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._keys, prefix)

    def _keys(self, prefix: str) -> list[str]:
        directory = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not directory.is_dir():
            return []
        found = []
        for path in directory.rglob("*"):
            if path.is_file() and not path.name.endswith(".tmp"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(key)
        return sorted(found)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, True)


class S3Storage:
    """Any S3-compatible endpoint: MinIO in docker-compose, the cloud's object storage in production."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        bucket: str,
        region: str,
        access_key_id: str,
        secret_access_key: str,
    ) -> None:
        self.bucket = bucket
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            # Path-style addressing: MinIO and most on-premise endpoints have no per-bucket DNS names.
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}),
        )

    async def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (a fresh MinIO); an existing one is left as it is."""

        def ensure() -> None:
            try:
                self._client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                self._client.create_bucket(Bucket=self.bucket)

        await asyncio.to_thread(ensure)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._client.put_object, Bucket=self.bucket, Key=_check_key(key), Body=data)

    async def get(self, key: str) -> bytes:
        def get() -> bytes:
            try:
                return self._client.get_object(Bucket=self.bucket, Key=_check_key(key))["Body"].read()
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    raise KeyError(key) from None
                raise

        return await asyncio.to_thread(get)

    async def keys(self, prefix: str) -> list[str]:
        def keys() -> list[str]:
            found: list[str] = []
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                found.extend(item["Key"] for item in page.get("Contents", []))
            return sorted(found)

        return await asyncio.to_thread(keys)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=_check_key(key))
