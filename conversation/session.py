"""Wiring for a text-level conversation (gyde chat, personas, evals): a client record in, an
engine with in-memory data and call control out. Live calls wire the same engine to the
database and the workflow bridge instead."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.llm.base import LLMProvider
from conversation.agent_data import BrokerCalendar, CachedAgentData, Clock, InMemoryAgentData, utc_now
from conversation.context import ClientRecord
from conversation.engine import ConversationEngine
from conversation.fake_call_control import FakeCallControl
from conversation.prompts import PromptCatalog, PromptVersion
from domain.broker_slots import WorkingHours
from domain.enums import ProductType


@dataclass
class TextSession:
    engine: ConversationEngine
    control: FakeCallControl
    data: InMemoryAgentData


def build_text_session(
    record: ClientRecord,
    *,
    llm: LLMProvider | None = None,
    prompt: PromptVersion | None = None,
    clock: Clock = utc_now,
    calendar: BrokerCalendar | None = None,
) -> TextSession:
    """An engine over in-memory data for one client record; no database, no workflow.
    `calendar`: the broker's calendar (default: working hours in the broker's zone, all free)."""
    context, identity = record.split()
    calendar = calendar or BrokerCalendar(
        hours=WorkingHours(timezone=record.broker_timezone or record.timezone),
        available_now=record.broker_available_now,
    )
    data = InMemoryAgentData(
        {record.broker_id: calendar},
        ineligible=[] if record.eligible else [(record.client_id, p) for p in ProductType],
        clock=clock,
    )
    control = FakeCallControl(record.broker_id, calendar, clock=clock)
    if llm is not None and prompt is None:
        prompt = PromptCatalog.load().for_call(record.campaign_id, record.client_id)
    engine = ConversationEngine(
        context, identity, control, CachedAgentData(data, clock=clock), llm=llm, prompt=prompt, clock=clock
    )
    return TextSession(engine=engine, control=control, data=data)
