"""The conversation engine behind the media server's Agent protocol, over a live session."""

from __future__ import annotations

from datetime import date

from conversation.context import ClientRecord
from conversation.session import build_text_session
from domain.enums import CallResult
from media_server import protocol
from media_server.engine_agent import EngineAgent, EngineAgentFactory
from security.stream_token import mint
from tests.media.helpers import CALL_SID, SECRET, STREAM_SID, speech_frames, start_message, start_session
from tests.media.test_session import decoded

RECORD = ClientRecord(
    first_name="Margaret",
    last_name="Holloway",
    date_of_birth=date(1958, 3, 14),
    current_plan="Medicare Advantage",
    coverage_gaps=["dental"],
    broker_name="Dana Reyes",
)


async def test_engine_greets_answers_and_reports_its_result_on_hang_up():
    sessions = []

    async def build(ctx, control):  # type: ignore[no-untyped-def]
        text = build_text_session(RECORD)
        sessions.append(text)
        return text.engine

    h = await start_session(agent_factory=EngineAgentFactory(build))
    await h.send(start_message())
    await h.wait_quiet()
    greeting = " ".join(decoded(h.transport.agent_audio()))
    assert "Emma" in greeting and "Margaret" in greeting
    agent = h.agents[0]
    assert isinstance(agent, EngineAgent)
    await h.frames(speech_frames("please stop calling me"))
    await h.silence(12)
    await h.wait_quiet()
    engine = sessions[0].engine
    assert engine.ended  # the engine honoured the opt-out
    await h.send(protocol.stop_message(STREAM_SID, "CA1"))
    report = await h.task
    assert report.turns[1].llm_provider == "local"
    assert engine.state.outcome is CallResult.OPTED_OUT


async def test_barge_in_cuts_the_engine_history():
    class FakeEngine:
        ended = False

        def __init__(self) -> None:
            self.cut: list[str] = []

        async def stream_start(self):  # type: ignore[no-untyped-def]
            yield "A long opening sentence that keeps going for quite a while, really."

        async def stream_turn(self, caller_text: str):  # type: ignore[no-untyped-def]
            yield "Ok."

        def heard(self, spoken_prefix: str) -> None:
            self.cut.append(spoken_prefix)

        async def hangup(self) -> None:
            self.ended = True

    engine = FakeEngine()

    async def build(ctx, control):  # type: ignore[no-untyped-def]
        return engine

    h = await start_session(agent_factory=EngineAgentFactory(build))
    await h.send(start_message())
    await h.silence(40, pace=0.02)  # about half the opening sentence
    await h.frames(speech_frames("hello?"), pace=0.02)
    await h.silence(15, pace=0.02)  # Emma holds until the words say it is not a backchannel
    assert len(engine.cut) == 1 and engine.cut[0].startswith("A long")
    await h.send(None)
    report = await h.task
    assert engine.ended and report.result is CallResult.DROPPED


async def test_the_calls_prompt_version_reaches_the_bridge():
    from media_server.agent import CallContext
    from media_server.control import NullControl, TrackedControl

    class VersionedControl(NullControl):
        prompt_version = ""

    inner = VersionedControl()
    control = TrackedControl(inner, "CA1")

    async def build(ctx, ctl):  # type: ignore[no-untyped-def]
        return build_text_session(RECORD).engine

    agent = await EngineAgentFactory(build)(CallContext("outreach:c:k", "CA1", "MZ1"), control)
    assert isinstance(agent, EngineAgent)
    assert inner.prompt_version == agent.engine.prompt_version == "local"  # type: ignore[attr-defined]


async def test_live_engine_is_built_from_the_database_by_ids_only(sqlite_db):  # type: ignore[no-untyped-def]
    from db.models import Client as ClientRow
    from db.seed import seed
    from media_server.live_engine import db_engine_agent_factory
    from settings import Settings
    from tests.media.helpers import make_config

    async with sqlite_db.session() as session:
        seeded = await seed(session, brokers=1, clients=1, seed_value=3)
        await session.commit()
        first_name = (await session.get(ClientRow, seeded.client_ids[0])).first_name
    workflow_id = f"outreach:camp-9:{seeded.client_ids[0]}"
    factory = db_engine_agent_factory(Settings(), sqlite_db)
    h = await start_session(agent_factory=factory, config=make_config())
    await h.send(start_message(token=mint(SECRET, workflow_id, CALL_SID), workflow_id=workflow_id))
    await h.wait_quiet()
    greeting = " ".join(decoded(h.transport.agent_audio()))
    assert "Emma" in greeting and first_name in greeting
    await h.send(None)
    report = await h.task
    assert report.workflow_id == workflow_id and report.result is CallResult.DROPPED
