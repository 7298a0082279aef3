"""A tiny HTTP health endpoint for processes that serve no HTTP of their own (the worker), and the
probe the container images use (`python -m stack.health URL`: exit 0 on 200, 1 otherwise), so no
image needs curl.

`/healthz` answers while the event loop runs (liveness); `/readyz` answers 200 while `ready()`
holds (readiness: the worker is polling its task queues), 503 otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable

_STATUS = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}


async def _answer(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ready: Callable[[], bool]
) -> None:
    try:
        line = await asyncio.wait_for(reader.readline(), 5)
        parts = line.decode("latin-1").split()
        path = parts[1].split("?", 1)[0] if len(parts) >= 2 else ""
        if path == "/healthz":
            status, body = 200, "ok\n"
        elif path == "/readyz":
            status, body = (200, "ready\n") if ready() else (503, "not ready\n")
        else:
            status, body = 404, "not found\n"
        writer.write(
            f"HTTP/1.1 {status} {_STATUS[status]}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}".encode()
        )
        await writer.drain()
    except (TimeoutError, ConnectionError, UnicodeDecodeError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def health_server(host: str, port: int, ready: Callable[[], bool]) -> AsyncIterator[asyncio.Server]:
    """Serve /healthz and /readyz on host:port for the life of the context."""
    server = await asyncio.start_server(lambda r, w: _answer(r, w, ready), host, port)
    try:
        yield server
    finally:
        server.close()
        await server.wait_closed()


def probe(url: str, timeout: float = 3.0) -> bool:
    """True when `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the probe's URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m stack.health URL", file=sys.stderr)
        sys.exit(2)
    sys.exit(0 if probe(sys.argv[1]) else 1)
