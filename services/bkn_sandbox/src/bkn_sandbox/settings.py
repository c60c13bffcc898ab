"""The sandbox's settings: `BKN_SANDBOX_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class BknSandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BKN_SANDBOX_", env_ignore_empty=True, extra="ignore")

    # Its own storage (a SQLite file), never the services' PostgreSQL: BKN is somebody else's system.
    data_dir: Path = Path(".run/bkn_sandbox")
    # The OAuth2 client that bkn_sync is registered as (client-credentials grant).
    client_id: str = "pmm-bkn-sync"
    client_secret: str = "sandbox-secret"
    # SIASN's tokens live about an hour.
    token_ttl_seconds: int = 3600
    # Guards /admin (faults, seeding, BKN-side edits): a sandbox is still reachable over the network.
    admin_key: str = "sandbox-admin"
    # A local stack's broker: the sandbox's SIASN then learns every ASN pegawai planning registers there
    # (bkn_sandbox.siasn_mirror). Unset (tests that seed it themselves), SIASN holds only what /admin/seed gave it.
    amqp_url: str | None = None
    # Years whose periods exist in e-Kinerja at start; /admin/seed can change them.
    open_years: list[int] = [2024, 2025]
