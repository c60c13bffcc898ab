"""The chaos run's own RabbitMQ node and PostgreSQL cluster, in temporary directories, on ports of their own.

Other people's tests use the machine's broker (5672) and database (5432) at the same time; those are never
touched. These two exist only for the run, may be restarted or crashed by it, and are removed at its end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tools.stack import Infrastructure, _amqp_answers, _postgres_answers

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class InfraError(RuntimeError):
    pass


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise InfraError(f"{what} not up within {timeout:.0f} s")
        time.sleep(0.2)


class OwnRabbit:
    """A second RabbitMQ node (its own name, ports, Mnesia, cookie), a child process of this run."""

    def __init__(self, *, port: int = 5673, dist_port: int = 25673, node: str = "pmmchaos@localhost") -> None:
        self.port, self.dist_port, self.node = port, dist_port, node
        self.dir = Path(tempfile.mkdtemp(prefix="pmm-chaos-rabbit-"))
        (self.dir / "env.conf").write_text("")  # not /etc/rabbitmq/rabbitmq-env.conf: that names the main node
        (self.dir / "plugins").write_text("[].\n")  # no management plugin: its port would collide
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{port}\nloopback_users = none\n"
            # The disk alarm would block publishers on a busy shared disk; not the fault under test.
            "disk_free_limit.absolute = 50MB\n"
        )
        self.env = {
            **os.environ,
            "HOME": str(self.dir),  # its own Erlang cookie
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "env.conf"),
            "RABBITMQ_NODENAME": node,
            "RABBITMQ_NODE_PORT": str(port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def infrastructure_amqp(self) -> dict[str, object]:
        return {"amqp_host": "127.0.0.1", "amqp_port": self.port, "amqp_user": "guest", "amqp_password": "guest"}

    @property
    def rabbitmqctl(self) -> list[str]:
        """The command prefix that reaches this node (for `Stack(rabbitmqctl=...)`)."""
        return ["env", f"HOME={self.dir}", f"RABBITMQ_CONF_ENV_FILE={self.dir / 'env.conf'}",
                str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.node]  # fmt: skip

    def ctl(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(
            [*self.rabbitmqctl, "-q", *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        if done.returncode != 0:
            raise InfraError(f"rabbitmqctl {args[0]}: {done.stderr.strip()[-500:]}")
        return done.stdout

    def answers(self) -> bool:
        return _amqp_answers("127.0.0.1", self.port)

    def start(self) -> None:
        if _amqp_answers("127.0.0.1", self.port):
            raise InfraError(f"port {self.port} already has a broker: another chaos run?")
        log = (self.dir / "server.out").open("ab")
        self._proc = subprocess.Popen(
            [str(RABBITMQ_BIN / "rabbitmq-server")],
            env=self.env,
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(self.answers, 90, "RabbitMQ (chaos node)")

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            try:
                self.ctl("stop", timeout=60)
            except (InfraError, subprocess.TimeoutExpired):
                pass
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _killpg(self._proc.pid)
                self._proc.wait(timeout=10)
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def queue_depths(self, vhost: str) -> dict[str, int]:
        out = self.ctl("list_queues", "-p", vhost, "--no-table-headers", "name", "messages", timeout=30)
        depths = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                depths[parts[0]] = int(parts[1])
        return depths

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnPostgres:
    """A PostgreSQL 15 cluster in a temporary directory (initdb, trust), run as the postgres user."""

    def __init__(self, *, port: int = 5433) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="pmm-chaos-pg-"))
        self.data = self.dir / "data"
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _as_postgres(self, *command: object, timeout: float = 120) -> str:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, command)],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=self.dir,
        )
        if done.returncode != 0:
            raise InfraError(f"{Path(str(command[0])).name}: {(done.stdout + done.stderr).strip()[-800:]}")
        return done.stdout

    @property
    def infrastructure_pg(self) -> dict[str, object]:
        return {"postgres_host": "127.0.0.1", "postgres_port": self.port, "postgres_user": "postgres"}

    def answers(self) -> bool:
        return _postgres_answers("127.0.0.1", self.port)

    def start(self) -> None:
        if self.answers():
            raise InfraError(f"port {self.port} already has a PostgreSQL: another chaos run?")
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB"
        )
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.dir / "server.log", "-w",
                          "-t", "120", "start")  # fmt: skip
        _wait(self.answers, 60, "PostgreSQL (chaos cluster)")

    def stop(self, mode: str = "fast") -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        except InfraError:
            if (self.data / "postmaster.pid").exists():
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                _kill(pid)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def infrastructure(rabbit: OwnRabbit, postgres: OwnPostgres) -> Infrastructure:
    return Infrastructure(**postgres.infrastructure_pg, **rabbit.infrastructure_amqp)  # type: ignore[arg-type]


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
