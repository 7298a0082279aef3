"""A local websocket server speaking Deepgram's live /v1/listen protocol (JSON text frames out,
binary audio and JSON control frames in), scripted per test."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection
from websockets.http11 import Request, Response

from tests.providers.ws_stub import WebSocketStubServer


def results(
    transcript: str, *, is_final: bool, speech_final: bool = False, from_finalize: bool = False
) -> str:
    words = [
        {
            "word": w.lower().strip(".,?"),
            "start": 0.1 * i,
            "end": 0.1 * i + 0.08,
            "confidence": 0.93,
            "punctuated_word": w,
        }
        for i, w in enumerate(transcript.split())
    ]
    return json.dumps(
        {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": 1.02,
            "start": 0.0,
            "is_final": is_final,
            "speech_final": speech_final,
            "channel": {"alternatives": [{"transcript": transcript, "confidence": 0.93, "words": words}]},
            "metadata": {
                "request_id": "5d6c1b0a-7c1f-4c49-a2b5-3b8f0f6f2e11",
                "model_info": {"name": "general-nova-3", "version": "2025-01-01.0", "arch": "nova-3"},
                "model_uuid": "40bd3654-e622-47c4-a111-63a61b23bd4d",
            },
            "from_finalize": from_finalize,
        }
    )


@dataclass
class DeepgramScript:
    """What the stub does: interim after `interim_at` bytes, final on Finalize, or break on purpose."""

    interim: str = "thursday"
    final: str = "Thursday around three."
    interim_at: int = 1600
    answer_finalize: bool = True
    speech_final_at: int | None = None  # send is_final+speech_final on its own after this many bytes
    segment_at: int | None = None  # send an is_final segment (not speech_final) after this many bytes
    utterance_end_at: int | None = None  # send UtteranceEnd (1 s without words) after this many bytes
    close_at: int | None = None  # drop the socket (1011) after this many bytes
    error_at: int | None = None  # send an Error message after this many bytes
    reject_status: int | None = None  # refuse the handshake


@dataclass
class DeepgramStub(WebSocketStubServer):
    script: DeepgramScript = field(default_factory=DeepgramScript)
    audio: bytearray = field(default_factory=bytearray)
    controls: list[dict[str, Any]] = field(default_factory=list)
    handshakes: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    server: Server | None = None

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        self.handshakes.append(
            (url.path, parse_qs(url.query), {k.lower(): v for k, v in request.headers.raw_items()})
        )
        if self.script.reject_status is not None:
            status = HTTPStatus(self.script.reject_status)
            return connection.respond(status, f"{status.phrase}\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        script = self.script
        interim_sent = speech_final_sent = segment_sent = utterance_end_sent = False
        async for message in ws:
            if isinstance(message, bytes):
                self.audio.extend(message)
                heard = len(self.audio)
                if script.close_at is not None and heard >= script.close_at:
                    await ws.close(1011, "internal error")
                    return
                if script.error_at is not None and heard >= script.error_at:
                    await ws.send(
                        json.dumps(
                            {
                                "type": "Error",
                                "variant": "net",
                                "description": "stub failure",
                                "code": "NET-0001",
                                "message": "stub",
                            }
                        )
                    )
                    continue
                if not interim_sent and heard >= script.interim_at:
                    interim_sent = True
                    await ws.send(results(script.interim, is_final=False))
                if script.segment_at is not None and not segment_sent and heard >= script.segment_at:
                    segment_sent = True
                    await ws.send(results(script.final, is_final=True))
                if (
                    script.speech_final_at is not None
                    and not speech_final_sent
                    and heard >= script.speech_final_at
                ):
                    speech_final_sent = True
                    await ws.send(results(script.final, is_final=True, speech_final=True))
                if (
                    script.utterance_end_at is not None
                    and not utterance_end_sent
                    and heard >= script.utterance_end_at
                ):
                    utterance_end_sent = True
                    await ws.send(
                        json.dumps({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 1.0})
                    )
                continue
            control = json.loads(message)
            self.controls.append(control)
            if control.get("type") == "Finalize" and script.answer_finalize:
                await ws.send(results(script.final, is_final=True, from_finalize=True))
            elif control.get("type") == "CloseStream":
                await ws.send(
                    json.dumps(
                        {
                            "type": "Metadata",
                            "transaction_key": "deprecated",
                            "request_id": "5d6c1b0a",
                            "sha256": "ab",
                            "created": "2026-11-23T23:00:00Z",
                            "duration": len(self.audio) / 8000,
                            "channels": 1,
                        }
                    )
                )
                await ws.close()
                return
