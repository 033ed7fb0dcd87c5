"""The session's app served on a free port of loopback, in threads of this process: for the
browser journeys (tests/e2e) and for outside verifiers that fetch what the app publishes (a
credential's status list). It shares the test database and the loopback SMTP server."""

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the signature wsgiref calls)
        pass


class LiveServer:
    """The session's app on a free port, in threads of this process. wsgiref, like gunicorn,
    always closes the response (PEP 3333), so mail sent "after the response" leaves; werkzeug's
    development server skips that when a browser resets the connection after a redirect."""

    def __init__(self, app):
        self.app = app  # pytest-flask looks for it
        self._server = make_server("127.0.0.1", 0, app, server_class=ThreadingWSGIServer,
                                   handler_class=QuietHandler)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return self.base + path

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
