"""Page tests: the portal and every service as uvicorn processes on a stack of their own (its own databases,
vhost and ports), a demo region's roster imported, driven with httpx as a browser without JavaScript would.

Each test module gets a fresh stack (the services' clock only moves forward, and each module moves it through the
period as its story needs). `PMM_PORTAL_TEST_OFFSET` shifts the ports when two such runs share a machine.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from pmm_testkit import drop_vhost
from tools.demo import CLOCK_BY_POLICY, start_fresh
from tools.demo_client import Api
from tools.demo_roster import Person, Region, demo_region
from tools.stack import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[4]
OFFSET = int(os.environ.get("PMM_PORTAL_TEST_OFFSET", "700"))
KODE_WILAYAH = "3273"
# Small pools: a page test is one user at a time, and PostgreSQL's 100 connections are shared with other stacks.
SMALL = {f"{p}_DB_POOL_SIZE": "2" for p in ("PLANNING", "OBSERVATION", "APPRAISAL", "BKN_SYNC")} | {
    "BKN_SYNC_PUSH_POLL_SECONDS": "0.2",
    "OTEL_BSP_SCHEDULE_DELAY": "200",
}

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="([^"]+)"')


@dataclass
class World:
    """A running stack with one demo region imported (1 school, 3 teachers, its principal, a pengawas)."""

    stack: Stack
    region: Region
    api: Api
    periode: str

    @property
    def portal(self) -> str:
        return self.stack.url("portal")

    @property
    def school(self):
        return self.region.schools[0]

    def at(self, when: datetime) -> None:
        self.stack.set_clock(when)


def module_stack(request, tmp_path_factory, kind: str) -> Iterator[Stack]:
    """A fresh stack for one test module: its own databases, vhost and run directory (`_<kind>_<module>`), so a
    failure in one leaves nothing behind for the next, and its vhost deleted at the end (its quorum queues hold
    files open in the broker)."""
    name = re.sub(r"[^a-z0-9_]", "_", request.module.__name__.rsplit(".", 1)[-1].lower())[:20]
    stack = Stack(
        ROOT,
        run_dir=tmp_path_factory.mktemp(f"portal-{kind}-{name}"),
        db_suffix=f"_{kind}_{name}",
        port_offset=OFFSET,
        extra_env={**SMALL, "PLANNING_OPEN_YEARS": "[2024]"},
    )
    start_fresh(stack, CLOCK_BY_POLICY[2024][0])
    yield stack
    stack.down()
    drop_vhost(stack.vhost)


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    yield from module_stack(request, tmp_path_factory, "p")


@pytest.fixture(scope="module")
async def world(stack: Stack) -> AsyncIterator[World]:
    region = demo_region(schools=1, teachers_per_school=3, kode_wilayah=KODE_WILAYAH)
    api = Api(stack.url("planning"), stack.issuer_url)
    operator = await api.token(f"operator-{KODE_WILAYAH}", "operator", wilayah=KODE_WILAYAH)
    for kind, text in (("sekolah", region.sekolah_csv()), ("pegawai", region.pegawai_csv()),
                       ("relasi", region.relasi_csv())):  # fmt: skip
        await api.call("POST", f"/roster/{kind}/csv", {**operator, "Content-Type": "text/csv"}, content=text)
    yield World(stack=stack, region=region, api=api, periode=CLOCK_BY_POLICY[2024][1])
    await api.http.aclose()
    await api.issuer.aclose()


class Browser:
    """One person's browser without JavaScript: cookies, forms with their hidden fields, redirects followed."""

    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=30)
        self.page: httpx.Response | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def get(self, path: str) -> httpx.Response:
        self.page = await self.http.get(path)
        return self.page

    def hidden(self, html: str | None = None) -> dict[str, str]:
        """The hidden fields of the first form on the page (CSRF token, Idempotency-Key, version)."""
        text = html if html is not None else (self.page.text if self.page is not None else "")
        fields = {"csrf": _CSRF.search(text).group(1)}  # type: ignore[union-attr]
        if key := _KEY.search(text):
            fields["idempotency_key"] = key.group(1)
        if version := _VERSION.search(text):
            fields["version"] = version.group(1)
        return fields

    async def post(self, path: str, data: dict | list | None = None, *, files=None, hidden: bool = True):
        """Posts `data` with the hidden fields of the page shown last (as submitting its form would)."""
        items = list(data.items()) if isinstance(data, dict) else list(data or [])
        if hidden:
            items = list(self.hidden().items()) + items
        form: dict[str, list[str]] = {}
        for name, value in items:
            form.setdefault(name, []).append(value)
        self.page = await self.http.post(path, data=form, files=files)
        return self.page

    async def sign_in(self, person: Person | None = None, *, operator: str | None = None) -> httpx.Response:
        await self.get("/masuk")
        if operator is not None:
            return await self.post("/masuk/sebagai", {"peran": "operator", "wilayah": operator, "lanjut": "/"})
        assert person is not None
        return await self.post("/masuk/sebagai", {"nip": person.nip, "lanjut": "/"})


@pytest.fixture
async def browser(world: World) -> AsyncIterator[Browser]:
    browser = Browser(world.portal)
    yield browser
    await browser.close()


def text_of(html: str) -> str:
    """The page as a person reads it: tags out, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
