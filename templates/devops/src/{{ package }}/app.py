"""The WSGI application: routing, JSON responses and per-request metrics."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from . import DESCRIPTION, SERVICE_NAME, __version__
from .config import Settings
from .metrics import Metrics
from .store import ItemStore, ValidationError

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

log = logging.getLogger(__name__)

_ITEM_PATH = re.compile(r"^/api/v1/items/(?P<id>[0-9]{1,18})$")


@dataclass(frozen=True)
class Response:
    """A status, a body and its content type."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, data: object) -> Response:
        """A JSON response."""
        return cls(status, json.dumps(data, ensure_ascii=False).encode())

    @classmethod
    def error(cls, status: int, message: str) -> Response:
        """A JSON error response: ``{"error": ..., "message": ...}``."""
        return cls.json(status, {"error": HTTPStatus(status).phrase, "message": message})


class App:
    """A small JSON API with health and metrics endpoints."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.metrics = Metrics()
        self.store = ItemStore()
        self.started = time.monotonic()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Handle one request; never lets an exception reach the server."""
        began = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        route, response = self._dispatch(method, path, environ)
        elapsed = time.perf_counter() - began
        self.metrics.observe(route, method, response.status, elapsed)
        log.info(
            "request",
            extra={
                "method": method,
                "path": path,
                "status": response.status,
                "duration_ms": round(elapsed * 1000, 3),
            },
        )
        status_line = f"{response.status} {HTTPStatus(response.status).phrase}"
        start_response(
            status_line,
            [
                ("Content-Type", response.content_type),
                ("Content-Length", str(len(response.body))),
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "no-store"),
            ],
        )
        return [response.body]

    def _dispatch(self, method: str, path: str, environ: Environ) -> tuple[str, Response]:
        """Return the route label (bounded, for metrics) and the response."""
        routes: dict[str, dict[str, Callable[[Environ], Response]]] = {
            "/healthz": {"GET": self._health},
            "/metrics": {"GET": self._metrics},
            "/api/v1/info": {"GET": self._info},
            "/api/v1/items": {"GET": self._list_items, "POST": self._create_item},
        }
        route = path
        handlers = routes.get(path)
        match = _ITEM_PATH.match(path)
        if handlers is None and match:
            route = "/api/v1/items/{id}"
            item_id = int(match["id"])
            handlers = {
                "GET": lambda _env: self._get_item(item_id),
                "DELETE": lambda _env: self._delete_item(item_id),
            }
        if handlers is None:
            return "unmatched", Response.error(404, f"no route for {path}")
        handler = handlers.get(method)
        if handler is None:
            return route, Response.error(405, f"{method} not allowed on {route}")
        try:
            return route, handler(environ)
        except Exception:
            log.exception("unhandled error", extra={"path": path, "method": method})
            return route, Response.error(500, "internal error")

    def _health(self, _environ: Environ) -> Response:
        uptime = round(time.monotonic() - self.started, 3)
        return Response.json(200, {"status": "ok", "uptime_seconds": uptime})

    def _metrics(self, _environ: Environ) -> Response:
        body, content_type = self.metrics.exposition()
        return Response(200, body, content_type)

    def _info(self, _environ: Environ) -> Response:
        return Response.json(
            200,
            {"name": SERVICE_NAME, "version": __version__, "description": DESCRIPTION},
        )

    def _list_items(self, environ: Environ) -> Response:
        tag = _query_param(environ, "tag")
        items = [item.to_json() for item in self.store.list(tag)]
        return Response.json(200, {"items": items, "count": len(items)})

    def _create_item(self, environ: Environ) -> Response:
        try:
            payload = self._read_json(environ)
            item = self.store.create(payload)
        except ValidationError as exc:
            return Response.error(400, str(exc))
        except _BodyTooLarge as exc:
            return Response.error(413, str(exc))
        self.metrics.items.set(len(self.store))
        return Response.json(201, item.to_json())

    def _get_item(self, item_id: int) -> Response:
        item = self.store.get(item_id)
        if item is None:
            return Response.error(404, f"item {item_id} not found")
        return Response.json(200, item.to_json())

    def _delete_item(self, item_id: int) -> Response:
        if not self.store.delete(item_id):
            return Response.error(404, f"item {item_id} not found")
        self.metrics.items.set(len(self.store))
        return Response(204, b"")

    def _read_json(self, environ: Environ) -> object:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ValidationError("Content-Length: not an integer") from None
        if length > self.settings.max_body_bytes:
            raise _BodyTooLarge(f"body: larger than {self.settings.max_body_bytes} bytes")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            return json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValidationError("body: not valid JSON") from None


class _BodyTooLarge(Exception):
    pass


def _query_param(environ: Environ, key: str) -> str | None:
    values = parse_qs(environ.get("QUERY_STRING", "")).get(key)
    return values[0] if values else None
