"""A real SMTP server on loopback (aiosmtpd), for tests that read the mail the app sends."""

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        while self.server.hanging.is_set():  # connection accepted, greeting sent, then silence
            await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        self.server._received(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start, stop and start again on the same port; `messages` keeps what arrived."""

    def __init__(self):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[Message] = []
        self.delay = 0.0  # seconds to take over each message, to widen race windows
        # While set, the server accepts connections and greets, then answers nothing more (it
        # hangs at the recipient, before any message is handed over).
        self.hanging = threading.Event()
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        self.hanging.clear()
        with self._lock:
            self.messages.clear()

    def _received(self, message: Message) -> None:
        with self._lock:
            self.messages.append(message)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str, wait: float = 5.0) -> Message:
        """The last mail to `address`, waiting a little for it: a live server sends mail after
        its response has gone, so it may arrive just after the page does."""
        deadline = time.monotonic() + wait
        while not self.to(address) and time.monotonic() < deadline:
            time.sleep(0.05)
        found = self.to(address)
        assert found, f"no mail to {address}; got mail to {[m['To'] for m in self.messages]}"
        return found[-1]


def text_body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("message has no text part")


def html_body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("message has no HTML part")
