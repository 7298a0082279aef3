"""Barge-in measured in stream time, history cut to what was heard, and providers failing mid-call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from adapters.llm.base import ProviderError
from adapters.local_speech.providers import LocalSTT, LocalSTTSession, LocalTTS
from adapters.stt.fallback import STTFallback
from adapters.tts.fallback import TTSFallback
from media_server import protocol
from media_server.agent import EchoAgent
from tests.media.helpers import STREAM_SID, settle, speech_frames, start_message, start_session
from tests.media.test_session import ScriptedAgent, decoded

S1 = "Good morning, this is Emma calling from Gyde."
S2 = "I am calling about the dental coverage you asked us about last week."
S3 = "Do you have a minute to talk?"


async def test_barge_in_clears_within_100ms_of_speech_onset_and_cuts_history_to_what_was_heard():
    h = await start_session(agent_factory=lambda ctx, control: ScriptedAgent(greeting=(S1, S2, S3)))
    await h.send(start_message())
    await h.wait_marks(1)  # S1 played in full (Twilio echoed its mark)
    await h.silence(15, pace=0.02)  # 300 ms into S2
    onset_frame = h.transport.frames_in + 1
    await h.frames(speech_frames("wait, who is this?"), pace=0.02)
    await h.silence(12, pace=0.02)

    events = h.transport.events()
    clears = [at for at, ev in events if isinstance(ev, protocol.OutClear)]
    assert len(clears) == 1
    assert (clears[0] - onset_frame + 1) * 20 <= 100  # stream time from onset frame to clear
    clear_index = next(i for i, (_, ev) in enumerate(events) if isinstance(ev, protocol.OutClear))
    assert not any(isinstance(ev, protocol.OutMark) and ev.name == "u2" for _, ev in events)

    agent = h.agents[0]
    assert isinstance(agent, ScriptedAgent)
    (heard,) = agent.heard
    assert heard.startswith(S1 + " I am")
    assert len(heard) < len(S1 + " " + S2) and S3 not in heard
    assert agent.history[0] == ("agent", heard)  # the agent's transcript holds only what was heard

    await h.wait_marks(2)  # the reply to the interruption
    before_clear = b"".join(ev.payload for _, ev in events[:clear_index] if isinstance(ev, protocol.OutMedia))
    assert decoded(before_clear) == [S1]  # S2 never completed on the line
    assert agent.caller == ["wait, who is this?"]
    assert h.session.report.barge_ins == 1 and h.session.report.turns[0].interrupted
    await h.send(None)
    await h.task


class SlowAgent(EchoAgent):
    """An LLM that takes forever: barge-in must cancel it."""

    def __init__(self) -> None:
        super().__init__(greeting=("Hi.",))
        self.cancelled = 0
        self.heard: list[str] = []

    async def respond(self, caller_text: str) -> AsyncIterator[str]:
        try:
            await asyncio.sleep(30)
            yield "never"
        finally:
            self.cancelled += 1

    def on_heard(self, text_heard: str) -> None:
        self.heard.append(text_heard)


async def test_caller_speaking_again_cancels_the_reply_in_flight():
    h = await start_session(agent_factory=lambda ctx, control: SlowAgent())
    await h.send(start_message())
    await h.wait_marks(1)
    await h.frames(speech_frames("first"))
    await h.silence(12)
    await asyncio.sleep(0.05)  # the agent is now "thinking"
    await h.frames(speech_frames("second"))
    await h.silence(3)  # a hold until the words say it is not a backchannel
    await settle()
    agent = h.agents[0]
    assert isinstance(agent, SlowAgent)
    assert agent.cancelled == 1 and agent.heard == [""]
    assert h.transport.events()[-1][1] == protocol.OutClear()
    await h.send(None)
    await h.task


# --- provider fallback mid-call ----------------------------------------------------------------------


class FlakySTTSession(LocalSTTSession):
    def __init__(self, owner: FlakySTT) -> None:
        super().__init__(owner.name)
        self.owner = owner

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self.owner.frames += 1
        if self.owner.frames > self.owner.fail_after:
            raise ProviderError(self.owner.name, "socket dropped")
        await super().send_audio(mulaw_8k)


class FlakySTT(LocalSTT):
    def __init__(self, fail_after: int) -> None:
        super().__init__(name="primary-stt")
        self.fail_after = fail_after
        self.frames = 0

    async def open_session(self) -> FlakySTTSession:  # type: ignore[override]
        return FlakySTTSession(self)


class FlakyTTS(LocalTTS):
    def __init__(self, good_sentences: int) -> None:
        super().__init__(name="primary-tts")
        self.good = good_sentences

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        if self.good <= 0:
            raise ProviderError(self.name, "HTTP 503")
        self.good -= 1
        async for chunk in super().synthesize(text):
            yield chunk


async def test_stt_and_tts_fail_over_mid_call_without_dropping_it():
    first, second = speech_frames("first words here"), speech_frames("second words here")
    fail_after = len(first) // 2  # the STT socket dies in the middle of the first utterance
    stt = STTFallback([FlakySTT(fail_after), LocalSTT()], timeout_s=1.0)
    tts = TTSFallback([FlakyTTS(good_sentences=1), LocalTTS()], timeout_s=1.0)
    h = await start_session(agent_factory=lambda ctx, control: ScriptedAgent(), stt=stt, tts=tts)
    await h.send(start_message())
    await h.wait_marks(1)
    await h.frames(first)
    await h.silence(12)
    await h.wait_marks(2)
    await h.frames(second)
    await h.silence(12)
    await h.wait_marks(3)

    agent = h.agents[0]
    assert isinstance(agent, ScriptedAgent)
    assert agent.caller == ["first words here", "second words here"]
    assert decoded(h.transport.agent_audio()) == ["Hi.", "Ok.", "Ok."]
    assert h.control.events == []  # the call is still up
    await h.send(protocol.stop_message(STREAM_SID, "CA1"))
    report = await h.task
    assert [t.stt_provider for t in report.turns] == ["", "local", "local"]
    assert stt.breakers.get("primary-stt").consecutive_failures == 1
    assert [t.tts_providers for t in report.turns] == [["primary-tts"], ["local"], ["local"]]


class DeadTTS(LocalTTS):
    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        raise ProviderError("dead", "down")
        yield b""  # pragma: no cover


async def test_all_tts_down_skips_sentences_but_keeps_the_call():
    h = await start_session(agent_factory=lambda ctx, control: ScriptedAgent(), tts=DeadTTS(name="dead"))
    await h.send(start_message())
    await h.frames(speech_frames("hello"))
    await h.silence(12)
    await asyncio.sleep(0.05)
    assert h.agents[0].caller == ["hello"]  # type: ignore[attr-defined]
    await h.send(None)
    report = await h.task
    assert report.turns[0].tts_providers == ["none"] and report.turns[1].tts_providers == ["none"]
