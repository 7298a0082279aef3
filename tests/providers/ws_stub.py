"""The lifecycle shared by the WebSocket vendor stubs (Deepgram, AssemblyAI): a loopback server
on a free port, its URL, and a clean close. Each stub brings its own handshake check and handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response


class WebSocketStubServer:
    server: Server | None
    _check: Callable[[ServerConnection, Request], Response | None]  # the vendor's handshake
    _handler: Callable[[ServerConnection], Awaitable[None]]  # the vendor's protocol

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1] if self.server.sockets else 0
        return f"ws://127.0.0.1:{port}"

    async def start(self) -> None:
        self.server = await serve(self._handler, "127.0.0.1", 0, process_request=self._check)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
