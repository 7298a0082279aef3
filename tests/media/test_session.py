"""The call loop over an in-memory transport: protocol handling, turn-taking, barge-in, endings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from adapters.local_speech import fsk_codec
from adapters.local_speech.providers import LocalSTT
from domain.enums import CallResult
from media_server import protocol
from media_server.agent import CallContext, EchoAgent
from media_server.session import EndReason
from security.stream_token import mint
from tests.media.helpers import (
    CALL_SID,
    SECRET,
    STREAM_SID,
    WORKFLOW_ID,
    eventually,
    make_config,
    media,
    speech_frames,
    start_message,
    start_session,
)


class SpySTT(LocalSTT):
    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    async def open_session(self):  # type: ignore[no-untyped-def]
        self.opened += 1
        return await super().open_session()


class ScriptedAgent(EchoAgent):
    """Short replies (tests wait for real-time playback); can end the call or greet at length."""

    def __init__(self, control=None, greeting=("Hi.",), reply=("Ok.",), end_on=None):  # type: ignore[no-untyped-def]
        super().__init__(greeting=greeting)
        self.control = control
        self.reply = reply
        self.end_on = end_on
        self.heard: list[str] = []
        self.caller: list[str] = []

    async def respond(self, caller_text: str) -> AsyncIterator[str]:
        self.caller.append(caller_text)
        if self.end_on and self.end_on in caller_text:
            await self.control.end_call(CallResult.DECLINED, "caller declined")
            yield "Goodbye."
            return
        self.history.append(("agent", " ".join(self.reply)))
        for sentence in self.reply:
            yield sentence

    def on_heard(self, text_heard: str) -> None:
        self.heard.append(text_heard)
        super().on_heard(text_heard)


async def started(**kwargs):  # type: ignore[no-untyped-def]
    h = await start_session(**kwargs)
    await h.send(protocol.connected_message())
    await h.send(start_message())
    return h


def decoded(audio: bytes) -> list[str]:
    return fsk_codec.FskDecoder().feed(audio + b"\xff" * 400)


# --- authentication and start ----------------------------------------------------------------------


async def test_forged_token_is_refused_before_any_audio():
    stt = SpySTT()
    h = await start_session(stt=stt)
    await h.send(protocol.connected_message())
    await h.send(start_message(token="v1.eyJ3ZiI6IngifQ.Zm9yZ2Vk"))
    await h.send(media(b"\x00" * 160))
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.UNAUTHORIZED
    assert h.transport.closed_with == 1008
    assert h.agents == [] and stt.opened == 0 and h.transport.sent == []
    assert h.control.events == []  # an unauthenticated stream cannot speak for a workflow


async def test_missing_token_is_refused():
    h = await start_session()
    await h.send(start_message(token=""))
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.UNAUTHORIZED and "missing" in report.detail


async def test_workflow_id_parameter_must_match_the_token():
    h = await start_session()
    await h.send(start_message(workflow_id="outreach:other:client"))
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.UNAUTHORIZED


async def test_token_for_another_call_is_refused():
    h = await start_session()
    await h.send(start_message(token=mint(SECRET, WORKFLOW_ID, CALL_SID), call_sid="CA9"))
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.UNAUTHORIZED and "another call" in report.detail


async def test_stream_that_never_starts_times_out():
    h = await start_session(config=make_config(start_timeout_s=0.1))
    await h.send(protocol.connected_message())
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.START_TIMEOUT
    assert h.transport.closed_with == 1011 and h.agents == []


async def test_media_before_start_is_a_protocol_error():
    h = await start_session()
    await h.send(media(b"\xff" * 160))
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.PROTOCOL_ERROR and h.agents == []


async def test_disconnect_before_start():
    h = await start_session()
    await h.send(None)
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.DISCONNECTED and h.control.events == []


# --- endings after start: the workflow hears "dropped" ---------------------------------------------


async def test_malformed_json_mid_call_ends_cleanly_and_reports_dropped():
    h = await started()
    await h.send("{this is not json")
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.PROTOCOL_ERROR and "MalformedJSON" in report.detail
    assert h.control.events[-1] == "end:dropped"
    assert report.result is CallResult.DROPPED


async def test_bad_base64_mid_call():
    h = await started()
    await h.send('{"event":"media","media":{"payload":"@@@"}}')
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.PROTOCOL_ERROR and "BadPayload" in report.detail
    assert h.control.events[-1] == "end:dropped"


async def test_unknown_event_mid_call():
    h = await started()
    await h.send('{"event":"party"}')
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.PROTOCOL_ERROR and "UnknownEvent" in report.detail


async def test_second_start_is_a_protocol_error():
    h = await started()
    await h.send(start_message())
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.PROTOCOL_ERROR


async def test_early_disconnect_reports_dropped():
    h = await started()
    await h.silence(3)
    await h.send(None)
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.DISCONNECTED
    assert h.control.events == ["end:dropped"]


async def test_stop_without_an_outcome_reports_dropped():
    h = await started()
    await h.send(protocol.stop_message(STREAM_SID, "CA1"))
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.STOPPED and h.control.events == ["end:dropped"]


async def test_silent_socket_hits_the_idle_timeout():
    h = await started(config=make_config(idle_timeout_s=0.2))
    report = await asyncio.wait_for(h.task, 3)
    assert report.reason is EndReason.IDLE_TIMEOUT and h.control.events == ["end:dropped"]


# --- the turn loop -----------------------------------------------------------------------------------


async def test_greeting_then_reply_to_the_callers_words():
    h = await started(agent_factory=lambda ctx, control: ScriptedAgent(reply=("You said it.", "Bye now.")))
    await h.wait_marks(1)
    await h.frames(speech_frames("yes this is me"))
    await h.silence(12)  # 200 ms end-of-turn in the test config, plus margin
    await h.wait_marks(3)  # one mark after every sentence
    assert decoded(h.transport.agent_audio()) == ["Hi.", "You said it.", "Bye now."]
    agent = h.agents[0]
    assert isinstance(agent, ScriptedAgent) and agent.caller == ["yes this is me"]
    assert h.session.report.barge_ins == 0
    await h.send(protocol.stop_message(STREAM_SID, "CA1"))
    report = await asyncio.wait_for(h.task, 2)
    assert [t.stt_provider for t in report.turns] == ["", "local"]
    assert [t.tts_providers for t in report.turns] == [["local"], ["local", "local"]]
    assert report.turns[1].added_latency_ms is not None


async def test_noise_without_words_gets_no_reply():
    h = await started(agent_factory=lambda ctx, control: ScriptedAgent())
    await h.wait_marks(1)
    tone = fsk_codec.encode("x" * 20)[:1600]  # tone with no complete message
    await h.frames([tone[i : i + 160] for i in range(0, 1600, 160)])
    await h.silence(20)
    await asyncio.sleep(0.2)
    assert h.agents[0].caller == []  # type: ignore[attr-defined]
    await h.send(None)
    await h.task


async def test_dtmf_is_a_caller_turn():
    h = await started(agent_factory=lambda ctx, control: ScriptedAgent())
    await h.send(protocol.dtmf_message(STREAM_SID, "1"))
    await eventually(lambda: h.agents[0].caller == ["1"])  # type: ignore[attr-defined]
    await h.send(None)
    await h.task


async def test_agent_ending_the_call_plays_goodbye_then_closes_without_dropped():
    h = await started(agent_factory=lambda ctx, control: ScriptedAgent(control=control, end_on="no thanks"))
    await h.wait_marks(1)
    await h.frames(speech_frames("no thanks"))
    await h.silence(12)
    for _ in range(200):  # keep the line alive (real time) until the session hangs up
        if h.task.done():
            break
        await h.silence(1, pace=0.02)
    report = await asyncio.wait_for(h.task, 3)
    assert report.reason is EndReason.COMPLETED and report.result is CallResult.DECLINED
    assert h.control.events == ["end:declined"]
    assert decoded(h.transport.agent_audio())[-1] == "Goodbye."
    assert h.transport.closed_with == 1000


async def test_session_state_is_stored_without_transcripts():
    from media_server.session_store import MemorySessionStore

    store = MemorySessionStore()
    h = await started(store=store)
    await h.send(None)
    await h.task
    live = await store.get(h.session.report.call_sid)
    assert live is not None and live.workflow_id == WORKFLOW_ID and live.status == "ended"
    assert "Hello" not in live.to_json()


async def test_agent_factory_gets_ids_only():
    seen: list[CallContext] = []

    def factory(ctx, control):  # type: ignore[no-untyped-def]
        seen.append(ctx)
        return ScriptedAgent()

    h = await started(agent_factory=factory)
    await h.send(None)
    await h.task
    assert seen == [CallContext(WORKFLOW_ID, h.session.report.call_sid, STREAM_SID)]


async def test_no_caller_or_agent_words_in_logs(caplog):  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG")
    h = await started(agent_factory=lambda ctx, control: ScriptedAgent(reply=("Thanks Margaret.",)))
    await h.wait_marks(1)
    await h.frames(speech_frames("this is Margaret Holloway born 1958"))
    await h.silence(12)
    await h.wait_marks(2)
    await h.send('{"event":"media","media":{"payload":"@@"}}')
    await h.task
    assert "media stream ended" in caplog.text
    assert "Margaret" not in caplog.text and "1958" not in caplog.text


class QuietCallerAgent(ScriptedAgent):
    """Re-prompts a silent caller (the ConversationEngine's on_silence, reduced to its shape)."""

    def __init__(self) -> None:
        super().__init__()
        self.silences = 0

    async def on_silence(self) -> AsyncIterator[str]:
        self.silences += 1
        yield "Still there?"


async def test_a_silent_caller_is_reprompted_after_the_configured_silence():
    h = await started(
        agent_factory=lambda ctx, control: QuietCallerAgent(), config=make_config(silence_reprompt_s=0.4)
    )
    await h.wait_marks(1)  # the greeting played
    await h.silence(15)  # 300 ms: under the 400 ms threshold
    await asyncio.sleep(0.1)
    agent = h.agents[0]
    assert isinstance(agent, QuietCallerAgent) and agent.silences == 0
    await h.silence(10)  # 500 ms of stream-time silence in all
    await h.wait_marks(2)
    assert agent.silences == 1
    assert decoded(h.transport.agent_audio()) == ["Hi.", "Still there?"]
    assert h.session.report.turns[-1].silence_prompt
    await h.send(None)
    await h.task


async def test_speech_restarts_the_silence_count_and_zero_disables_reprompts():
    h = await started(
        agent_factory=lambda ctx, control: QuietCallerAgent(), config=make_config(silence_reprompt_s=0)
    )
    await h.wait_marks(1)
    await h.silence(200)  # four seconds of silence: never re-prompted when disabled
    await asyncio.sleep(0.1)
    assert h.agents[0].silences == 0  # type: ignore[attr-defined]
    await h.send(None)
    await h.task

    h = await started(
        agent_factory=lambda ctx, control: QuietCallerAgent(), config=make_config(silence_reprompt_s=0.4)
    )
    await h.wait_marks(1)
    await h.silence(15)
    await h.frames(speech_frames("hello"))  # the caller speaks: the count starts over
    await h.silence(12)  # end of turn -> the reply
    await h.wait_marks(2)
    assert h.agents[0].silences == 0  # type: ignore[attr-defined]
    await h.send(None)
    await h.task


class SlowTranscripts(LocalSTT):
    """A loaded STT: every final transcript arrives `delay` seconds after its words were decoded."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def open_session(self):  # type: ignore[no-untyped-def]
        inner = await super().open_session()
        delay = self.delay
        original = inner.transcripts

        async def late() -> AsyncIterator[object]:
            async for transcript in original():
                await asyncio.sleep(delay)
                yield transcript

        inner.transcripts = late  # type: ignore[method-assign]
        return inner


async def test_a_transcript_later_than_the_end_of_turn_still_gets_its_reply():
    h = await started(
        agent_factory=lambda ctx, control: ScriptedAgent(reply=("Got it.",)),
        stt=SlowTranscripts(delay=0.3),
        config=make_config(transcript_grace_s=0.05),
    )
    await h.wait_marks(1)
    await h.frames(speech_frames("yes this is me"))
    await h.silence(12)  # end of turn: the transcript is not there yet (grace 50 ms < 300 ms)
    await h.wait_marks(2)
    agent = h.agents[0]
    assert isinstance(agent, ScriptedAgent) and agent.caller == ["yes this is me"]
    assert decoded(h.transport.agent_audio()) == ["Hi.", "Got it."]
    await h.send(None)
    await h.task


def test_live_session_json_is_what_asdict_gives_and_reads_back() -> None:
    import json
    from dataclasses import asdict

    from media_server.session_store import LiveSession, TurnRecord

    turns = [TurnRecord(0, "local", "echo", ["local"], False, 1.25), TurnRecord(1, silence_prompt=True)]
    live = LiveSession("CA1", "wf-1", "MZ1", stage="greeting", turns=turns)
    assert live.to_json() == json.dumps(asdict(live), separators=(",", ":"))
    assert LiveSession.from_json(live.to_json()) == live
