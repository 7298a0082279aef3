"""Every Prometheus metric of Gyde, defined once (prometheus-client's default registry).

Labels carry ids of kinds, never of people: provider names, outcomes, stages, gate verdicts.
No client id, phone or name is ever a label value (PHI rule; also unbounded cardinality).
Each process serves them at `/metrics` (api route, media server HTTP path, worker's own port);
deploy/grafana/gyde.json plots them and tests/observability checks it names only these.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE_LATEST", "REGISTRY", "render"]

# Latency buckets for one conversational turn's parts (seconds): 20 ms up to 10 s.
TURN_BUCKETS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

CALLS_IN_FLIGHT = Gauge("gyde_calls_in_flight", "Media streams holding a live conversation now")
CALLS_ENDED = Counter("gyde_calls_ended_total", "Media streams that ended, by the call's result", ["result"])
OUTCOMES = Counter(
    "gyde_client_outcomes_total", "Clients that reached a terminal outcome (worker)", ["outcome"]
)
BOOKINGS = Counter("gyde_bookings_total", "Appointments booked (worker)")
TURN_LATENCY = Histogram(
    "gyde_turn_latency_seconds",
    "One caller turn, by part: stt (end of speech to transcript), llm (text to first sentence), "
    "tts (sentence to first audio), end_to_end (end of speech to first audio frame)",
    ["stage"],
    buckets=TURN_BUCKETS,
)
PROVIDER_ERRORS = Counter(
    "gyde_provider_errors_total", "Failed requests to an AI provider (STT, LLM, TTS)", ["provider"]
)
PROVIDER_FALLBACKS = Counter(
    "gyde_provider_fallbacks_total",
    "Times a call moved on to the next provider of its kind",
    ["kind", "from_provider"],
)
DIAL_GATE = Counter(
    "gyde_dial_gate_decisions_total", "Dial-time compliance gate decisions (worker)", ["verdict"]
)


def render() -> bytes:
    """The text exposition of every metric in this process."""
    return generate_latest(REGISTRY)


def observe_turn(stage: str, seconds: float) -> None:
    if seconds >= 0:
        TURN_LATENCY.labels(stage=stage).observe(seconds)


def record_outcome(outcome: str) -> None:
    OUTCOMES.labels(outcome=outcome).inc()
    if outcome == "scheduled":
        BOOKINGS.inc()


def record_gate(allowed: bool, deferred: bool) -> None:
    """allowed, deferred (wait for retry_at and ask again) or blocked (never in this campaign)."""
    DIAL_GATE.labels(verdict="allowed" if allowed else "deferred" if deferred else "blocked").inc()


def record_provider_error(provider: str) -> None:
    PROVIDER_ERRORS.labels(provider=provider or "unknown").inc()


def record_fallback(kind: str, from_provider: str) -> None:
    PROVIDER_FALLBACKS.labels(kind=kind, from_provider=from_provider or "unknown").inc()
