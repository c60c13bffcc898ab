"""Fixtures every service's integration suite defines alike, made by factories its conftest calls in one line:

    tokens = tokens_fixture()
    clock_file, set_clock = clock_fixtures(datetime(2024, 1, 10, 9, 0, tzinfo=WIB))
    app, client = app_fixtures(create_app)
    tap = tap_fixture("observation.#")

pytest finds a fixture by the name it has in the conftest, so each suite can still replace one by defining its own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pmm_testkit import Tokens, running
from pmm_testkit.tap import Tap


def tokens_fixture() -> Any:
    """`tokens` (session): mints the suite's tokens, trusted by the service through the JWKS file it publishes."""

    @pytest.fixture(scope="session")
    def tokens(tmp_path_factory: pytest.TempPathFactory) -> Tokens:
        return Tokens(tmp_path_factory.mktemp("issuer"))

    return tokens


def write_clock(clock_file: Path, now: str) -> None:
    clock_file.write_text(now)
    stat = os.stat(clock_file)
    os.utime(clock_file, (stat.st_atime, stat.st_mtime + 1))  # FileClock re-reads on a new mtime


def clock_fixtures(start: datetime) -> tuple[Any, Any]:
    """`clock_file`, the file the services read "now" from (pmm_kernel's FileClock), at `start` for the session;
    and `set_clock`, with which a test moves that clock: windows (perencanaan, pelaksanaan, penilaian) open and
    close by date, so a test reaches a step by moving the clock. It is back where it was once the test ends, so no
    other test sees the move."""

    @pytest.fixture(scope="session")
    def clock_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
        path = tmp_path_factory.mktemp("clock") / "now"
        path.write_text(start.isoformat())
        return path

    @pytest.fixture
    def set_clock(clock_file: Path) -> Iterator[Callable[[datetime], None]]:
        original = clock_file.read_text()
        yield lambda at: write_clock(clock_file, at.isoformat())
        write_clock(clock_file, original)

    return clock_file, set_clock


def app_fixtures(
    create_app: Callable[[Any], FastAPI], *, ready: Callable[[FastAPI, Any], Awaitable[None]] | None = None
) -> tuple[Any, Any]:
    """`app`, the service built from the suite's `settings` fixture and running for the session (lifespan started:
    broker, consumers, relay), once `ready(app, settings)` has returned (the events it needs from others, say);
    and `client`, which talks to it in-process."""

    @pytest.fixture(scope="session")
    async def app(settings: Any) -> AsyncIterator[FastAPI]:
        app = create_app(settings)
        async with running(app) as client:
            app.state.client = client
            if ready is not None:
                await ready(app, settings)
            yield app

    @pytest.fixture(scope="session")
    def client(app: FastAPI) -> httpx.AsyncClient:
        return app.state.client

    return app, client


def tap_fixture(binding: str) -> Any:
    """`tap`: a Tap on the events bound with `binding` ("observation.#"), fresh for each test, so a test sees only
    what was published while it ran."""

    @pytest.fixture
    async def tap(settings: Any, app: FastAPI) -> AsyncIterator[Tap]:
        async with Tap(settings.amqp_url, binding) as tap:
            yield tap

    return tap
