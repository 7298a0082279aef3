"""One fault per scenario, injected while a campaign runs through the real processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from chaos.services import BlackHole, PrivatePostgres, PrivateRedis
from stack.supervisor import Supervisor, free_port


@dataclass
class ChaosContext:
    supervisor: Supervisor
    sim_url: str
    pg: PrivatePostgres
    redis: PrivateRedis
    blackhole: BlackHole
    campaign_id: str = ""
    log: list[str] = field(default_factory=list)

    async def calls(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(f"{self.sim_url}/sim/calls")
            response.raise_for_status()
            prefix = f"outreach:{self.campaign_id}:"
            return [c for c in response.json()["calls"] if c["workflow_id"].startswith(prefix)]

    async def until_live_call(self, answered: bool = True, within: float = 120.0) -> bool:
        """Until a call of this campaign is in progress (answered: in conversation)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            for call in await self.calls():
                if call["status"] in ("in-progress", "ringing") and (not answered or call["answered_at"]):
                    return True
            await asyncio.sleep(0.5)
        return False

    async def sim_faults(self, **faults: object) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            (await http.put(f"{self.sim_url}/sim/faults", json=faults)).raise_for_status()


Step = Callable[[ChaosContext], Coroutine[Any, Any, None]]


async def _nothing(_ctx: ChaosContext) -> None:
    return None


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    inject: Step
    prepare: Step = _nothing
    restore: Step = _nothing


async def _kill_worker_three_times(ctx: ChaosContext) -> None:
    for round_ in range(3):
        await ctx.until_live_call(answered=round_ != 1)  # one kill mid-dial, two mid-conversation
        pid = ctx.supervisor.kill("worker")
        ctx.log.append(f"kill -9 worker (pid {pid})")
        await ctx.supervisor.until_restarted("worker")
        await asyncio.sleep(4)


async def _kill_media_mid_call(ctx: ChaosContext) -> None:
    if await ctx.until_live_call(answered=True):
        await asyncio.sleep(2)  # the stream is up and Emma is talking
        pid = ctx.supervisor.kill("media")
        ctx.log.append(f"kill -9 media server (pid {pid})")


async def _restart_postgres(ctx: ChaosContext) -> None:
    if await ctx.until_live_call(answered=True):
        await ctx.pg.restart()
        ctx.log.append("PostgreSQL restarted (immediate)")
        await asyncio.sleep(10)
        await ctx.pg.restart()
        ctx.log.append("PostgreSQL restarted again")


async def _stop_redis(ctx: ChaosContext) -> None:
    if await ctx.until_live_call(answered=True):
        await ctx.redis.stop()
        ctx.log.append("Redis stopped")


async def _start_redis(ctx: ChaosContext) -> None:
    await ctx.redis.stop()
    await ctx.redis.start()


async def _carrier_faults(ctx: ChaosContext) -> None:
    await ctx.sim_faults(create_answer_lost=2, create_5xx=2, create_429=2, rest_5xx=2)
    ctx.log.append("carrier: created-answer-lost x2, 503 x2, 429 x2, REST 500 x2")
    await ctx.until_live_call(answered=True)
    await ctx.sim_faults(create_answer_lost=2, rest_5xx=2, slow_create_s=1.5)
    ctx.log.append("carrier: created-answer-lost x2, REST 500 x2, slow creates")


async def _clear_carrier_faults(ctx: ChaosContext) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        injected = (await http.get(f"{ctx.sim_url}/sim/faults")).json()["injected"]
    ctx.log.append("injected: " + ", ".join(f"{k}={v}" for k, v in injected.items()))
    await ctx.sim_faults()


def _provider_env(ctx: ChaosContext) -> dict[str, str]:
    hole = f"http://127.0.0.1:{ctx.blackhole.port}"
    return {
        # LLM primary hangs (timeouts), STT primary refuses connections, TTS primary hangs
        "GYDE_LLM": "openai",
        "GYDE_OPENAI_API_KEY": "sk-chaos-not-a-key",
        "GYDE_OPENAI_BASE_URL": f"{hole}/v1",
        "GYDE_LLM_TIMEOUT_SECONDS": "1.5",
        "GYDE_STT": "deepgram",
        "GYDE_DEEPGRAM_API_KEY": "chaos-not-a-key",
        "GYDE_DEEPGRAM_URL": f"ws://127.0.0.1:{free_port()}",
        "GYDE_STT_TIMEOUT_SECONDS": "1.0",
        "GYDE_TTS": "elevenlabs",
        "GYDE_ELEVENLABS_API_KEY": "chaos-not-a-key",
        "GYDE_ELEVENLABS_BASE_URL": hole,
        "GYDE_TTS_TIMEOUT_SECONDS": "1.0",
    }


async def _providers_failing(ctx: ChaosContext) -> None:
    await ctx.supervisor.restart_with("media", _provider_env(ctx))
    ctx.log.append("media server: LLM and TTS primaries hang, STT primary refuses")


async def _providers_restored(ctx: ChaosContext) -> None:
    await ctx.supervisor.restart_with(
        "media", {"GYDE_LLM": "local", "GYDE_STT": "local", "GYDE_TTS": "local"}
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("worker_kill9", "kill -9 the worker three times (restarted)", _kill_worker_three_times),
    Scenario("media_kill9", "kill -9 the media server mid-call (restarted)", _kill_media_mid_call),
    Scenario("postgres_restart", "restart PostgreSQL twice mid-campaign", _restart_postgres),
    Scenario("redis_stop", "stop Redis mid-campaign", _stop_redis, restore=_start_redis),
    Scenario(
        "carrier_faults",
        "carrier REST 5xx, 429 and created-answer-lost",
        _carrier_faults,
        restore=_clear_carrier_faults,
    ),
    Scenario(
        "providers_failing",
        "STT, LLM and TTS primaries failing or slow",
        _nothing,
        prepare=_providers_failing,
        restore=_providers_restored,
    ),
)
BY_NAME = {s.name: s for s in SCENARIOS}
