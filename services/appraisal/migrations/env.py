import appraisal.db.tables  # noqa: F401  (registers appraisal's tables and the roster projection on SQLModel.metadata)
from appraisal.settings import AppraisalSettings
from pmm_chassis.db.alembic_env import run

run(AppraisalSettings())
