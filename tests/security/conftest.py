"""Security suites: fuzzing, parser properties, personal data, supply chain.

`target` serves one service in process (its lifespan in schemathesis' loop thread) on a database and a vhost of
its own (suite "fuzz"), with the personas that reach most of its routes. Planning gets the demo roster first (so
plans, approvals and queues have people behind them); the other services run on empty projections, which still
exercises every parser, validator and authorisation path up to the lookup that finds nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pmm_testkit import Tokens, isolated_settings
from pmm_testkit.fuzz import serving
from tools.demo_roster import demo_region

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = ("op-3273", "operator")


@pytest.fixture(scope="session")
def security_tokens(tmp_path_factory) -> Tokens:
    return Tokens(tmp_path_factory.mktemp("security-issuer"))


@dataclass
class Target:
    service: str
    app: Any
    client: Any  # a requests.Session that reaches the app in process
    personas: list[dict[str, str]]

    @property
    def operator(self) -> dict[str, str]:
        return self.personas[0]


def _planning(tokens: Tokens, tmp: Path) -> tuple[Any, dict[str, Any], Callable[[Any], list[dict[str, str]]]]:
    from planning.main import create_app
    from planning.settings import PlanningSettings

    def seed(client: Any) -> list[dict[str, str]]:
        region = demo_region(schools=1, teachers_per_school=2)
        operator = tokens.headers(*OPERATOR, wilayah="3273")
        for kind, text in (
            ("sekolah", region.sekolah_csv()),
            ("pegawai", region.pegawai_csv()),
            ("relasi", region.relasi_csv()),
        ):
            response = client.post(
                f"/api/v1/roster/{kind}/csv", data=text, headers={**operator, "Content-Type": "text/csv"}
            )
            assert response.status_code == 200, response.text
        school = region.schools[0]
        return [
            operator,
            tokens.headers(school.kepala.nip, "guru", "kepala_sekolah"),
            tokens.headers(school.guru[0].nip, "guru"),
        ]

    return create_app, {"settings_class": PlanningSettings}, seed


def _observation(tokens: Tokens, tmp: Path) -> tuple[Any, dict[str, Any], Callable[[Any], list[dict[str, str]]]]:
    from observation.main import create_app
    from observation.settings import ObservationSettings

    overrides = {"settings_class": ObservationSettings, "storage_dir": tmp / "bukti", "upload_max_bytes": 64 * 1024}
    return create_app, overrides, lambda client: _people(tokens)


def _appraisal(tokens: Tokens, tmp: Path) -> tuple[Any, dict[str, Any], Callable[[Any], list[dict[str, str]]]]:
    from appraisal.main import create_app
    from appraisal.settings import AppraisalSettings

    return create_app, {"settings_class": AppraisalSettings}, lambda client: _people(tokens)


def _bkn_sync(tokens: Tokens, tmp: Path) -> tuple[Any, dict[str, Any], Callable[[Any], list[dict[str, str]]]]:
    from bkn_sync.main import create_app
    from bkn_sync.settings import BknSyncSettings

    return create_app, {"settings_class": BknSyncSettings}, lambda client: _people(tokens)


def _people(tokens: Tokens) -> list[dict[str, str]]:
    region = demo_region(schools=1, teachers_per_school=1)
    school = region.schools[0]
    return [
        tokens.headers(*OPERATOR, wilayah="3273"),
        tokens.headers(school.kepala.nip, "guru", "kepala_sekolah"),
        tokens.headers(school.guru[0].nip, "guru"),
        tokens.headers("196501011990031001", "pengawas"),
    ]


SERVICES = {"planning": _planning, "observation": _observation, "appraisal": _appraisal, "bkn_sync": _bkn_sync}


@contextmanager
def _sandbox(service: str, tmp: Path) -> Iterator[dict[str, Any]]:
    """bkn_sync talks to a BKN; the sandbox as a process, so the routes that reach BKN reach one."""
    if service != "bkn_sync":
        yield {}
        return
    from bkn_sandbox.testing import CLIENT_ID, CLIENT_SECRET, SandboxProcess

    process = SandboxProcess(tmp / "bkn-sandbox")
    process.start()
    try:
        yield {"bkn_base_url": process.url, "bkn_client_id": CLIENT_ID, "bkn_client_secret": CLIENT_SECRET}
    finally:
        process.stop()


@pytest.fixture(params=sorted(SERVICES))
async def target(request, security_tokens, tmp_path):
    """One service served in process; parametrised over all four (`indirect` picks one)."""
    service = request.param
    create_app, overrides, seed = SERVICES[service](security_tokens, tmp_path)
    settings_class = overrides.pop("settings_class")
    with _sandbox(service, tmp_path) as sandbox:
        async with isolated_settings(
            settings_class,
            ROOT / "services" / service / "alembic.ini",
            suite="fuzz",
            jwt_jwks_url=security_tokens.jwks_url,
            log_level="CRITICAL",  # thousands of refused requests; the report says what matters
            # The per-user write limit (tested on its own) would answer most fuzzed writes 429 and hide the code.
            write_rate_per_second=10_000.0,
            write_burst=10_000,
            **overrides,
            **sandbox,
        ) as settings:
            app = create_app(settings)
            # The app's lifespan runs in schemathesis' loop thread; entering and leaving it blocks, so off this loop.
            serving_app: AbstractContextManager[Any] = serving(app)
            client = await asyncio.to_thread(serving_app.__enter__)
            try:
                personas = await asyncio.to_thread(seed, client)
                yield Target(service, app, client, personas)
            finally:
                await asyncio.to_thread(serving_app.__exit__, None, None, None)
