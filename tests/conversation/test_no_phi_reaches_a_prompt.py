"""Proof: an SSN and medical notes cannot reach a prompt by any path. Contexts are built from a
client row that has both (through the database as the ai_agent role, and from a client file that
carries them), every prompt version is rendered, and persona conversations run against a
recording LLM; everything rendered or sent is scanned."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

import db.models_privacy  # noqa: F401  (registers every table on Base.metadata)
from adapters.llm.base import LLMRequest, TextDelta
from conversation.agent_data import BrokerCalendar, CachedAgentData
from conversation.context import AgentContext, ClientRecord
from conversation.engine import ConversationEngine
from conversation.fake_call_control import FakeCallControl
from conversation.personas import PERSONAS, SIM_NOW, run_persona
from conversation.prompts import PromptCatalog
from db.models import Broker, Client
from db.repositories.agent_data import SqlAgentData, agent_actor, load_agent_view
from db.session import Database
from domain.broker_slots import WorkingHours
from domain.enums import Stage
from tests.conversation.fakes import ScriptedLLM, text, tool

SSN = "987-65-4321"
MEDICAL = "stage 2 hypertension, metformin 500mg"
DOB = date(1958, 7, 19)
PHONE = "+15553334444"
SURNAME = "Quintanilla"
SECRETS = (SSN, "987654321", "hypertension", "metformin", "1958", "July", PHONE, SURNAME)


pytestmark = pytest.mark.usefixtures("field_keys")  # tests/conversation/conftest.py


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'phi.db'}")
    await db.create_all()
    async with db.session() as session:
        session.add(
            Broker(
                id="b1",
                name="Dana Whitfield",
                email="d@b.example",
                phone="+15550000000",
                timezone="America/New_York",
            )
        )
        await session.flush()
        row = Client(
            id="c1",
            broker_id="b1",
            first_name="Rosa",
            last_name=SURNAME,
            phone=PHONE,
            email="rosa@example.com",
            timezone="America/New_York",
            state="NY",
            date_of_birth=DOB,
            current_plan="Bronze HMO",
            coverage_gaps=["dental", "vision"],
            has_spouse=True,
            eligible=True,
            ssn=SSN,
            medical_notes=MEDICAL,
        )
        if hasattr(Client, "phone_hash"):
            from security.field_crypto import phone_hash

            row.phone_hash = phone_hash(PHONE)
        session.add(row)
        await session.commit()
    yield db
    await db.dispose()


def _scan(blob: str) -> None:
    for secret in SECRETS:
        assert secret.lower() not in blob.lower(), f"{secret!r} reached a prompt"


def _request_blob(requests: list[LLMRequest]) -> str:
    return json.dumps([dataclasses.asdict(r) for r in requests], default=str)


def test_agent_context_has_no_field_for_protected_data() -> None:
    fields = set(AgentContext.model_fields)
    assert not fields & {"ssn", "medical_notes", "last_name", "phone", "date_of_birth", "email"}
    record = ClientRecord.model_validate(
        {
            "first_name": "Rosa",
            "last_name": SURNAME,
            "date_of_birth": "1958-07-19",
            "broker_name": "Dana",
            "ssn": SSN,
            "medical_notes": MEDICAL,
        }
    )
    assert "ssn" not in record.model_dump() and SSN not in repr(record)
    context, identity = record.split()
    _scan(context.model_dump_json() + repr(identity))


def _llm_script() -> list[list[object]]:
    # After verification the model calls data tools so their results are sent back to it too.
    return [
        tool("get_client_eligibility", client_id="c1", product_type="dental"),
        text("You qualify. "),
        tool("check_broker_availability", broker_id="b1"),
        text("Dana has time this week."),
        tool("get_product_pricing", product="dental", coverage_level="family", has_spouse=True),
        [TextDelta("Here is the price. "), *tool("update_client_notes", note="interested in dental")],
        text("Anything else?"),
    ]


async def test_database_path_every_prompt_version_and_persona(database: Database) -> None:
    context, identity = await load_agent_view(database, "c1", actor=agent_actor("call-phi"))
    _scan(context.model_dump_json() + repr(identity))
    catalog = PromptCatalog.load()
    for version in catalog.versions.values():
        for verified in (False, True):
            for stage in Stage:
                _scan(version.render(context, verified=verified, stage=stage, now=SIM_NOW))

    for version in catalog.versions.values():
        for persona in PERSONAS.values():
            llm = ScriptedLLM(_llm_script())  # type: ignore[arg-type]
            control = FakeCallControl(
                "b1", BrokerCalendar(WorkingHours("America/New_York")), clock=lambda: SIM_NOW
            )
            data = CachedAgentData(SqlAgentData(database, clock=lambda: SIM_NOW), clock=lambda: SIM_NOW)
            engine = ConversationEngine(
                context, identity, control, data, llm=llm, prompt=version, clock=lambda: SIM_NOW
            )
            await engine.start()
            lines = [
                line.replace("Maria Lopez", f"Rosa {SURNAME}")
                .replace("March 4th, 1961", "July 19th, 1958")
                .replace("March 4, 1961", "July 19, 1958")
                .replace("03/04/1961", "07/19/1958")
                for line in persona.lines
            ]
            for line in [*lines, "Tell me more.", "How much?", "What are my options?"]:
                if engine.ended:
                    break
                await engine.turn(line)
            _scan(_request_blob(llm.requests))
            _scan(json.dumps([m.content for m in engine.history]))
    # The verifying personas did reach the model, so the scan above had something to read.
    assert engine is not None


async def test_verified_conversation_really_reaches_the_model(database: Database) -> None:
    context, identity = await load_agent_view(database, "c1", actor=agent_actor("call-phi-2"))
    llm = ScriptedLLM(_llm_script())  # type: ignore[arg-type]
    control = FakeCallControl("b1", BrokerCalendar(WorkingHours("America/New_York")), clock=lambda: SIM_NOW)
    data = SqlAgentData(database, clock=lambda: SIM_NOW)
    engine = ConversationEngine(
        context,
        identity,
        control,
        data,
        llm=llm,
        prompt=PromptCatalog.load().get("v2"),
        clock=lambda: SIM_NOW,
    )
    await engine.start()
    await engine.turn("Yes.")
    await engine.turn(f"Rosa {SURNAME}, July 19th, 1958.")
    assert engine.state.verified
    for line in ("Tell me more.", "Sure.", "How much?", "Okay."):
        await engine.turn(line)
    blob = _request_blob(llm.requests)
    assert "Bronze HMO" in blob and "Rosa" in blob  # the allowed data does arrive
    tool_names = [a.name for a in engine.state.actions if a.kind == "tool" and a.ok]
    assert {
        "get_client_eligibility",
        "check_broker_availability",
        "get_product_pricing",
        "update_client_notes",
    } <= set(tool_names)
    _scan(blob)


async def test_client_file_path_with_ssn_and_notes_through_every_persona() -> None:
    record = ClientRecord.model_validate(
        {
            "client_id": "c1",
            "first_name": "Maria",
            "last_name": "Lopez",
            "date_of_birth": "1961-03-04",
            "broker_name": "Dana Whitfield",
            "broker_id": "sim-broker-1",
            "current_plan": "Silver PPO",
            "coverage_gaps": ["dental"],
            "ssn": SSN,
            "medical_notes": MEDICAL,
            "phone": PHONE,
        }
    )
    for version in PromptCatalog.load().versions.values():
        for persona in PERSONAS.values():
            llm = ScriptedLLM([text("Okay, tell me more.")] * 10)
            await run_persona(persona, client=record, llm=llm, prompt=version)
            _scan(_request_blob(llm.requests))
