import bkn_sync.db.tables  # noqa: F401  (registers bkn_sync's tables on SQLModel.metadata)
from bkn_sync.settings import BknSyncSettings
from pmm_chassis.db.alembic_env import run

run(BknSyncSettings())
