"""Each talking persona, at text level against the conversation's local policy, reaches the
outcome the demo expects: the persona files and the agent's questions agree on their words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conversation.personas import SIM_CLIENT, SIM_NOW
from conversation.session import build_text_session
from domain.enums import CallResult
from sim.callee import Callee
from sim.personas import HANGUP, load_personas

FACTS = {"first_name": "Maria", "last_name": "Lopez", "date_of_birth": "March 4th, 1961"}
TICK = 0.02


async def converse(persona_name: str, broker_available_now: bool = False) -> CallResult | None:
    persona = replace(load_personas()[persona_name], facts=FACTS)
    callee = Callee(persona)
    record = SIM_CLIENT.model_copy(update={"broker_available_now": broker_available_now})
    engine = build_text_session(record, llm=None, clock=lambda: SIM_NOW).engine
    said = (await engine.start()).reply_text
    for _ in range(20):
        if engine.ended:
            break
        callee.heard(said)
        reply = None
        for _ in range(1000):  # up to 20 simulated seconds of silence
            reply = callee.step(TICK, agent_playing=False, speaking=False)
            if reply:
                break
        if reply is None or reply == HANGUP:
            break
        said = (await engine.turn(reply)).reply_text
    if not engine.ended:
        await engine.hangup()
    return engine.state.outcome


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("agreeable", CallResult.SCHEDULED),
        ("price-shopper", CallResult.SCHEDULED),
        ("opt-out", CallResult.OPTED_OUT),
        ("callback-later", CallResult.CALLBACK_REQUESTED),
        ("confused", CallResult.SCHEDULED),
        ("wrong-person", CallResult.WRONG_PERSON),
        ("fails-verification", CallResult.VERIFICATION_FAILED),
        ("declines", CallResult.DECLINED),
        ("hangs-up-mid-call", CallResult.DROPPED),
        ("talks-over-agent", CallResult.SCHEDULED),
        ("long-silence", CallResult.SCHEDULED),
    ],
)
async def test_persona_reaches_its_outcome(persona: str, expected: CallResult) -> None:
    assert await converse(persona) is expected


async def test_wants_broker_asks_for_a_transfer() -> None:
    assert await converse("wants-broker", broker_available_now=True) is CallResult.TRANSFER_REQUESTED
