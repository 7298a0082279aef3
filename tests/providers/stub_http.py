"""A scripted HTTP/1.1 server on 127.0.0.1 standing in for a vendor API.

Why a real socket server and not an httpx mock: openai 3.x and anthropic 2.x run on httpx2, which
respx does not patch, and a real server exercises the SDKs' own transport, SSE decoding, timeouts
and error handling exactly as against the vendor. Each route has a queue of scripted replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}
REASONS |= {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 529: "Overloaded"}


@dataclass
class Reply:
    """One scripted response. `chunks` go out as HTTP chunks; `stall_after` chunks the server goes
    silent (holding the connection) to simulate a hung stream; `cut_after` chunks it drops the
    connection without finishing the body."""

    status: int = 200
    chunks: list[bytes] = field(default_factory=list)
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    stall_after: int | None = None
    cut_after: int | None = None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def json_reply(status: int, payload: Any, **kwargs: Any) -> Reply:
    return Reply(status=status, chunks=[json.dumps(payload).encode()], **kwargs)


class StubHTTPServer:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self.requests: list[Recorded] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, method: str, path: str, *replies: Reply) -> None:
        self._routes[(method.upper(), path)].extend(replies)

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = await _read_body(reader, headers)
        url = urlsplit(target)
        self.requests.append(Recorded(method, url.path, parse_qs(url.query), headers, body))
        queue = self._routes.get((method, url.path))
        reply = queue.popleft() if queue else json_reply(404, {"error": {"message": "no scripted reply"}})
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        status_line = f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}\r\n"
        header_lines = {
            "content-type": reply.content_type,
            "transfer-encoding": "chunked",
            "connection": "close",
        }
        header_lines |= reply.headers
        writer.write(
            (status_line + "".join(f"{k}: {v}\r\n" for k, v in header_lines.items()) + "\r\n").encode(
                "latin-1"
            )
        )
        await writer.drain()
        for index, chunk in enumerate(reply.chunks):
            if reply.stall_after is not None and index == reply.stall_after:
                await asyncio.sleep(3600)
            if reply.cut_after is not None and index == reply.cut_after:
                writer.transport.abort()
                return
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0)
        if reply.stall_after is not None and reply.stall_after >= len(reply.chunks):
            await asyncio.sleep(3600)
        if reply.cut_after is not None and reply.cut_after >= len(reply.chunks):
            writer.transport.abort()
            return
        writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return bytes(body)
            body.extend(await reader.readexactly(size))
            await reader.readexactly(2)
    return b""
