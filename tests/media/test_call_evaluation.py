"""A live call leaves one evaluation record (A/B outcome counts, the review queue) when its result
is reported, and a shadow candidate runs beside production when configured; analytics never
fail the call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from conversation.shadow import ShadowEngine
from db.models import Client as ClientRow
from db.models_evals import CallEvaluation
from db.seed import seed
from domain.enums import CallResult, Stage
from media_server.call_evaluation import EvaluatedControl
from media_server.control import NullControl
from media_server.live_engine import db_engine_agent_factory
from security.stream_token import mint
from settings import Settings
from tests.conversation.fakes import ScriptedLLM, text
from tests.media.helpers import CALL_SID, SECRET, make_config, start_message, start_session


async def test_the_record_is_written_once_after_the_result_and_a_failure_never_reaches_the_call():
    inner = NullControl()
    control = EvaluatedControl(inner)
    written: list[str] = []

    async def record() -> None:
        written.append("x")
        raise RuntimeError("database down")

    control.record = record
    await control.stage_changed(Stage.VERIFY)
    assert await control.free_slots(datetime.now(UTC), datetime.now(UTC)) == []
    await control.end_call(CallResult.DECLINED, "")
    await control.end_call(CallResult.DECLINED, "")
    assert written == ["x"]  # once, and the error stayed here
    assert inner.events == ["stage:verify", "free_slots", "end:declined", "end:declined"]


@pytest.mark.parametrize("shadow", ["", "v3"])
async def test_a_live_call_leaves_its_evaluation_record(sqlite_db, shadow: str):  # type: ignore[no-untyped-def]
    async with sqlite_db.session() as session:
        seeded = await seed(session, brokers=1, clients=1, seed_value=4)
        await session.commit()
        assert await session.get(ClientRow, seeded.client_ids[0]) is not None
    workflow_id = f"outreach:camp-ev:{seeded.client_ids[0]}"
    settings = Settings(shadow_prompt_version=shadow)
    llm = ScriptedLLM([text("Hi, this is Emma.")] * 4) if shadow else None  # prompts need an LLM
    factory = db_engine_agent_factory(settings, sqlite_db, llm)
    h = await start_session(agent_factory=factory, config=make_config())
    await h.send(start_message(token=mint(SECRET, workflow_id, CALL_SID), workflow_id=workflow_id))
    await h.wait_quiet()
    await h.send(None)  # the caller hangs up: the engine reports its result, the record follows
    await h.task
    async with sqlite_db.session() as session:
        [row] = (await session.execute(select(CallEvaluation))).scalars().all()
    assert row.call_sid == CALL_SID and row.campaign_id == "camp-ev"
    assert row.arm in ("control", "candidate")
    assert row.outcome
    engine = h.agents[0].engine  # type: ignore[attr-defined]
    if shadow:
        assert isinstance(engine, ShadowEngine) and engine.candidate is not None
        assert engine.candidate.prompt_version == "v3" and row.shadow_differences == len(engine.differences)
    else:
        assert not isinstance(engine, ShadowEngine)
