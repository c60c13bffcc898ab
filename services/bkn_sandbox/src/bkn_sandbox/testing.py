"""The sandbox as a real process for tests: started with uvicorn on a free port, stopped and restarted at will
(an outage that refuses connections), and an admin client for its knobs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ADMIN_KEY = "sandbox-admin"
CLIENT_ID = "pmm-bkn-sync"
CLIENT_SECRET = "sandbox-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxProcess:
    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        log_file: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.env = env or {}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file or data_dir / "sandbox.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 20.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "BKN_SANDBOX_DATA_DIR": str(self.data_dir),
            "BKN_SANDBOX_ADMIN_KEY": ADMIN_KEY,
            "BKN_SANDBOX_CLIENT_ID": CLIENT_ID,
            "BKN_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
            **self.env,
        }
        uvicorn = str(Path(sys.executable).parent / "uvicorn")
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                [uvicorn, "bkn_sandbox.main:create_app", "--factory", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the sandbox exited at start; see {self.log_file}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the sandbox did not become ready within {timeout} s; see {self.log_file}")

    def stop(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        os.killpg(self._proc.pid, signal.SIGTERM)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def admin(self) -> SandboxAdmin:
        return SandboxAdmin(self.url)


class SandboxAdmin:
    """The /admin knobs, for tests and the demo."""

    def __init__(self, url: str, admin_key: str = ADMIN_KEY) -> None:
        self.http = httpx.AsyncClient(base_url=url, headers={"X-Sandbox-Admin": admin_key}, timeout=10)

    async def __aenter__(self) -> SandboxAdmin:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    async def seed(self, profiles: list[dict[str, Any]], *, tahun: list[int] | None = None, reset: bool = True) -> None:
        await self._call("POST", "/admin/seed", json={"profil": profiles, "tahun": tahun, "reset": reset})

    async def faults(self, **config: Any) -> dict[str, Any]:
        return await self._call("PUT", "/admin/faults", json=config)

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/admin/faults")

    async def change_pegawai(self, nip: str, **changes: Any) -> dict[str, Any]:
        return await self._call("PATCH", f"/admin/pegawai/{nip}", json=changes)

    async def edit_skp(self, nip: str, skp: dict[str, Any]) -> dict[str, Any]:
        return await self._call("PUT", f"/admin/skp/{nip}", json=skp)

    async def records(self, *, nip: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("nip", nip), ("kind", kind)) if v is not None}
        return await self._call("GET", "/admin/records", params=params)

    async def delete_record(self, kind: str, nip: str, periode_key: str) -> None:
        await self._call("DELETE", f"/admin/records/{kind}/{nip}/{periode_key}")

    async def expire_tokens(self) -> int:
        return (await self._call("POST", "/admin/tokens/expire"))["expired"]

    async def stats(self) -> dict[str, int]:
        return await self._call("GET", "/admin/stats")

    async def set_periode(self, tahun: list[int]) -> None:
        await self._call("PUT", "/admin/periode", json=tahun)
