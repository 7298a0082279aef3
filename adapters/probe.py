"""One short request per provider, timed to its first result: what `gyde providers check` runs.

Why through the ports only: the same probe works for every vendor, a local stub, or the offline
providers. LLM: a two-word turn, timed to its first event. TTS: one short sentence, timed to its
first audio. STT: a session, a second of audio, a flush, timed to the first transcript; a vendor
hears no words in silence, so an open session that stays healthy until the timeout counts as a
pass, timed to the open. Nothing the probe sends or receives is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from adapters.fallback import BreakerBoard
from adapters.llm.base import ChatMessage, LLMProvider, LLMRequest
from adapters.stt.base import STTProvider
from adapters.tts.base import TTSProvider

PROBE_TEXT = "Say OK."
PROBE_SENTENCE = "Hello."
SILENCE_1S = b"\xff" * 8000


@dataclass(frozen=True)
class ProbeResult:
    kind: str
    provider: str
    ok: bool
    first_result_ms: float | None
    detail: str  # "first event", "first audio", "transcript", "session open", or the error
    breaker: str = "closed"


async def probe_llm(provider: LLMProvider, timeout_s: float) -> tuple[float, str]:
    request = LLMRequest(
        system="Answer in one word.", messages=(ChatMessage("user", PROBE_TEXT),), max_tokens=5
    )
    start = time.perf_counter()
    events = provider.stream(request)
    try:
        async with asyncio.timeout(timeout_s):
            await anext(events)
            first = time.perf_counter() - start
            async for _ in events:  # drain: a stream that fails after its first event fails
                pass
    finally:
        with contextlib.suppress(Exception):
            await events.aclose()  # type: ignore[attr-defined]
    return first, "first event"


async def probe_tts(provider: TTSProvider, timeout_s: float) -> tuple[float, str]:
    start = time.perf_counter()
    chunks = provider.synthesize(PROBE_SENTENCE)
    first: float | None = None
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in chunks:
                if chunk and first is None:
                    first = time.perf_counter() - start
    finally:
        with contextlib.suppress(Exception):
            await chunks.aclose()  # type: ignore[attr-defined]
    if first is None:
        raise RuntimeError("no audio")
    return first, "first audio"


async def probe_stt(provider: STTProvider, timeout_s: float, audio: bytes = SILENCE_1S) -> tuple[float, str]:
    start = time.perf_counter()
    async with asyncio.timeout(timeout_s):
        session = await provider.open_session()
    opened = time.perf_counter() - start
    stream = session.transcripts()
    try:
        for offset in range(0, len(audio), 160):
            await session.send_audio(audio[offset : offset + 160])
        await session.flush()
        try:
            async with asyncio.timeout(timeout_s):
                await anext(stream)
            return time.perf_counter() - start, "transcript"
        except TimeoutError:
            return opened, "session open (no words in the probe audio)"
        except StopAsyncIteration:
            raise RuntimeError("transcript stream ended") from None
    finally:
        await session.close()


async def probe(
    kind: str,
    provider: LLMProvider | STTProvider | TTSProvider,
    timeout_s: float,
    breakers: BreakerBoard,
    stt_audio: bytes = SILENCE_1S,
) -> ProbeResult:
    """Run one probe; its outcome is recorded on the provider's breaker, whose state is reported."""
    breaker = breakers.get(provider.name)
    if not breaker.allow():
        return ProbeResult(kind, provider.name, False, None, "skipped: breaker open", breaker.state.value)
    try:
        if kind == "llm":
            seconds, detail = await probe_llm(provider, timeout_s)  # type: ignore[arg-type]
        elif kind == "tts":
            seconds, detail = await probe_tts(provider, timeout_s)  # type: ignore[arg-type]
        else:
            seconds, detail = await probe_stt(provider, timeout_s, stt_audio)  # type: ignore[arg-type]
    except Exception as exc:
        breaker.record_failure()
        reason = "timeout" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        reason = reason.removeprefix(f"{provider.name}: ")
        return ProbeResult(kind, provider.name, False, None, reason, breaker.state.value)
    breaker.record_success()
    return ProbeResult(kind, provider.name, True, round(seconds * 1000, 1), detail, breaker.state.value)
