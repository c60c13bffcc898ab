-- PostgreSQL for PMM Kinerja in production, after init-databases.sh has made one database and one owning role
-- per service (the same script as compose's; run it against the production server with PGHOST set):
--   PMM_SERVICES="planning observation appraisal bkn_sync" PLANNING_DB_PASSWORD=... bash init-databases.sh
--   psql -v ON_ERROR_STOP=1 -f production.sql
--
-- Connection budget. A pod opens at most 2 x DB_POOL_SIZE, all kept open: api 2 x 4 = 8; worker 2 x 3 = 6 plus
-- the outbox relay's 3 (its pool of 2 and its LISTEN connection) = 9. At the production overlay's maxima, plus
-- one surge pod per Deployment during a rollout, plus the migration Job:
--   planning, observation, appraisal: (16 + 1) api x 8 + (8 + 1) workers x 9 + 1 = 136 + 81 + 1 = 218 -> 220
--   bkn_sync:                         (4 + 1) api x 8  + (4 + 1) workers x 9 + 1 = 40 + 45 + 1  =  86 ->  90
--   together 3 x 220 + 90 = 750; max_connections = 800 (postgresql.production.conf) leaves 50 for
--   superusers, backups and monitoring.
-- Each role's CONNECTION LIMIT is its budget: a runaway service exhausts its own connections, not the others'.
-- Raising an autoscaler's maximum means raising its line here and max_connections (tests/deploy holds them).
ALTER ROLE planning CONNECTION LIMIT 220;
ALTER ROLE observation CONNECTION LIMIT 220;
ALTER ROLE appraisal CONNECTION LIMIT 220;
ALTER ROLE bkn_sync CONNECTION LIMIT 90;

-- A transaction left open by a bug would hold row locks (the relay's and the push worker's SKIP LOCKED claims
-- would skip those rows forever): end such sessions. Longer than any legitimate transaction, migrations included.
ALTER ROLE planning SET idle_in_transaction_session_timeout = '5min';
ALTER ROLE observation SET idle_in_transaction_session_timeout = '5min';
ALTER ROLE appraisal SET idle_in_transaction_session_timeout = '5min';
ALTER ROLE bkn_sync SET idle_in_transaction_session_timeout = '5min';
