"""A real SMTP server in the test process (aiosmtpd), for suites that mail: what arrived, and faults on demand.

    from pmm_testkit.mailbox import smtp_fixture
    smtp = smtp_fixture()            # in a conftest or test module: a function-scoped `smtp` fixture

`smtp.messages` are the accepted messages (email.message.Message); `smtp.refuse(address)` answers 550 to that
RCPT, `smtp.defer(n)` answers 451 to the next n messages, `smtp.stop()` / `smtp.start()` take the server away and
bring it back on the same port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, box: SmtpServer) -> None:
        self.box = box

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.lower() in self.box.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.box.lock:
            if self.box.deferrals > 0:
                self.box.deferrals -= 1
                return "451 4.3.0 try again later"
            message = message_from_bytes(envelope.content)
            self.box.messages.append(message)
            self.box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()
        self.deferrals = 0
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=10)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str) -> None:
        self.refused.add(address.lower())

    def defer(self, count: int) -> None:
        with self.lock:
            self.deferrals = count

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} messages arrived, expected {count}")


def smtp_fixture(name: str = "smtp") -> Any:
    @pytest.fixture(name=name)
    def smtp() -> Iterator[SmtpServer]:
        server = SmtpServer()
        server.start()
        try:
            yield server
        finally:
            server.stop()

    return smtp
