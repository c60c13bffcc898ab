import observation.db.tables  # noqa: F401  (registers observation's tables on SQLModel.metadata)
from observation.settings import ObservationSettings
from pmm_chassis.db.alembic_env import run

run(ObservationSettings())
