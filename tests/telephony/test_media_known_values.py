"""Per call: the client values the media server's agent reads (through the encrypted columns) are
masked in every log line of that call - greeting, turns, the session's own lines - and not in
another call's lines."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from db.models import Client
from db.session import Database
from media_server import protocol
from media_server.agent import EchoAgent
from security.field_crypto import configure_field_encryption, reset_field_encryption
from security.keyring import KeyRing, generate_key_spec
from security.redaction import install_redaction, uninstall_redaction
from tests.media.helpers import STREAM_SID, eventually, start_message, start_session
from tests.security import factories as f

log = logging.getLogger("gyde.test.agent")


class ChattyAgent(EchoAgent):
    """An agent that (wrongly) logs what it says, the way a debugging change might."""

    def __init__(self, first_name: str) -> None:
        super().__init__(greeting=(f"Hi {first_name}, this is Emma.",))

    async def greet(self) -> AsyncIterator[str]:
        async for sentence in super().greet():
            log.warning("agent says: %s", sentence)
            yield sentence


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    log.propagate = False
    install_redaction()
    configure_field_encryption(KeyRing.parse(generate_key_spec("k1")))
    yield stream
    reset_field_encryption()
    uninstall_redaction()
    log.removeHandler(handler)


async def test_the_callers_name_is_masked_in_the_calls_log_lines(logs: io.StringIO, tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await db.create_all()

    async def seed() -> None:
        async with db.session() as s:
            await f.seed(s)

    await asyncio.create_task(seed())

    async def factory(ctx, control):  # type: ignore[no-untyped-def]
        async with db.session() as s:  # what the engine agent does: read the client's row
            client = await s.get(Client, "c1")
            assert client is not None
        return ChattyAgent(client.first_name)

    h = await start_session(agent_factory=factory)
    await h.send(protocol.connected_message())
    await h.send(start_message())
    await eventually(lambda: "agent says" in logs.getvalue())
    log.warning("outside the call: %s", f.PHI_NAME)  # this test's task never read the row
    await h.send(protocol.stop_message(STREAM_SID, "CA"))
    await asyncio.wait_for(h.task, 5)
    await db.dispose()
    lines = logs.getvalue().splitlines()
    [said] = [line for line in lines if line.startswith("agent says")]
    assert f.PHI_NAME not in said and "[REDACTED]" in said
    assert f"outside the call: {f.PHI_NAME}" in lines
