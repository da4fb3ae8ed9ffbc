"""Prometheus metrics, kept in a registry per application instance."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

# Buckets around the 250 ms latency objective that the alert rules use.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Metrics:
    """The service's metrics and the registry that exposes them."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests handled, by route, method and status code.",
            ("path", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time spent handling an HTTP request, by route and method.",
            ("path", "method"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.items = Gauge(
            "app_items",
            "Items currently held in the in-memory store.",
            registry=self.registry,
        )

    def observe(self, path: str, method: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        self.requests.labels(path=path, method=method, status=str(status)).inc()
        self.latency.labels(path=path, method=method).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
