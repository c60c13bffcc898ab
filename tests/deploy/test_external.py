"""RabbitMQ and PostgreSQL as production runs them (deploy/rabbitmq, deploy/postgres), held to what the services
declare (pmm_chassis.messaging.topology, the settings) and to what the Kubernetes overlay can open at full scale.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmm_chassis.messaging import topology  # noqa: E402
from pmm_chassis.settings import ServiceSettings  # noqa: E402
from pmm_contracts.subscriptions import SUBSCRIPTIONS  # noqa: E402
from tools.stack import _postgres_answers, load_registry  # noqa: E402

RABBITMQ = ROOT / "deploy" / "rabbitmq"
POSTGRES = ROOT / "deploy" / "postgres"
OVERLAY = ROOT / "deploy" / "k8s" / "overlays" / "production"
DEPLOYED = [s for s in load_registry(ROOT / "tools" / "services.toml").enabled if not s.dev_only]
# The outbox relay's own connections per process: its asyncpg pool (max_size=2) and its LISTEN connection
# (pmm_chassis/messaging/relay.py, _connect).
RELAY_CONNECTIONS = 3
# The migration Job's one connection, and one surge pod per Deployment during a rolling update (maxSurge: 1).
MIGRATION_CONNECTIONS = 1
SURGE = 1


# --- RabbitMQ ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    return json.loads((RABBITMQ / "definitions.json").read_text())


def every_queue() -> dict[str, dict[str, Any]]:
    """Each queue the services declare, with the arguments they declare it with."""
    limit = ServiceSettings.model_fields["delivery_limit"].default
    queues = [topology.UNROUTED_QUEUE, *(topology.delay_queue(s) for s in topology.DELAY_TIERS_SECONDS)]
    for service in SUBSCRIPTIONS:
        queues += [topology.inbox_queue(service, delivery_limit=limit), topology.parked_queue(service)]
    return {q.name: dict(q.arguments or {}) for q in queues}


def policy_for(definitions: dict[str, Any], queue: str) -> dict[str, Any]:
    """The one policy RabbitMQ applies to `queue`: the highest priority among those whose pattern matches."""
    matching = [p for p in definitions["policies"] if re.search(p["pattern"], queue)]
    assert matching, f"no policy for {queue}"
    top = max(p["priority"] for p in matching)
    (policy,) = [p for p in matching if p["priority"] == top]  # a tie would leave the choice to RabbitMQ
    return policy


def test_every_queue_the_services_declare_has_exactly_one_policy(definitions: dict) -> None:
    queues = every_queue()
    assert len(queues) == 2 * len(SUBSCRIPTIONS) + len(topology.DELAY_TIERS_SECONDS) + 1
    for queue in queues:
        policy = policy_for(definitions, queue)
        assert policy["vhost"] == "pmm" and policy["apply-to"] == "queues"


def test_policies_agree_with_the_arguments_the_services_declare(definitions: dict) -> None:
    # Where both set a key, the services' value must be what the policy says too: no silent disagreement.
    for queue, arguments in every_queue().items():
        policy = policy_for(definitions, queue)["definition"]
        for key, value in policy.items():
            argument = arguments.get(f"x-{key}")
            assert argument is None or argument == value, (queue, key, argument, value)
        assert not {k for k in policy if k.startswith("dead-letter")}, queue  # the services route dead letters


def test_inboxes_are_capped_with_backpressure_and_parked_messages_never_dropped(definitions: dict) -> None:
    for service in SUBSCRIPTIONS:
        inbox = policy_for(definitions, topology.inbox_queue_name(service))["definition"]
        assert inbox["overflow"] == "reject-publish"  # a full inbox refuses (the outbox keeps it), never drops
        assert inbox["max-length-bytes"] > 0
        assert inbox["delivery-limit"] == ServiceSettings.model_fields["delivery_limit"].default
        parked = policy_for(definitions, topology.parked_queue_name(service))["definition"]
        assert not {"max-length", "max-length-bytes", "message-ttl", "expires"} & set(parked)


def test_the_vhost_defaults_to_quorum_queues(definitions: dict) -> None:
    (vhost,) = definitions["vhosts"]
    assert vhost["name"] == "pmm"
    assert vhost["default_queue_type"] == vhost["metadata"]["default_queue_type"] == "quorum"
    assert "users" not in definitions and "permissions" not in definitions  # passwords stay out of the repository


def test_rabbitmq_conf_has_the_settings_production_needs() -> None:
    conf = {}
    for line in (RABBITMQ / "rabbitmq.conf").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            conf[key.strip()] = value.strip()
    assert conf["cluster_formation.target_cluster_size_hint"] == "3"
    assert conf["quorum_queue.continuous_membership_reconciliation.target_group_size"] == "3"
    assert conf["cluster_partition_handling"] == "pause_minority"
    assert 0.4 <= float(conf["vm_memory_high_watermark.relative"]) <= 0.7
    assert conf["disk_free_limit.absolute"].endswith("GB")
    # Longer than a handler plus the services' drain on SIGTERM.
    assert int(conf["consumer_timeout"]) / 1000 > ServiceSettings.model_fields["graceful_timeout_seconds"].default
    assert conf["definitions.local.path"].endswith("definitions.json")


# --- PostgreSQL --------------------------------------------------------------------------------------


def connection_limits() -> dict[str, int]:
    text = (POSTGRES / "production.sql").read_text()
    return {role: int(n) for role, n in re.findall(r"ALTER ROLE (\w+) CONNECTION LIMIT (\d+);", text)}


def max_connections() -> tuple[int, int]:
    conf = {}
    for line in (POSTGRES / "postgresql.production.conf").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() and not key.startswith("#"):
            conf[key.strip()] = value.split("#")[0].strip()
    return int(conf["max_connections"]), int(conf["superuser_reserved_connections"])


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    done = subprocess.run(["kubectl", "kustomize", str(OVERLAY)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def budget(production: list[dict[str, Any]], name: str, prefix: str) -> int:
    """Connections a service can open at the overlay's maxima (pool + overflow per pod, the relay's in workers)."""

    def pool(role: str) -> int:
        (deployment,) = [
            d for d in production if d["kind"] == "Deployment" and d["metadata"]["name"] == f"{name}-{role}"
        ]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        return int(env[f"{prefix}_DB_POOL_SIZE"])

    def most(kind: str, key: str, target: str) -> int:
        (scaler,) = [d for d in production if d["kind"] == kind and d["metadata"]["name"] == target]
        return scaler["spec"][key]

    api = (most("HorizontalPodAutoscaler", "maxReplicas", f"{name}-api") + SURGE) * 2 * pool("api")
    workers = (most("ScaledObject", "maxReplicaCount", f"{name}-worker") + SURGE) * (
        2 * pool("worker") + RELAY_CONNECTIONS
    )
    return api + workers + MIGRATION_CONNECTIONS


def test_each_roles_connection_limit_covers_its_service_at_full_scale(production: list) -> None:
    limits = connection_limits()
    assert set(limits) == {s.name for s in DEPLOYED if s.database}
    for spec in [s for s in DEPLOYED if s.database]:  # the portal opens no connection
        need = budget(production, spec.name.replace("_", "-"), spec.env_prefix)
        assert need <= limits[spec.name], (spec.name, need, limits[spec.name])


def test_max_connections_holds_every_role_at_its_limit_with_room_for_operators() -> None:
    total, reserved = max_connections()
    assert sum(connection_limits().values()) + reserved + 20 <= total


@pytest.mark.integration
def test_production_sql_runs_on_postgresql(tmp_path: Path) -> None:
    if shutil.which("psql") is None or not _postgres_answers("127.0.0.1", 5432):
        pytest.skip("needs psql and the local PostgreSQL")
    # In one transaction that is rolled back: the roles exist only for the script (roles are transactional).
    create = "".join(
        f"SELECT 'CREATE ROLE {role}' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}')\n\\gexec\n"
        for role in connection_limits()
    )
    script = tmp_path / "check.sql"
    script.write_text(
        f"BEGIN;\n{create}{(POSTGRES / 'production.sql').read_text()}\n"
        "SELECT rolname || '=' || rolconnlimit FROM pg_roles WHERE rolconnlimit > 0 ORDER BY 1;\nROLLBACK;\n"
    )
    done = subprocess.run(
        ["psql", "-X", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-f", str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown = dict(line.split("=") for line in done.stdout.split() if "=" in line)
    assert {role: int(n) for role, n in shown.items() if role in connection_limits()} == connection_limits()
