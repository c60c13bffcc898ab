"""The portal's settings: `PORTAL_*` environment variables. Defaults work on a developer machine."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-portal-secret-change-me"


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_ignore_empty=True, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # The four services' public APIs (each without /api/v1).
    planning_url: str = "http://127.0.0.1:8001"
    observation_url: str = "http://127.0.0.1:8002"
    appraisal_url: str = "http://127.0.0.1:8003"
    bkn_sync_url: str = "http://127.0.0.1:8004"
    # A service that answers slower than this gets the "layanan lambat" page, with the form kept for a retry.
    api_timeout_seconds: float = 15.0
    # Requests in flight to one service (the rest wait their turn in the portal). httpcore checks every pooled
    # connection on each request and each response, so a wide pool costs the portal CPU on every page, while a
    # service process answers one request at a time on its core: 4 gave Beranda a third more pages a second than 10
    # in `make bench`. Where each portal process talks to many replicas of a service, more connections spread it.
    api_connections_per_service: int = Field(default=4, ge=1, le=200)

    # Signs the CSRF tokens and encrypts the session cookie (which holds the user's tokens). Production sets its
    # own; a list lets a new secret take over while cookies sealed with the old one still open.
    session_secrets: list[SecretStr] = [SecretStr(DEVELOPMENT_SECRET)]
    session_max_age_seconds: int = 8 * 3600
    # Secure cookies need HTTPS; a developer's http://127.0.0.1 would never get its cookie back.
    cookie_secure: bool = False

    # Production sign-in: OpenID Connect, authorization code with PKCE (belajar.id SSO).
    oidc_issuer: str | None = None  # discovery at <issuer>/.well-known/openid-configuration
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile email offline_access"
    # This portal's public address, for the redirect URI the provider sends the user back to.
    public_url: str = "http://127.0.0.1:8000"

    # Development only: "masuk sebagai" mints tokens at the development issuer for the roster's people.
    dev_issuer_url: str | None = None
    dev_wilayah: list[str] = ["3273"]

    # Development and tests: the instant the services believe it is (the demo moves it).
    clock_file: Path | None = None

    otel_exporter: Literal["none", "console", "file", "otlp"] = "none"
    otel_file: Path | None = None
    otel_endpoint: str | None = None
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_development_shortcuts_in_production(self) -> PortalSettings:
        if self.environment == "production":
            if self.dev_issuer_url is not None:
                raise ValueError("dev_issuer_url mints tokens for anyone: it is refused in production")
            if self.clock_file is not None:
                raise ValueError("clock_file moves time: it is refused in production")
            if any(s.get_secret_value() == DEVELOPMENT_SECRET for s in self.session_secrets):
                raise ValueError("production needs its own session secret")
            if not self.cookie_secure:
                raise ValueError("production cookies must be Secure")
            if not (self.oidc_issuer and self.oidc_client_id):
                raise ValueError("production signs in through OpenID Connect: set oidc_issuer and oidc_client_id")
        return self

    @property
    def dev_login(self) -> bool:
        return self.dev_issuer_url is not None and self.environment != "production"

    @property
    def oidc_login(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
