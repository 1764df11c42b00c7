"""Prometheus metrics, on a registry of our own (tests build many apps in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.jobs = Gauge("chorus_jobs", "Jobs by state", ["state"], registry=self.registry)
        self.finished = Counter(
            "chorus_jobs_finished_total", "Jobs finished", ["op", "outcome"], registry=self.registry
        )
        self.vendor_calls = Counter(
            "chorus_vendor_calls_total",
            "AI Music API requests",
            ["endpoint", "result"],
            registry=self.registry,
        )
        self.credits = Gauge(
            "chorus_credits",
            "Member credits by kind (held, captured)",
            ["kind"],
            registry=self.registry,
        )
        self.outbox = Gauge(
            "chorus_outbox", "Outbox rows by state", ["state"], registry=self.registry
        )
        self.delivery_seconds = Histogram(
            "chorus_delivery_latency_seconds",
            "From job finished to result posted",
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.undelivered = Counter(
            "chorus_undelivered_total",
            "Results and notices no route would take (kept for /mysongs)",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.webhooks = Counter(
            "chorus_webhooks_total", "Webhooks received", ["result"], registry=self.registry
        )
        self.lost_answers = Counter(
            "chorus_lost_answers_total",
            "Submissions whose answer was lost (lost), then adopted by their webhook or released",
            ["outcome"],
            registry=self.registry,
        )

    def vendor_call(self, endpoint: str, result: str) -> None:
        self.vendor_calls.labels(endpoint=endpoint, result=result).inc()
