"""A webhook receiver on loopback for the tests: a real HTTP server in a thread that checks each
delivery's signature with the `standardwebhooks` library (a verifier we did not write), and
receivers that answer 500 or hang."""

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: object = None  # the payload the verifier returned, or None if it refused it


@dataclass
class Receiver:
    base_url: str
    secret: str | None = None  # set once the subscription is made
    hang_seconds: float = 5.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def on(self, path: str) -> list[Received]:
        return [item for item in self.received if item.path == path]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = Received(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
            with receiver.lock:
                receiver.received.append(item)
            if self.path.startswith("/hang"):
                time.sleep(receiver.hang_seconds)
            if self.path.startswith("/fail"):
                return self._answer(500)
            try:
                item.verified = Webhook(receiver.secret).verify(body, item.headers)
            except Exception:  # noqa: BLE001 (any refusal: a wrong or missing secret, a bad header)
                return self._answer(401)
            return self._answer(204)

        def _answer(self, status: int) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender gave up waiting
                pass

    return Handler


@contextlib.contextmanager
def receiving():
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    receiver = Receiver(f"http://127.0.0.1:{server.server_port}")
    server.RequestHandlerClass = _handler(receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
