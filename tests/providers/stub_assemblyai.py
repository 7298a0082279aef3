"""A local websocket server speaking AssemblyAI's Universal-Streaming v3 protocol (/v3/ws):
query-string parameters and an `Authorization` key at the handshake, `Begin` first, binary audio
and JSON control frames (`ForceEndpoint`, `Terminate`) in, `Turn` messages out (unformatted then
formatted at the end of a turn), `Termination` and a 1000 close at the end. It misbehaves like the
service: a refused handshake (HTTP 401/429), a close with one of the v3 error codes (3005 server
error, 3007 chunk too short or too long, 3009 too many sessions), or an `Error` message."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection
from websockets.http11 import Request, Response

from tests.providers.ws_stub import WebSocketStubServer

CLOSE_REASONS = {
    3005: "Server error",
    3007: "Audio chunk duration violation",
    3009: "Too many concurrent sessions",
}


def turn(order: int, text: str, *, end: bool, formatted: bool = False, pending: str = "") -> str:
    final_words = [
        {"start": 100 * i, "end": 100 * i + 80, "text": w, "confidence": 0.9, "word_is_final": True}
        for i, w in enumerate(text.split())
    ]
    pending_words = [
        {"start": 900 + 100 * i, "end": 980 + 100 * i, "text": w, "confidence": 0.5, "word_is_final": False}
        for i, w in enumerate(pending.split())
    ]
    return json.dumps(
        {
            "turn_order": order,
            "turn_is_formatted": formatted,
            "end_of_turn": end,
            "transcript": text,
            "end_of_turn_confidence": 0.91 if end else 0.02,
            "words": final_words + pending_words,
            "utterance": text if end else "",
            "type": "Turn",
        }
    )


@dataclass
class AssemblyAIScript:
    """Partial after `partial_at` bytes; a final on ForceEndpoint; own end of turn, breakage on purpose."""

    partial: str = "thursday"
    pending: str = "around"
    final_raw: str = "thursday around three"
    final: str = "Thursday around three."
    partial_at: int = 1600
    end_of_turn_at: int | None = None  # AssemblyAI's own turn detection ends the turn here
    close_code_at: tuple[int, int] | None = None  # (bytes heard, close code): the server drops us
    close_on_connect: int | None = None  # close with this code right after the handshake (no Begin)
    error_message_at: int | None = None  # an Error JSON message after this many bytes
    reject_status: int | None = None  # refuse the handshake
    min_chunk_bytes: int = 400  # under 50 ms or over 2 s a message is refused with 3007, as the
    max_chunk_bytes: int = 16000  # service does


@dataclass
class AssemblyAIStub(WebSocketStubServer):
    script: AssemblyAIScript = field(default_factory=AssemblyAIScript)
    audio: bytearray = field(default_factory=bytearray)
    chunks: list[int] = field(default_factory=list)
    controls: list[dict[str, Any]] = field(default_factory=list)
    handshakes: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    server: Server | None = None

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        self.handshakes.append((url.path, parse_qs(url.query), headers))
        if self.script.reject_status is not None:
            status = HTTPStatus(self.script.reject_status)
            return connection.respond(status, f"{status.phrase}\n")
        if url.path != "/v3/ws" or not headers.get("authorization"):
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        script = self.script
        if script.close_on_connect is not None:
            await ws.close(script.close_on_connect, CLOSE_REASONS.get(script.close_on_connect, "error"))
            return
        await ws.send(json.dumps({"type": "Begin", "id": "de5d9927-73a6-4be8", "expires_at": 1764600000}))
        order = 0
        partial_sent = own_end_sent = False
        async for message in ws:
            if isinstance(message, bytes):
                self.chunks.append(len(message))
                if not script.min_chunk_bytes <= len(message) <= script.max_chunk_bytes:
                    await ws.close(3007, CLOSE_REASONS[3007])
                    return
                self.audio.extend(message)
                heard = len(self.audio)
                if script.close_code_at is not None and heard >= script.close_code_at[0]:
                    code = script.close_code_at[1]
                    await ws.close(code, CLOSE_REASONS.get(code, "error"))
                    return
                if script.error_message_at is not None and heard >= script.error_message_at:
                    await ws.send(json.dumps({"type": "Error", "error_code": 3005, "error": "stub failure"}))
                    await ws.close(1011, "internal error")
                    return
                if not partial_sent and heard >= script.partial_at:
                    partial_sent = True
                    await ws.send(turn(order, script.partial, end=False, pending=script.pending))
                if script.end_of_turn_at is not None and not own_end_sent and heard >= script.end_of_turn_at:
                    own_end_sent = True
                    await self._end_turn(ws, order)
                    order += 1
                continue
            control = json.loads(message)
            self.controls.append(control)
            if control.get("type") == "ForceEndpoint":
                await self._end_turn(ws, order)
                order += 1
            elif control.get("type") == "Terminate":
                duration = len(self.audio) // 8000
                await ws.send(
                    json.dumps(
                        {
                            "type": "Termination",
                            "audio_duration_seconds": duration,
                            "session_duration_seconds": 2,
                        }
                    )
                )
                await ws.close(1000)
                return

    async def _end_turn(self, ws: ServerConnection, order: int) -> None:
        await ws.send(turn(order, self.script.final_raw, end=True))
        await ws.send(turn(order, self.script.final, end=True, formatted=True))
