"""The worker process of `gyde bench campaign`, run as a child so its CPU time and peak memory
are its own: `python -m bench.campaign_worker CONFIG.json`. Mode "lifecycle" runs the product's
workers (every workflow and activity) with the scripted phone in instant mode (each call's
signals and updates are sent at once, no audio); mode "bare" runs the bare workflow. `only` ("workflows" or "activities") runs one side of
either, as `gyde worker --only` does (`gyde bench campaign --split-workers`). On SIGTERM
it shuts down and writes {"cpu_s", "peak_rss_mb"} to the config's `stats_path`."""

from __future__ import annotations

import asyncio
import json
import resource
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# Callee behaviours that settle within one or two calls (no callback hours away).
INSTANT_PERSONAS = (
    "agreeable",
    "declines",
    "opt-out",
    "no-answer",
    "fails-verification",
    "busy-then-books",
    "voicemail",
    "price-shopper",
    "consent-denied",
)


def persona_of(client_id: str) -> str:
    """Clients are seeded as cli-<seed>-<index>; the index picks the persona."""
    return INSTANT_PERSONAS[int(client_id.rsplit("-", 1)[1]) % len(INSTANT_PERSONAS)]


async def lifecycle_workers(config: dict[str, Any]) -> tuple[list[Any], Any]:
    import temporal_client
    from db.local.calendar import LocalScheduling
    from db.models import Client as ClientRow
    from db.session import Database
    from settings import Settings
    from sim.scripted_personas import personas
    from sim.scripted_phone import ScriptedPhone
    from worker import build_adapters, build_workers

    settings = Settings(  # type: ignore[call-arg]  # no .env: the bench sets what it needs
        _env_file=None,
        temporal_address=config["temporal_address"],
        task_queue=config["task_queue"],
        database_url=config["database_url"],
        dials_per_second=config.get("dials_per_second", 10_000.0),
        # The scripted phone is in this process: no call leaves it (compliance/simulator_policy.py).
        waive_state_calling_rules_for_simulator=True,
        twilio_api_base="http://127.0.0.1:9",
    )
    db = Database(settings.database_url)
    client = await temporal_client.connect(settings)
    scripts = personas(callback_after=timedelta(minutes=1))
    scheduling = LocalScheduling(db)

    async def first_free_slot(client_id: str, now: datetime) -> datetime | None:
        async with db.session() as session:
            row = await session.get(ClientRow, client_id)
            assert row is not None
            broker_id = row.broker_id
        slots = await scheduling.free_slots(broker_id, now, 14)
        return slots[0] if slots else None

    phone = ScriptedPhone(
        client=client,
        script_for=lambda cid, attempt: scripts[persona_of(cid)](attempt),
        slot_finder=first_free_slot,
        step_delay=0.0,
    )
    adapters = build_adapters(settings, db, telephony=phone)
    return build_workers(client, settings, adapters, only=config.get("only")), db


async def bare_workers(config: dict[str, Any]) -> list[Any]:
    from temporalio.worker import Worker

    import temporal_client
    from bench.bare_workflow import BareWorkflow, noop
    from settings import Settings

    # The same encrypting data converter as the lifecycle: payload cost is part of both.
    settings = Settings(_env_file=None, temporal_address=config["temporal_address"])  # type: ignore[call-arg]
    client = await temporal_client.connect(settings)
    only = config.get("only")  # the same split as the lifecycle's (worker.build_workers)
    if only == "activities":
        return [Worker(client, task_queue=config["task_queue"], activities=[noop])]
    return [
        Worker(
            client,
            task_queue=config["task_queue"],
            workflows=[BareWorkflow],
            activities=[noop],
            no_remote_activities=only == "workflows",
        )
    ]


def _write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


async def main(config: dict[str, Any]) -> None:
    from worker import run_workers

    db = None
    if config["mode"] == "lifecycle":
        workers, db = await lifecycle_workers(config)
    else:
        workers = await bare_workers(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    _write(config["ready_path"], "ready")
    try:
        await run_workers(workers, stop, handle_signals=False)
    finally:
        if db is not None:
            await db.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = {
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
    _write(config["stats_path"], json.dumps(stats))


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text())))
