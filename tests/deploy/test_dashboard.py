"""The Grafana dashboard asks only for what exists: every metric in every PromQL expression is one the services
register (prometheus_client's REGISTRY after importing them) or one RabbitMQ's Prometheus plugin serves and
Prometheus scrapes; every event it names is in the contracts; every data source it uses is provisioned.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmm_contracts import event_types, routing_key  # noqa: E402
from tools.stack import load_registry  # noqa: E402

GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DEPLOYED = [s for s in load_registry(ROOT / "tools" / "services.toml").enabled if not s.dev_only]

# rabbitmq_prometheus (RabbitMQ 3.13): the aggregated endpoint's alarms, and the per-queue families the
# `rabbitmq-queues` job asks /metrics/detailed for (deploy/prometheus/prometheus.yml). Family -> names, as the
# plugin's collector defines them (prefix rabbitmq_detailed_ on that endpoint).
RABBITMQ_AGGREGATED = {"rabbitmq_alarms_memory_used_watermark", "rabbitmq_alarms_free_disk_space_watermark"}
RABBITMQ_DETAILED = {
    "queue_coarse_metrics": {"queue_messages_ready", "queue_messages_unacked", "queue_messages"},
    "queue_consumer_count": {"queue_consumers"},
}

# Everything in an expression that is not a metric name: functions and aggregations (followed by "("), label
# lists after by/without, label matchers, range selectors, strings, Grafana variables, numbers, keywords.
_STRIP = [
    r'"(?:[^"\\]|\\.)*"',  # strings
    r"\{[^}]*\}",  # label matchers (checked separately)
    r"\[[^\]]*\]",  # ranges
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
    r"\$\w+",
]
_KEYWORDS = {"by", "without", "on", "ignoring", "offset", "bool", "and", "or", "unless", "group_left", "group_right"}


def metric_names(expr: str) -> set[str]:
    for pattern in _STRIP:
        expr = re.sub(pattern, " ", expr)
    found = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        rest = expr[match.end() :].lstrip()
        if rest.startswith("(") or match.group() in _KEYWORDS or re.fullmatch(r"[eE]\d*", match.group()):
            continue
        found.add(match.group())
    return found


def registered_names() -> set[str]:
    """Every sample name the services can export, children or not (a labelled metric with no series yet has
    no samples, so names come from the families' types)."""
    importlib.import_module("pmm_chassis.metrics")
    for spec in DEPLOYED:
        importlib.import_module(f"{spec.package}.main")  # its bootstrap imports whatever registers metrics
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created")}
    names = set()
    for family in REGISTRY.collect():
        names |= {family.name + s for s in suffixes.get(family.type, ("",))}
    return names


def expressions(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    found = [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        inner = re.fullmatch(r"label_values\((\w+),\s*\w+\)", text or "")
        if inner:
            found.append((f"variable {variable['name']}", inner.group(1)))
    return found


@pytest.fixture(scope="module")
def known() -> set[str]:
    detailed = {f"rabbitmq_detailed_{n}" for names in RABBITMQ_DETAILED.values() for n in names}
    return registered_names() | RABBITMQ_AGGREGATED | detailed


def test_there_is_a_dashboard() -> None:
    assert [p.name for p in DASHBOARDS] == ["pmm-kinerja.json"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_metric_a_panel_asks_for_is_exported(path: Path, known: set[str]) -> None:
    dashboard = json.loads(path.read_text())
    asked = expressions(dashboard)
    assert len(asked) >= 15  # guards the parsing: a change of layout must not make this test vacuous
    unknown = {(title, name) for title, expr in asked for name in metric_names(expr) if name not in known}
    assert not unknown, f"panels name metrics nobody exports: {sorted(unknown)}"


def test_the_check_catches_a_metric_nobody_exports(known: set[str]) -> None:
    expr = 'sum by (service) (rate(pmm_http_requests_total{status=~"5.."}[5m])) / sum(pmm_made_up_total)'
    assert metric_names(expr) - known == {"pmm_made_up_total"}
    assert metric_names("histogram_quantile(0.99, sum by (le) (rate(x_bucket[$__rate_interval])))") == {"x_bucket"}


def test_the_dashboard_covers_what_ops_watch(known: set[str]) -> None:
    used = {n for _, expr in expressions(json.loads(DASHBOARDS[0].read_text())) for n in metric_names(expr)}
    ours = {
        "pmm_events_published_total",  # cycle progress
        "pmm_messages_consumed_total",  # consumer rates, parked per minute
        "pmm_outbox_lag_seconds",
        "pmm_outbox_pending",
        "pmm_bkn_push_attempts_total",
        "pmm_bkn_push_backlog",
        "pmm_bkn_circuit_open",
        "pmm_http_requests_total",
        "pmm_http_request_duration_seconds_bucket",
        "rabbitmq_detailed_queue_messages",  # queue depth, parked messages waiting
    }
    assert ours <= used, ours - used


def test_the_events_a_panel_names_are_in_the_contracts() -> None:
    keys = {routing_key(model) for model in event_types()}
    text = DASHBOARDS[0].read_text()
    named = {k for group in re.findall(r'routing_key=~\\"([^\\]+)\\"', text) for k in group.split("|")}
    assert named and named <= keys, named - keys


def test_the_label_matchers_name_labels_the_metric_has() -> None:
    registered = {family.name: family for family in REGISTRY.collect()}
    labels = {
        name: set(metric._labelnames)  # noqa: SLF001 - prometheus_client keeps a metric's label names there
        for name, metric in getattr(REGISTRY, "_names_to_collectors", {}).items()
        if hasattr(metric, "_labelnames")
    }
    assert registered and labels
    for _, expr in expressions(json.loads(DASHBOARDS[0].read_text())):
        for name, matchers in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}", expr):
            if name.startswith("rabbitmq_"):
                assert {m.split("=")[0].strip(" !~") for m in matchers.split(",")} <= {"queue", "vhost"}, expr
                continue
            used = {m.split("=")[0].strip(" !~") for m in matchers.split(",") if m.strip()}
            assert used <= labels[name] | {"le"}, (name, used - labels[name])


def test_every_data_source_a_panel_uses_is_provisioned() -> None:
    provisioned = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "datasources.yaml").read_text())
    uids = {d["uid"] for d in provisioned["datasources"]}
    assert {"prometheus", "jaeger"} <= uids
    text = DASHBOARDS[0].read_text()
    used = set(re.findall(r'"uid":\s*"([^"]+)"', text)) - {"pmm-kinerja"}
    assert used <= uids


def test_compose_runs_grafana_with_the_provisioning_and_prometheus_scrapes_the_queues() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    grafana = compose["services"]["grafana"]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in grafana["volumes"]}
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "dashboards.yaml").read_text())
    (options,) = [p["options"] for p in provider["providers"]]
    assert mounts["./deploy/grafana/dashboards"] == options["path"]
    assert "3000:3000" in grafana["ports"]
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (queues,) = [j for j in prometheus["scrape_configs"] if j.get("metrics_path") == "/metrics/detailed"]
    assert set(queues["params"]["family"]) == set(RABBITMQ_DETAILED)
    assert queues["static_configs"][0]["targets"] == ["rabbitmq:15692"]
