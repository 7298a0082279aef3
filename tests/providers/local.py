"""Trivial local providers standing in for the offline ones (the real local policy and FSK codec
providers belong to conversation/ and media_server/): last links of the fallback chains."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from adapters.llm.base import LLMEvent, LLMRequest, TextDelta, TurnDone
from adapters.stt.base import Transcript


class EchoLLM:
    """Answers every turn with a fixed sentence built from the caller's last words."""

    name = "echo"

    def __init__(self) -> None:
        self.turns = 0

    async def stream(self, request: LLMRequest) -> AsyncIterator[LLMEvent]:
        self.turns += 1
        last = request.messages[-1].content if request.messages else ""
        yield TextDelta(f"I heard: {last}")
        yield TurnDone("stop", self.name)


class CountingSTTSession:
    """Local STT: reports how many audio bytes it heard since the last flush as the transcript."""

    def __init__(self) -> None:
        self.heard = 0
        self._out: asyncio.Queue[Transcript | None] = asyncio.Queue()

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self.heard += len(mulaw_8k)

    async def flush(self) -> None:
        self._out.put_nowait(Transcript(f"{self.heard} bytes", True, 1.0, "local"))
        self.heard = 0

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while (item := await self._out.get()) is not None:
            yield item

    async def close(self) -> None:
        self._out.put_nowait(None)


class CountingSTT:
    name = "local"

    def __init__(self) -> None:
        self.sessions: list[CountingSTTSession] = []

    async def open_session(self) -> CountingSTTSession:
        session = CountingSTTSession()
        self.sessions.append(session)
        return session


class ConstantTTS:
    """Local TTS: 160 bytes of mu-law per character, value 0x7F, so tests can tell who spoke."""

    name = "local"
    BYTE = b"\x7f"

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        yield self.BYTE * (160 * len(text))
