"""Composition root of the media server process: providers, agent, workflow bridge, session store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from adapters.local_speech.providers import LocalSTT, LocalTTS
from domain.call_control import CallControl
from media_server.agent import AgentFactory, CallContext, echo_agent_factory
from media_server.control import NullControl
from media_server.server import MediaServer
from media_server.session import SessionConfig, SessionServices
from media_server.session_store import build_session_store
from settings import Settings


@asynccontextmanager
async def media_server(
    settings: Settings,
    agent_factory: AgentFactory | None = None,
    temporal: bool = True,
    agent: str = "engine",
) -> AsyncIterator[MediaServer]:
    """A configured MediaServer (not yet listening). `temporal=False` runs with no workflow behind
    the calls (offline tools). `agent`: "engine" (the conversation engine over the database, see
    media_server/live_engine.py) or "echo" (a trivial agent); `agent_factory` overrides both."""
    from adapters.providers import build_stt, build_tts

    db = None
    if agent_factory is None and agent == "engine":
        from adapters.providers import build_llm
        from db.session import Database
        from media_server.live_engine import db_engine_agent_factory

        db = Database(settings.database_url)
        agent_factory = db_engine_agent_factory(settings, db, build_llm(settings))
    elif agent_factory is None and agent != "echo":
        raise ValueError(f"unknown agent {agent!r} (use engine or echo)")

    stt = build_stt(settings, LocalSTT())
    tts = build_tts(settings, LocalTTS())
    control_factory: Callable[[CallContext], CallControl]
    if temporal:
        import temporal_client
        from media_server.workflow_bridge import BridgeFactory

        control_factory = BridgeFactory(await temporal_client.connect(settings))
    else:
        control_factory = _null_control
    store = build_session_store(settings.redis_url, settings.media_session_ttl_seconds)
    services = SessionServices(
        stt=stt,
        tts=tts,
        agent_factory=agent_factory or echo_agent_factory,
        control_factory=control_factory,
        store=store,
    )
    try:
        yield MediaServer(
            SessionConfig.from_settings(settings), services, max_connections=settings.media_max_connections
        )
    finally:
        with contextlib.suppress(Exception):
            await store.close()
        if db is not None:
            await db.dispose()


def _null_control(ctx: CallContext) -> CallControl:
    return NullControl()
