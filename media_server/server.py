"""The media server process: a `websockets` asyncio server whose only route is `/media`.

Permessage-deflate is off (Twilio does not use it and it would cost CPU on every frame); anything
but `/media` gets 404 before the WebSocket handshake, and a connection over `max_connections`
(admitted handshakes plus live calls) gets 503 there, before it costs a session. What a peer may
send before `start` is bounded in media_server/start_guard.py.

Plain HTTP on the same port, for the orchestrator: `/healthz` (the process serves), `/readyz` (it
takes new streams: 503 while draining) and `/metrics` (live calls, Prometheus text, what KEDA
scales on). `drain()` is the shutdown: refuse new streams, let live calls finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from media_server.session import (
    CLOSE_NORMAL,
    CallSession,
    SessionConfig,
    SessionReport,
    SessionServices,
    TransportClosed,
)
from observability import metrics

log = logging.getLogger(__name__)

MEDIA_PATH = "/media"
HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_MAX_MESSAGE_BYTES = 64 * 1024  # a 20 ms media message is ~300 bytes; start with params < 4 KB
_MAX_WRITE_BUFFER = 1 << 20  # a peer that stops reading for ~30 s of audio is treated as gone
DEFAULT_MAX_CONNECTIONS = 1000


class WebSocketTransport:
    """Transport over a websockets ServerConnection.

    `send_text` writes synchronously through the connection's sans-I/O protocol object, the same two
    calls `ServerConnection.send` makes before its (normally no-op) drain, so the player's timer
    callbacks can send without creating a task per frame.
    """

    def __init__(self, ws: ServerConnection) -> None:
        self._ws = ws

    async def recv(self) -> str | bytes:
        try:
            return await self._ws.recv()
        except ConnectionClosed as exc:
            raise TransportClosed(str(exc)) from exc

    def send_text(self, text: str) -> bool:
        ws = self._ws
        if ws.protocol.state is not State.OPEN:
            return False
        if ws.transport.get_write_buffer_size() > _MAX_WRITE_BUFFER:
            ws.transport.abort()
            return False
        ws.protocol.send_text(text.encode("utf-8"))
        ws.send_data()
        return True

    async def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        with contextlib.suppress(Exception):
            await self._ws.close(code, reason)


class MediaServer:
    """Accepts Media Streams connections and runs one CallSession per connection."""

    def __init__(
        self, config: SessionConfig, services: SessionServices, max_connections: int = DEFAULT_MAX_CONNECTIONS
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.config = config
        self.services = services
        self.max_connections = max_connections
        self.admitted = 0  # connections past the handshake check, until their task ends
        self.refused_at_capacity = 0
        self.active = 0
        self.completed: list[SessionReport] = []
        self.keep_reports = False
        self.frames_in = 0
        self.sessions = 0
        self.draining = False
        self.refused_draining = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path in HEALTH_PATHS:
            return self._health(connection, path)
        if path != MEDIA_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if self.draining:
            self.refused_draining += 1
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "media server draining\n")
        if self.admitted >= self.max_connections:
            self.refused_at_capacity += 1
            log.warning("media connection refused: at capacity (%d)", self.max_connections)
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "media server at capacity\n")
        # Runs inside the connection's own task: its end (handler done, or a failed handshake)
        # frees the slot, so a slot can never leak.
        task = asyncio.current_task()
        if task is not None:
            self.admitted += 1
            self._idle.clear()
            task.add_done_callback(self._release)
        return None

    def _release(self, _task: asyncio.Task[Any]) -> None:
        self.admitted -= 1
        if self.admitted == 0:
            self._idle.set()

    def _health(self, connection: ServerConnection, path: str) -> Response:
        if path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path == "/readyz":
            if self.draining:
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "draining\n")
            if self.admitted >= self.max_connections:
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "at capacity\n")
            return connection.respond(HTTPStatus.OK, "ready\n")
        lines = (
            "# TYPE gyde_media_live_calls gauge",
            f"gyde_media_live_calls {self.active}",
            "# TYPE gyde_media_connections gauge",
            f"gyde_media_connections {self.admitted}",
            "# TYPE gyde_media_max_connections gauge",
            f"gyde_media_max_connections {self.max_connections}",
            "# TYPE gyde_media_draining gauge",
            f"gyde_media_draining {int(self.draining)}",
            "# TYPE gyde_media_refused_total counter",
            f'gyde_media_refused_total{{reason="capacity"}} {self.refused_at_capacity}',
            f'gyde_media_refused_total{{reason="draining"}} {self.refused_draining}',
        )
        body = (
            metrics.render() + ("\n".join(lines) + "\n").encode()
        )  # the registry, then this server's gauges
        headers = Headers([("Content-Type", metrics.CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, body)

    async def drain(self, within: float) -> int:
        """Stop taking new streams and wait (up to `within` seconds) for the live ones to end;
        returns how many were still open when the wait ended (0: a clean drain)."""
        self.draining = True
        log.info("media server draining: %d live connections", self.admitted)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)
        return self.admitted

    async def handler(self, ws: ServerConnection) -> None:
        self.active += 1
        self.sessions += 1
        try:
            report = await CallSession(WebSocketTransport(ws), self.config, self.services).run()
            self.frames_in += report.frames_in
            if self.keep_reports:
                self.completed.append(report)
        finally:
            self.active -= 1

    def serve(self, host: str, port: int, **kwargs: Any) -> Any:
        """`async with server.serve(host, port) as ws_server:` (a websockets Server)."""
        return serve(
            self.handler,
            host,
            port,
            process_request=self._process_request,
            compression=None,
            max_size=_MAX_MESSAGE_BYTES,
            **kwargs,
        )


async def run_forever(
    server: MediaServer,
    host: str,
    port: int,
    stop: asyncio.Event | None = None,
    drain_seconds: float = 0.0,
) -> None:
    """Serve until `stop` is set (or forever), then drain for up to `drain_seconds` while still
    listening (health answers, new streams get 503); used by `gyde media serve`."""
    ws_server: Server
    async with server.serve(host, port) as ws_server:
        bound = ", ".join(str(s.getsockname()) for s in ws_server.sockets)
        log.info("media server listening on %s%s", bound, MEDIA_PATH)
        await (stop or asyncio.Event()).wait()
        if drain_seconds > 0:
            left = await server.drain(drain_seconds)
            if left:
                log.warning("media server drain timed out with %d connections open", left)
            else:
                log.info("media server drained: no live calls")
