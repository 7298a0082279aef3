"""The embedded stack's processes: Temporal dev server (reused when one already listens) and
its UI's front door, phone simulator, api, media server and worker, each a supervised child with
one shared environment."""

from __future__ import annotations

import asyncio
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from settings import Settings
from stack.supervisor import Service, Supervisor, free_port, port_open, temporal_dev_server_command
from stack.ui_signin import api_origin, ui_origin

SIM_PORT = 8766


@dataclass(frozen=True)
class StackInfo:
    database_url: str
    api_url: str
    media_url: str
    sim_url: str
    env: dict[str, str]


def stack_env(settings: Settings, database_url: str, sim_port: int) -> dict[str, str]:
    """One set of shared secrets per run: the sim signs webhooks with the auth token the api
    verifies, and api and media server share the stream-token secret."""
    api_url = f"http://127.0.0.1:{settings.api_port}"
    return {
        "GYDE_DATABASE_URL": database_url,
        "GYDE_TEMPORAL_ADDRESS": settings.temporal_address,
        "GYDE_TASK_QUEUE": settings.task_queue,
        "GYDE_TELEPHONY": "twilio",
        "GYDE_TWILIO_API_BASE": f"http://127.0.0.1:{sim_port}",
        # Every call of this stack goes to the simulator, at any hour: per-state hours would park
        # a night-time demo until morning. Recorded in each dial-gate decision (DESIGN: evidence).
        "GYDE_WAIVE_STATE_CALLING_RULES_FOR_SIMULATOR": "true",
        "GYDE_TWILIO_AUTH_TOKEN": settings.twilio_auth_token.get_secret_value() or secrets.token_hex(16),
        "GYDE_STREAM_TOKEN_SECRET": settings.stream_token_secret.get_secret_value() or secrets.token_hex(32),
        "GYDE_PUBLIC_BASE_URL": api_url,
        "GYDE_API_PORT": str(settings.api_port),
        "GYDE_MEDIA_PORT": str(settings.media_port),
        "GYDE_MEDIA_STREAM_URL": f"ws://127.0.0.1:{settings.media_port}/media",
        "GYDE_ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),
        "GYDE_TEMPORAL_UI_PORT": str(settings.temporal_ui_port),
        "GYDE_TEMPORAL_UI_ORIGIN": ui_origin(settings),  # the codec's CORS origin
    }


async def start_stack(
    settings: Settings,
    supervisor: Supervisor,
    database_url: str,
    time_scale: float,
    temporal_db: Path | None = None,
    sim_port: int = SIM_PORT,
    extra_env: dict[str, str] | None = None,
) -> StackInfo:
    """Start every part (reusing a Temporal server already listening at the configured address);
    `temporal_db` names a fresh history file when a run must not see older workflows;
    `extra_env` adds or overrides GYDE_ variables for every process (`gyde chaos`)."""
    from db.migrate import upgrade

    await upgrade(database_url)
    env = {**stack_env(settings, database_url, sim_port), **(extra_env or {})}
    gyde = [sys.executable, "-m", "cli.main"]
    api_url = env["GYDE_PUBLIC_BASE_URL"]
    await start_temporal(settings, supervisor, temporal_db)
    sim = [*gyde, "sim", "--port", str(sim_port), "--time-scale", str(time_scale)]
    await supervisor.start(Service("sim", sim, sim_port, env), "35")
    await supervisor.start(Service("api", [*gyde, "api"], settings.api_port, env), "33")
    await supervisor.start(Service("media", [*gyde, "media", "serve"], settings.media_port, env), "32")
    await supervisor.start(Service("worker", [*gyde, "worker"], None, env), "34")
    return StackInfo(database_url, api_url, env["GYDE_MEDIA_STREAM_URL"], env["GYDE_TWILIO_API_BASE"], env)


async def start_temporal(settings: Settings, supervisor: Supervisor, temporal_db: Path | None = None) -> bool:
    """The Temporal dev server and its UI's front door, unless a server already listens at the
    configured address (then it is reused as it is, and False is returned)."""
    host, _, port = settings.temporal_address.partition(":")
    if port_open(host or "127.0.0.1", int(port or 7233)):
        return False
    if temporal_db is not None:
        await asyncio.to_thread(temporal_db.unlink, missing_ok=True)
    # The UI listens privately; its front door on the usual port makes it send the codec
    # session cookie (stack/ui_proxy.py). The codec is on `localhost`, the UI's site.
    private_ui = free_port()
    command = temporal_dev_server_command(
        settings, codec_endpoint=f"{api_origin(settings)}/codec", db_path=temporal_db, ui_port=private_ui
    )
    await supervisor.start(Service("temporal", command, int(port or 7233), restart=False), "36", 90)
    proxy = [sys.executable, "-m", "stack.ui_proxy", "--port", str(settings.temporal_ui_port)]
    proxy += ["--upstream", f"http://127.0.0.1:{private_ui}"]
    await supervisor.start(Service("ui", proxy, settings.temporal_ui_port), "37")
    return True
