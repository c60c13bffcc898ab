import planning.db.tables  # noqa: F401  (registers planning's tables on SQLModel.metadata)
from planning.settings import PlanningSettings
from pmm_chassis.db.alembic_env import run

run(PlanningSettings())
