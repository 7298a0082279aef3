"""Builds the real conversation engine for a live call: the client's context read from the database
as the `ai_agent` role, the workflow bridge as its CallControl, the LLM chain from settings.

Everything is looked up from ids only (the workflow id names campaign and client), so no PHI ever
travels in the stream's parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.call_control import CallControl
from domain.ids import parse_outreach_workflow_id
from media_server.agent import CallContext
from media_server.call_evaluation import EvaluatedControl
from media_server.engine_agent import EngineAgentFactory
from settings import Settings

if TYPE_CHECKING:
    from adapters.llm.base import LLMProvider
    from conversation.engine import ConversationEngine
    from conversation.prompts import PromptCatalog
    from db.session import Database


def db_engine_agent_factory(
    settings: Settings, db: Database, llm: LLMProvider | None = None
) -> EngineAgentFactory:
    """`agent_factory` for SessionServices; `llm` from adapters.providers.build_llm (None: the local
    deterministic policy answers every turn)."""
    from conversation.agent_data import CachedAgentData
    from conversation.engine import ConversationEngine
    from conversation.online import evaluation_record
    from conversation.prompt_reload import ReloadingCatalog
    from conversation.shadow import ShadowEngine, shadow_candidate
    from db.repositories.agent_data import SqlAgentData, agent_actor, load_agent_view
    from db.repositories.evals import record_call

    catalogs = ReloadingCatalog() if llm is not None else None

    async def build(ctx: CallContext, control: CallControl) -> ConversationEngine:
        campaign_id, client_id = parse_outreach_workflow_id(ctx.workflow_id)
        context, identity = await load_agent_view(
            db,
            client_id,
            actor=agent_actor(ctx.call_sid),
            campaign_id=campaign_id,
            callback_number=settings.callback_number,
        )
        catalog = catalogs.current() if catalogs is not None else None  # a rollback applies here
        prompt = catalog.for_call(campaign_id, client_id) if catalog is not None else None
        arm = _arm(catalog, campaign_id, client_id)
        data = CachedAgentData(SqlAgentData(db, campaign_id=campaign_id))
        evaluated = EvaluatedControl(control)
        engine: ConversationEngine = ConversationEngine(
            context, identity, evaluated, data, llm=llm, prompt=prompt
        )
        shadow = settings.shadow_prompt_version
        if shadow and catalog is not None:
            candidate_prompt = catalog.get(shadow)
            engine = ShadowEngine(  # type: ignore[assignment]  # delegates every engine attribute
                engine,
                shadow_candidate(
                    engine,
                    lambda c, d: ConversationEngine(
                        context, identity, c, d, llm=llm, prompt=candidate_prompt
                    ),
                ),
            )

        async def record() -> None:
            differences = len(getattr(engine, "differences", []))
            await record_call(
                db, evaluation_record(engine, call_sid=ctx.call_sid, arm=arm, shadow_differences=differences)
            )

        evaluated.record = record
        return engine

    return EngineAgentFactory(build)


def _arm(catalog: PromptCatalog | None, campaign_id: str, client_id: str) -> str:
    """Which arm of the prompt A/B this client is in ("control" with no LLM: the local policy)."""
    if catalog is None:
        return "control"
    experiment = catalog.experiments.for_campaign(campaign_id)
    version = experiment.assign(campaign_id, client_id)
    return "candidate" if experiment.candidate and version == experiment.candidate else "control"
