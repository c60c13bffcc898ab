"""The local stack: PostgreSQL, RabbitMQ, the development token issuer and the services as processes.

Developer machines and CI have no Docker engine, so the services run as real uvicorn processes against
the machine's own PostgreSQL and RabbitMQ. What runs comes from `tools/services.toml`; the demo and the
end-to-end tests drive it through `Stack`, people through `python -m tools.stack up|down|status|logs`.

Processes are detached (their own session and process group) so that `make up` returns while they keep
running; their pid files and logs live in the run directory, so a later `down` from another process
finds them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

ISSUER = "issuer"
MAILBOX = "mailbox"
# The services that remind people (pmm_chassis.reminders): their mail goes to this stack's mailbox.
REMINDING = ("planning", "observation", "appraisal")
INFRA_TIMEOUT_S = 90.0
READY_TIMEOUT_S = 60.0
# The services promise to drain and exit within 30 s of SIGTERM; past that they are killed.
STOP_TIMEOUT_S = 30.0
LOG_TAIL_LINES = 40
UVICORN_FAST = ("--loop", "uvloop", "--http", "httptools")

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_SUFFIX = re.compile(r"^[a-z0-9_]*$")
_SERVICE_KEYS = {
    "package", "port", "env_prefix", "enabled", "database", "consumer_queue", "broker", "ready_path", "dev_only",
}  # fmt: skip
# The OAuth2 client bkn_sync is registered as in this stack's BKN sandbox: set on both sides, so the two can
# never drift apart (the values are both settings classes' development defaults, as in bkn_sandbox.testing).
SANDBOX_CLIENT_ID = "pmm-bkn-sync"
SANDBOX_CLIENT_SECRET = "sandbox-secret"


class StackError(RuntimeError):
    """Something the stack could not do; the message says what and where to look."""


# --- the registry (tools/services.toml) -----------------------------------------------------------


@dataclass(frozen=True)
class Infrastructure:
    postgres_host: str
    postgres_port: int
    postgres_user: str
    amqp_host: str
    amqp_port: int
    amqp_user: str
    amqp_password: str


@dataclass(frozen=True)
class IssuerSpec:
    port: int
    issuer: str
    audience: str


@dataclass(frozen=True)
class MailboxSpec:
    port: int  # SMTP, not HTTP: ready once it accepts a connection


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    port: int
    env_prefix: str
    enabled: bool
    database: str | None = None
    consumer_queue: str | None = None
    broker: bool = True
    ready_path: str = "/readyz"
    # A development/test stand-in (the BKN sandbox): run locally, never deployed to a cluster.
    dev_only: bool = False

    @property
    def app(self) -> str:
        return f"{self.package}.main:create_app"


@dataclass(frozen=True)
class Registry:
    infrastructure: Infrastructure
    issuer: IssuerSpec
    services: Mapping[str, ServiceSpec]
    mailbox: MailboxSpec = MailboxSpec(port=1025)

    @property
    def enabled(self) -> list[ServiceSpec]:
        return [s for s in self.services.values() if s.enabled]


def load_registry(path: Path) -> Registry:
    """Reads and checks services.toml; a typo there should fail here, not as a confusing start-up."""
    raw = tomllib.loads(path.read_text())
    services: dict[str, ServiceSpec] = {}
    for name, table in raw.get("services", {}).items():
        unknown = set(table) - _SERVICE_KEYS
        if unknown:
            raise StackError(f"{path}: services.{name} has unknown keys {sorted(unknown)}")
        spec = ServiceSpec(name=name, **table)
        if name in (ISSUER, MAILBOX) or not _IDENTIFIER.match(name):
            raise StackError(f"{path}: {name!r} is not a usable service name")
        # The chassis derives the settings prefix from the package name (PlanningSettings -> PLANNING_).
        if spec.env_prefix != spec.package.upper():
            raise StackError(f"{path}: services.{name}.env_prefix must be {spec.package.upper()!r}")
        if spec.database is not None and not _IDENTIFIER.match(spec.database):
            raise StackError(f"{path}: services.{name}.database {spec.database!r} is not an identifier")
        services[name] = spec
    issuer = IssuerSpec(**raw["issuer"])
    mailbox = MailboxSpec(**raw.get("mailbox", {"port": 1025}))
    ports = [s.port for s in services.values()] + [issuer.port, mailbox.port]
    if len(ports) != len(set(ports)):
        raise StackError(f"{path}: two processes share a port: {sorted(ports)}")
    return Registry(Infrastructure(**raw["infrastructure"]), issuer, MappingProxyType(services), mailbox)


# --- probes: does a server answer its own protocol (an open port alone may be a half-started one) ---


def _amqp_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    # A broker replies to the AMQP 0-9-1 protocol header with a Connection.Start method frame (type 1).
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            return sock.recv(1) == b"\x01"
    except OSError:
        return False


def _postgres_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    # An SSLRequest (length 8, code 80877103) is answered with one byte, 'S' or 'N', by a live server.
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack("!ii", 8, 80877103))
            return sock.recv(1) in (b"S", b"N")
    except OSError:
        return False


def _port_taken(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# Requests to 127.0.0.1 must never go through a proxy that the machine's environment may name.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with _HTTP.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def _wait_until(check: Callable[[], bool], deadline: float, interval: float = 0.2) -> bool:
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


# --- the stack -------------------------------------------------------------------------------------


class Stack:
    """One set of processes: its databases, its broker vhost, its ports and its run directory.

    `db_suffix` and `port_offset` let a second stack (the end-to-end tests) run beside a developer's
    without sharing a database, a queue or a port: each stack has its own RabbitMQ vhost (`pmm<suffix>`),
    or the two would consume each other's messages from the same queues.
    """

    def __init__(
        self,
        root: Path,
        *,
        run_dir: Path | None = None,
        db_suffix: str = "",
        port_offset: int = 0,
        services: Sequence[str] | None = None,
        extra_env: Mapping[str, str] = MappingProxyType({}),
        infrastructure: Infrastructure | None = None,
        rabbitmqctl: Sequence[str] = ("rabbitmqctl",),
    ) -> None:
        self.root = Path(root).resolve()
        self.registry = load_registry(self.root / "tools" / "services.toml")
        self.run_dir = Path(run_dir).resolve() if run_dir is not None else self.root / ".run"
        if not _SUFFIX.match(db_suffix):
            raise StackError(f"db_suffix {db_suffix!r}: only lower-case letters, digits and _")
        self.db_suffix = db_suffix
        self.port_offset = port_offset
        names = [s.name for s in self.registry.enabled] if services is None else list(services)
        unknown = [n for n in names if n not in self.registry.services]
        if unknown:
            raise StackError(f"unknown services {unknown}; known: {sorted(self.registry.services)}")
        self.services: tuple[str, ...] = tuple(names)
        self.extra_env = dict(extra_env)
        # A broker and a database other than services.toml's (the chaos run's own, which it may restart), and
        # the rabbitmqctl that reaches that broker's node.
        self.infrastructure = infrastructure or self.registry.infrastructure
        self.rabbitmqctl = tuple(rabbitmqctl)
        self.issuer_url = f"http://127.0.0.1:{self.registry.issuer.port + port_offset}"
        # A vhost of its own, even for the default stack: `make demo` starts from empty queues as well as empty
        # databases (every service declares every inbox, so old events would otherwise wait there).
        self.vhost = f"pmm{db_suffix}"
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    # -- addresses and environment --

    def _spec(self, service: str) -> ServiceSpec:
        try:
            return self.registry.services[service]
        except KeyError:
            raise StackError(f"unknown service {service!r}") from None

    def port(self, name: str) -> int:
        if name == ISSUER:
            base = self.registry.issuer.port
        elif name == MAILBOX:
            base = self.registry.mailbox.port
        else:
            base = self._spec(name).port
        return base + self.port_offset

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port(service)}"

    def database(self, service: str) -> str | None:
        spec = self._spec(service)
        return None if spec.database is None else spec.database + self.db_suffix

    @property
    def amqp_url(self) -> str:
        i = self.infrastructure
        path = self.vhost
        return f"amqp://{i.amqp_user}:{i.amqp_password}@{i.amqp_host}:{i.amqp_port}/{path}"

    def database_url(self, service: str) -> str:
        i = self.infrastructure
        database = self.database(service)
        if database is None:
            raise StackError(f"{service} has no database")
        return f"postgresql+asyncpg://{i.postgres_user}@{i.postgres_host}:{i.postgres_port}/{database}"

    @property
    def clock_file(self) -> Path:
        return self.run_dir / "clock"

    @property
    def mail_dir(self) -> Path:
        """Where this stack's mailbox keeps every message the services sent, one .eml file each."""
        return self.run_dir / "mail"

    def env_for(self, service: str) -> dict[str, str]:
        """The settings one service gets here (development values); `extra_env` wins over them."""
        spec = self._spec(service)
        p = spec.env_prefix
        env = {
            f"{p}_ENVIRONMENT": "development",
            f"{p}_JWT_JWKS_URL": f"{self.issuer_url}/.well-known/jwks.json",
            f"{p}_JWT_ISSUER": self.registry.issuer.issuer,
            f"{p}_JWT_AUDIENCE": self.registry.issuer.audience,
            f"{p}_CLOCK_FILE": str(self.clock_file),
            f"{p}_OTEL_EXPORTER": "file",
            f"{p}_OTEL_FILE": str(self.run_dir / "traces" / f"{service}.jsonl"),
            f"{p}_LOG_LEVEL": "INFO",
            f"{p}_RUN_HTTP": "true",
            f"{p}_RUN_CONSUMERS": "true",
            f"{p}_RUN_RELAY": "true",
        }
        if spec.database is not None:
            env[f"{p}_DATABASE_URL"] = self.database_url(service)
        if spec.broker:
            env[f"{p}_AMQP_URL"] = self.amqp_url
        env.update(self._wiring(service))
        env.update(self.extra_env)
        return env

    def _wiring(self, service: str) -> dict[str, str]:
        """Settings that point one process of this stack at another: a port-shifted stack talks to its own."""
        if service in REMINDING:
            p = self._spec(service).env_prefix
            return {
                # Reminders are decided and mailed to this stack's mailbox, with links to this stack's portal.
                f"{p}_REMINDERS_ENABLED": "true",
                f"{p}_SMTP_HOST": "127.0.0.1",
                f"{p}_SMTP_PORT": str(self.port(MAILBOX)),
                f"{p}_PORTAL_URL": self.url("portal"),
            }
        if service == "bkn_sync":
            return {
                "BKN_SYNC_BKN_BASE_URL": self.url("bkn_sandbox"),
                "BKN_SYNC_BKN_CLIENT_ID": SANDBOX_CLIENT_ID,
                "BKN_SYNC_BKN_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            }
        if service == "bkn_sandbox":
            return {
                # Its SQLite file lives with the stack's other state, so a second stack has its own BKN.
                "BKN_SANDBOX_DATA_DIR": str(self.run_dir / "bkn_sandbox"),
                "BKN_SANDBOX_CLIENT_ID": SANDBOX_CLIENT_ID,
                "BKN_SANDBOX_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            }
        if service == "portal":
            return {
                # The four services' APIs of this stack, and this stack's issuer for "masuk sebagai" sign-in.
                "PORTAL_PLANNING_URL": self.url("planning"),
                "PORTAL_OBSERVATION_URL": self.url("observation"),
                "PORTAL_APPRAISAL_URL": self.url("appraisal"),
                "PORTAL_BKN_SYNC_URL": self.url("bkn_sync"),
                "PORTAL_DEV_ISSUER_URL": self.issuer_url,
                # The address the browser reaches it at: the sign-in redirect comes back here.
                "PORTAL_PUBLIC_URL": self.url("portal"),
            }
        return {}

    def set_clock(self, at: datetime) -> None:
        """Moves every service's `FileClock` to `at` (services re-read the file when its mtime changes)."""
        if at.tzinfo is None:
            raise ValueError("set_clock needs an aware datetime")
        self.clock_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            previous_ns = self.clock_file.stat().st_mtime_ns
        except FileNotFoundError:
            previous_ns = 0
        tmp = self.clock_file.with_name(self.clock_file.name + ".tmp")
        tmp.write_text(at.isoformat() + "\n")
        # Two writes inside one timestamp tick would leave the mtime unchanged and the new instant
        # unread, so the mtime is made to move forward (by at most a millisecond past real time).
        mtime_ns = max(time.time_ns(), previous_ns + 1_000_000)
        os.utime(tmp, ns=(mtime_ns, mtime_ns))
        os.replace(tmp, self.clock_file)

    def clear_clock(self) -> None:
        """Back to real time."""
        self.clock_file.unlink(missing_ok=True)

    # -- infrastructure --

    def ensure_infrastructure(self) -> None:
        """Starts PostgreSQL and RabbitMQ if they do not answer, then waits until both do."""
        i = self.infrastructure
        checks = {
            "PostgreSQL": (lambda: _postgres_answers(i.postgres_host, i.postgres_port), _start_postgres),
            "RabbitMQ": (lambda: _amqp_answers(i.amqp_host, i.amqp_port), _start_rabbitmq),
        }
        waiting = {}
        for server, (answers, start) in checks.items():
            if not answers():
                start()
                waiting[server] = answers
        deadline = time.monotonic() + INFRA_TIMEOUT_S
        for server, answers in waiting.items():
            if not _wait_until(answers, deadline, interval=0.5):
                raise StackError(f"{server} did not answer within {INFRA_TIMEOUT_S:.0f} s of being started")

    def create_databases(self, *, drop_first: bool = False) -> None:
        """One database per selected service (and this stack's vhost); `drop_first` starts them empty."""
        for service in self.services:
            database = self.database(service)
            if database is None:
                continue
            if drop_first:
                self._psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            # Not an injection: `database` is a registry name checked against _IDENTIFIER plus a checked suffix.
            if self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") != "1":  # nosec B608
                self._psql(f'CREATE DATABASE "{database}"')
        if any(self._spec(s).broker for s in self.services):
            self._ensure_vhost(drop_first=drop_first)

    def _psql(self, sql: str) -> str:
        i = self.infrastructure
        command = [
            "psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1",
            "-h", i.postgres_host, "-p", str(i.postgres_port), "-U", i.postgres_user, "-d", "postgres",
            "-c", sql,
        ]  # fmt: skip
        return _run(command, what="psql").strip()

    def _ensure_vhost(self, *, drop_first: bool) -> None:
        def ctl(*args: str) -> str:
            return _run([*self.rabbitmqctl, "-q", *args], what=f"rabbitmqctl {args[0]}")

        existing = ctl("list_vhosts", "--no-table-headers", "name").split()
        if drop_first and self.vhost in existing:
            ctl("delete_vhost", self.vhost)
            existing.remove(self.vhost)
        if self.vhost not in existing:
            ctl("add_vhost", self.vhost)
        ctl("set_permissions", "-p", self.vhost, self.infrastructure.amqp_user, ".*", ".*", ".*")

    def migrate(self) -> None:
        """`alembic upgrade head` for each selected service that has a database."""
        for service in self.services:
            if self._spec(service).database is None:
                continue
            ini = self.root / "services" / service / "alembic.ini"
            if not ini.exists():
                raise StackError(f"{service}: no {ini.relative_to(self.root)} to migrate with")
            _run(
                [self._bin("alembic"), "-c", str(ini.relative_to(self.root)), "upgrade", "head"],
                what=f"alembic upgrade ({service})",
                cwd=self.root,
                env={**os.environ, **self.env_for(service)},
                timeout=300,
            )

    # -- processes --

    def up(self) -> None:
        """Infrastructure, databases, migrations, the issuer, then the services; returns once all are ready.

        A process that fails to become ready stops everything this call started and raises with the
        tail of its log; processes already running from an earlier `up` are left as they were.
        """
        self.ensure_infrastructure()
        self.create_databases()
        self.migrate()
        names = [*self._helpers(), *self.services]
        started: list[str] = []
        try:
            for name in names:
                if self._spawn(name):
                    started.append(name)
            deadline = time.monotonic() + READY_TIMEOUT_S
            for name in names:
                self._wait_ready(name, deadline)
        except BaseException:
            self._stop_all(started)
            raise

    def down(self) -> None:
        """Stops every process this run directory knows of: SIGTERM, up to 30 s, then SIGKILL."""
        names = set(self._procs)
        pids_dir = self.run_dir / "pids"
        if pids_dir.is_dir():
            names.update(p.stem for p in pids_dir.glob("*.pid"))
        self._stop_all(sorted(names))

    def start(self, service: str, *, wait: bool = True) -> None:
        """Starts one process (for restarts in chaos tests); waits for its readiness unless told not to."""
        self._spawn(service)
        if wait:
            self._wait_ready(service, time.monotonic() + READY_TIMEOUT_S)

    def stop(self, service: str) -> None:
        self._stop_all([service])

    def kill(self, service: str, sig: int = signal.SIGKILL) -> None:
        """Sends `sig` to the process group (SIGKILL, SIGSTOP, SIGCONT...): faults on demand."""
        pid = self._live_pid(service)
        if pid is None:
            raise StackError(f"{service} is not running")
        _signal_group(pid, sig)
        if sig == signal.SIGKILL:
            _wait_until(lambda: self._live_pid(service) is None, time.monotonic() + 5.0, interval=0.05)
            self._forget(service)

    def status(self) -> list[tuple[str, int | None, str, str]]:
        """(name, pid, state, url) for the issuer and each selected service."""
        rows = []
        for name in [*self._helpers(), *self.services]:
            pid = self._live_pid(name)
            if pid is None:
                state = "stale pid file" if self._pid_file(name).exists() else "stopped"
            elif name == MAILBOX:
                state = "ready" if _port_taken(self.port(name)) else "running, not ready (no answer)"
            else:
                code = _http_status(self.url(name) + self._ready_path(name))
                state = "ready" if code == 200 else f"running, not ready ({code or 'no answer'})"
            rows.append((name, pid, state, self.url(name)))
        return rows

    def log_file(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    # -- process internals --

    def _helpers(self) -> list[str]:
        """The development processes the selected services need: the issuer, and the mailbox when one reminds."""
        return [ISSUER, *([MAILBOX] if set(self.services) & set(REMINDING) else [])]

    def _bin(self, name: str) -> str:
        return str(self.root / ".venv" / "bin" / name)

    def _pid_file(self, name: str) -> Path:
        return self.run_dir / "pids" / f"{name}.pid"

    def _ready_path(self, name: str) -> str:
        if name == MAILBOX:
            return ""
        return "/healthz" if name == ISSUER else self._spec(name).ready_path

    def _marker(self, name: str) -> str:
        # Seen in /proc/<pid>/cmdline: a recycled pid must not make a stranger look like ours.
        if name == ISSUER:
            return "pmm-dev-issuer"
        if name == MAILBOX:
            return "tools.mailbox"
        spec = self.registry.services.get(name)
        # A pid file left by a service since removed from the registry: still ours to stop.
        return spec.app if spec is not None else "uvicorn"

    def _command(self, name: str) -> list[str]:
        host_port = ["--host", "127.0.0.1", "--port", str(self.port(name))]
        if name == ISSUER:
            issuer = self.registry.issuer
            key = str(self.run_dir / "dev-issuer.pem")
            return [
                self._bin("pmm-dev-issuer"), "serve", *host_port, "--key", key,
                "--issuer", issuer.issuer, "--audience", issuer.audience,
            ]  # fmt: skip
        if name == MAILBOX:
            return [
                self._bin("python"), "-m", "tools.mailbox", "--host", "127.0.0.1", "--port", str(self.port(name)),
                "--dir", str(self.mail_dir),
            ]  # fmt: skip
        # The loop and parser production runs (deploy/docker/service.Dockerfile): named, so a missing one fails.
        return [self._bin("uvicorn"), self._spec(name).app, "--factory", *host_port, *UVICORN_FAST]

    def _env(self, name: str) -> dict[str, str]:
        if name in (ISSUER, MAILBOX):
            own = {"PMM_ENVIRONMENT": "development"}
        else:
            own = self.env_for(name)
        return {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env, **own}

    def _spawn(self, name: str) -> bool:
        """Starts `name` unless it already runs; True when this call started it."""
        if self._live_pid(name) is not None:
            return False
        port = self.port(name)
        if _port_taken(port):
            raise StackError(
                f"port {port} for {name} is taken by another process (another stack? `make down`, or a port_offset)"
            )
        for sub in ("pids", "logs", "traces"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        log_path = self.log_file(name)
        with log_path.open("ab") as log:
            log.write(f"\n=== {name} starting at {datetime.now().isoformat(timespec='seconds')}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                self._command(name),
                cwd=self.root,
                env=self._env(name),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._procs[name] = proc
        self._pid_file(name).write_text(f"{proc.pid}\n")
        return True

    def _wait_ready(self, name: str, deadline: float) -> None:
        url = self.url(name) + self._ready_path(name)
        last: int | None = None
        while True:
            if self._live_pid(name) is None:
                raise StackError(
                    f"{name} exited before it was ready ({url}); last lines of {self.log_file(name)}:\n"
                    f"{_tail(self.log_file(name))}"
                )
            # The mailbox speaks SMTP: ready once it accepts a connection.
            last = (200 if _port_taken(self.port(name)) else None) if name == MAILBOX else _http_status(url)
            if last == 200:
                return
            if time.monotonic() >= deadline:
                log = self.log_file(name)
                raise StackError(
                    f"{name} not ready within {READY_TIMEOUT_S:.0f} s ({url} answered "
                    f"{last or 'nothing'}); last lines of {log}:\n{_tail(log)}"
                )
            time.sleep(0.25)

    def _live_pid(self, name: str) -> int | None:
        proc = self._procs.get(name)
        if proc is not None:
            # poll() also reaps our own child, so a dead one is not left behind as a zombie.
            return proc.pid if proc.poll() is None else None
        try:
            pid = int(self._pid_file(name).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _is_ours(pid, self._marker(name)) else None

    def _forget(self, name: str) -> None:
        self._procs.pop(name, None)
        self._pid_file(name).unlink(missing_ok=True)

    def _stop_all(self, names: Iterable[str]) -> None:
        live = {name: pid for name in names if (pid := self._live_pid(name)) is not None}
        for pid in live.values():
            _signal_group(pid, signal.SIGTERM)
            # A process frozen by a chaos test (SIGSTOP) would sit on its SIGTERM until killed.
            _signal_group(pid, signal.SIGCONT)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        _wait_until(lambda: all(self._live_pid(n) is None for n in live), deadline, interval=0.1)
        for name in live:
            pid = self._live_pid(name)
            if pid is not None:
                _signal_group(pid, signal.SIGKILL)
        _wait_until(lambda: all(self._live_pid(n) is None for n in live), time.monotonic() + 5.0)
        for name in names:
            self._forget(name)


def _is_ours(pid: int, marker: str) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X") and marker in cmdline


def _signal_group(pid: int, sig: int) -> None:
    try:
        # start_new_session made the process its group's leader: the group takes any children along.
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _run(
    command: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> str:
    if shutil.which(command[0]) is None:
        raise StackError(f"{what}: {command[0]} is not installed")
    try:
        done = subprocess.run(
            list(command), cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"{what}: no result within {timeout:.0f} s") from exc
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).strip().splitlines()[-LOG_TAIL_LINES:])
        raise StackError(f"{what} failed (exit {done.returncode}):\n{output}")
    return done.stdout


def _start_postgres() -> None:
    try:
        versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])
    except (FileNotFoundError, ValueError):
        versions = []
    if not versions:
        raise StackError("PostgreSQL does not answer and no cluster is configured in /etc/postgresql")
    _run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
         what="pg_ctlcluster start")  # fmt: skip


def _start_rabbitmq() -> None:
    _run(["rabbitmq-server", "-detached"], what="rabbitmq-server -detached")


# --- command line ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.stack", description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", type=Path, help="default: <root>/.run")
    parser.add_argument("--services", help="comma-separated; default: the enabled ones")
    parser.add_argument("--db-suffix", default="")
    parser.add_argument("--port-offset", type=int, default=0)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="infra, databases, migrations, issuer, services; wait until ready")
    commands.add_parser("down", help="stop every process of the run directory")
    commands.add_parser("status", help="pid, readiness and address of each process")
    commands.add_parser("infra", help="start PostgreSQL and RabbitMQ if they are down")
    createdb = commands.add_parser("createdb", help="create the databases")
    createdb.add_argument("--drop", action="store_true", help="drop them first")
    commands.add_parser("migrate", help="alembic upgrade head for each service")
    logs = commands.add_parser("logs", help="show a process's log")
    logs.add_argument("name", help=f"a service or {ISSUER!r}")
    logs.add_argument("-n", "--lines", type=int, default=100)
    logs.add_argument("-f", "--follow", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    services = None if args.services is None else [s for s in args.services.split(",") if s]
    try:
        stack = Stack(
            Path(__file__).resolve().parents[1],
            run_dir=args.run_dir,
            db_suffix=args.db_suffix,
            port_offset=args.port_offset,
            services=services,
        )
        if args.command == "up":
            stack.up()
            for name, pid, state, url in stack.status():
                print(f"{name:<12} {url:<24} pid {pid}  {state}")
            print(f"logs in {stack.run_dir / 'logs'}, traces in {stack.run_dir / 'traces'}")
        elif args.command == "down":
            stack.down()
        elif args.command == "status":
            for name, pid, state, url in stack.status():
                print(f"{name:<12} {url:<24} pid {pid or '-':<8} {state}")
        elif args.command == "infra":
            stack.ensure_infrastructure()
        elif args.command == "createdb":
            stack.create_databases(drop_first=args.drop)
        elif args.command == "migrate":
            stack.migrate()
        elif args.command == "logs":
            path = stack.log_file(args.name)
            if args.follow:
                os.execvp("tail", ["tail", "-n", str(args.lines), "-F", str(path)])
            print(_tail(path, args.lines))
    except StackError as exc:
        print(f"stack: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
