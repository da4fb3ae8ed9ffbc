"""A threading WSGI server with graceful shutdown on SIGTERM and SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from socketserver import ThreadingMixIn
from types import FrameType
from typing import cast
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from . import SERVICE_NAME, __version__, logs
from .app import App
from .config import ConfigError, Settings

log = logging.getLogger(__name__)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """Serve each request in its own thread."""

    daemon_threads = True
    # Wait for in-flight requests when shutting down.
    block_on_close = True


class QuietHandler(WSGIRequestHandler):
    """The app logs every request as JSON; drop wsgiref's stderr access log."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silence the default access log."""


def build_server(settings: Settings, app: App | None = None) -> ThreadingWSGIServer:
    """Bind a server for ``app`` (port 0 picks a free port)."""
    server = make_server(
        settings.host,
        settings.port,
        app or App(settings),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    return cast(ThreadingWSGIServer, server)


def serve(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT, then finish in-flight requests and return."""
    server = build_server(settings)
    stopping = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("shutting down", extra={"signal": signal.Signals(signum).name})
            # shutdown() blocks until serve_forever returns: call it off this thread.
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    host, port = server.server_address[:2]
    log.info("listening", extra={"host": host, "port": port, "version": __version__})
    try:
        server.serve_forever()
    finally:
        server.server_close()
        log.info("stopped")


def main() -> int:
    """Read settings, configure logging and serve; exit 2 on bad configuration."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logs.configure(SERVICE_NAME, settings.log_level_number)
    serve(settings)
    return 0
