"""Builds observation from its settings: the one place that wires the chassis, the storage and the handlers."""

from __future__ import annotations

from dataclasses import dataclass

from observation import integration
from observation.adapters.storage import LocalFileStorage, S3Storage
from observation.db.pengingat import observation_reminders
from observation.db.uow import ObservationUnitOfWork
from observation.domain.ports import ObjectStorage
from observation.handlers import handlers
from observation.settings import ObservationSettings
from observation.usecases import Deps
from pmm_chassis.service import Chassis


@dataclass
class Container:
    settings: ObservationSettings
    chassis: Chassis
    deps: Deps


def build_storage(settings: ObservationSettings) -> ObjectStorage:
    if settings.storage_backend == "s3":
        assert settings.s3_endpoint_url and settings.s3_access_key_id and settings.s3_secret_access_key
        return S3Storage(
            endpoint_url=settings.s3_endpoint_url,
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    return LocalFileStorage(settings.storage_dir)


def build(settings: ObservationSettings | None = None) -> Container:
    settings = settings or ObservationSettings()
    chassis = Chassis(settings)

    def uow() -> ObservationUnitOfWork:
        return ObservationUnitOfWork(
            chassis.sessions, service=settings.service_name, to_contract=integration.to_contract, clock=chassis.clock
        )

    deps = Deps(
        uow=uow, clock=chassis.clock, storage=build_storage(settings), upload_max_bytes=settings.upload_max_bytes
    )
    chassis.consume(handlers(deps), uow)
    # An atasan with pelaksanaan steps waiting for them is reminded before the window closes (docs/domain.md §3).
    chassis.remind(observation_reminders())
    return Container(settings=settings, chassis=chassis, deps=deps)
