"""Promise: api, media server and worker serve `gyde_*` Prometheus metrics at `/metrics`, and the
live paths move them: a call in flight and its end, turn latency by part, provider errors and
fallbacks, dial-gate verdicts and outcomes. Label values are kinds, never ids of people."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from adapters.fallback import CircuitBreaker
from adapters.tts.fallback import TTSFallback
from observability import metrics
from observability.temporal_metrics import serve_metrics
from stack.supervisor import free_port
from tests.media.helpers import make_config, speech_frames
from tests.media.test_session import ScriptedAgent, started
from tests.telephony.conftest import FakeGateway, FakeTelephony, make_settings


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def families(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}


async def test_the_api_serves_gyde_metrics() -> None:
    from api.app import create_app

    app = create_app(make_settings(), FakeGateway(), FakeTelephony())  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        answer = await client.get("/metrics")
        schema = (await client.get("/openapi.json")).json()
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    assert {"gyde_calls_in_flight", "gyde_turn_latency_seconds", "gyde_dial_gate_decisions"} <= families(
        answer.text
    )
    assert "/metrics" not in schema["paths"]


async def test_the_media_server_serves_metrics_beside_media() -> None:
    from adapters.local_speech.providers import LocalSTT, LocalTTS
    from media_server.agent import echo_agent_factory
    from media_server.control import NullControl
    from media_server.server import MediaServer
    from media_server.session import SessionServices
    from media_server.session_store import MemorySessionStore

    services = SessionServices(
        LocalSTT(), LocalTTS(), echo_agent_factory, lambda ctx: NullControl(), MemorySessionStore()
    )
    port = free_port()
    async with MediaServer(make_config(), services).serve("127.0.0.1", port):
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{port}/metrics")
            other = await client.get(f"http://127.0.0.1:{port}/elsewhere")
    assert answer.status_code == 200 and "gyde_calls_ended_total" in answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    assert other.status_code == 404


async def test_the_worker_serves_metrics_on_its_port_and_a_taken_port_is_not_fatal() -> None:
    port = free_port()
    assert serve_metrics("127.0.0.1", port)
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert "gyde_client_outcomes_total" in answer.text
    assert not serve_metrics("127.0.0.1", port)  # taken now: a warning, the worker goes on
    assert not serve_metrics("127.0.0.1", 0)  # 0 = off


async def test_a_call_moves_in_flight_end_and_turn_latency_metrics() -> None:
    before_e2e = value("gyde_turn_latency_seconds_count", stage="end_to_end")
    before_stt = value("gyde_turn_latency_seconds_count", stage="stt")
    before_tts = value("gyde_turn_latency_seconds_count", stage="tts")
    before_ended = value("gyde_calls_ended_total", result="dropped")
    live = value("gyde_calls_in_flight")
    h = await started(agent_factory=lambda ctx, control: ScriptedAgent(reply=("Got it.",)))
    await h.wait_marks(1)
    assert value("gyde_calls_in_flight") == live + 1
    await h.frames(speech_frames("yes this is me"))
    await h.silence(12)
    await h.wait_marks(2)
    await h.send(None)
    await h.task
    assert value("gyde_calls_in_flight") == live
    assert value("gyde_calls_ended_total", result="dropped") == before_ended + 1
    assert value("gyde_turn_latency_seconds_count", stage="stt") == before_stt + 1
    assert value("gyde_turn_latency_seconds_count", stage="end_to_end") >= before_e2e + 2  # greeting + reply
    assert value("gyde_turn_latency_seconds_count", stage="tts") >= before_tts + 2


class _DeadTTS:
    name = "deadvoice"

    async def synthesize(self, text: str):  # type: ignore[no-untyped-def]
        from adapters.provider_error import ProviderError

        raise ProviderError("deadvoice", "503 from vendor")
        yield b""  # pragma: no cover


class _GoodTTS:
    name = "goodvoice"

    async def synthesize(self, text: str):  # type: ignore[no-untyped-def]
        yield b"\x00" * 160


async def test_provider_errors_and_fallbacks_are_counted_by_provider() -> None:
    errors = value("gyde_provider_errors_total", provider="deadvoice")
    fallbacks = value("gyde_provider_fallbacks_total", kind="tts", from_provider="deadvoice")
    chain = TTSFallback([_DeadTTS(), _GoodTTS()], timeout_s=1.0)  # type: ignore[list-item]
    audio = [chunk async for chunk in chain.synthesize("Hello.")]
    assert audio and chain.last_provider == "goodvoice"
    assert value("gyde_provider_errors_total", provider="deadvoice") == errors + 1
    assert value("gyde_provider_fallbacks_total", kind="tts", from_provider="deadvoice") == fallbacks + 1
    breaker = CircuitBreaker("some-llm")
    breaker.record_failure()
    assert value("gyde_provider_errors_total", provider="some-llm") == 1


def test_gate_verdicts_and_outcomes_have_bounded_labels() -> None:
    base = {v: value("gyde_dial_gate_decisions_total", verdict=v) for v in ("allowed", "deferred", "blocked")}
    metrics.record_gate(True, False)
    metrics.record_gate(False, True)
    metrics.record_gate(False, False)
    for verdict in base:
        assert value("gyde_dial_gate_decisions_total", verdict=verdict) == base[verdict] + 1
    booked = value("gyde_bookings_total")
    metrics.record_outcome("scheduled")
    metrics.record_outcome("opted_out")
    assert value("gyde_bookings_total") == booked + 1


def test_no_metric_label_can_carry_a_person() -> None:
    allowed = {"result", "outcome", "stage", "provider", "kind", "from_provider", "verdict"}
    checked = 0
    for collector in list(metrics.REGISTRY._collector_to_names):  # noqa: SLF001 - the registry's own index
        labels = set(getattr(collector, "_labelnames", ()))
        name = getattr(collector, "_name", "")
        if name.startswith("gyde_"):
            assert labels <= allowed, (name, labels)
            checked += 1
    assert checked >= 8
