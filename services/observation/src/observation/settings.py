"""Observation's settings: `OBSERVATION_*` environment variables over the chassis defaults."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import model_validator

from pmm_chassis.settings import ServiceSettings


class ObservationSettings(ServiceSettings):
    model_config = ServiceSettings.prefixed("observation")
    service_name: ClassVar[str] = "observation"

    # Where bukti dukung and unfinished uploads live: a directory (development, tests) or an S3-compatible
    # bucket (MinIO in docker-compose, object storage in production).
    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path = Path(".run/bukti")
    s3_endpoint_url: str | None = None
    s3_bucket: str = "pmm-bukti"
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    # A scanned certificate or a modul ajar fits in a few MB; a school's slow link should not carry more.
    upload_max_bytes: int = 10 * 1024 * 1024

    @model_validator(mode="after")
    def _s3_needs_an_endpoint_and_credentials(self) -> ObservationSettings:
        if self.storage_backend == "s3" and not (
            self.s3_endpoint_url and self.s3_access_key_id and self.s3_secret_access_key
        ):
            raise ValueError("storage_backend s3 needs s3_endpoint_url, s3_access_key_id and s3_secret_access_key")
        if self.upload_max_bytes < 1:
            raise ValueError("upload_max_bytes must be positive")
        return self
