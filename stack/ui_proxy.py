"""The local Temporal UI's front door: a loopback reverse proxy in front of the dev server's UI
that tells the UI to send the browser's cookies to the codec endpoint.

Why: the UI sends cookies to a remote codec only when its server config says
`codec.includeCredentials: true`; a production UI server sets that in its config file
(docs/security.md), but `temporal server start-dev` has a flag for the endpoint only. So the
embedded stack runs the dev server's UI on a private port and serves it on the usual one
through this proxy, which changes that one field of `GET /api/v1/settings` and passes
everything else through unchanged. Bound to 127.0.0.1 only.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SETTINGS_PATH = "/api/v1/settings"
# Hop-by-hop headers (RFC 9110 7.6.1) and the ones httpx already undid (decompression, length).
_DROP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-encoding",
        "content-length",
        "host",
    }
)


def with_credentials(body: bytes) -> bytes:
    """The UI's settings with `Codec.IncludeCredentials` on (anything unparsable unchanged)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    codec = data.get("Codec") if isinstance(data, dict) else None
    if not isinstance(codec, dict) or not codec.get("Endpoint"):
        return body
    codec["IncludeCredentials"] = True
    return json.dumps(data).encode()


def build_ui_proxy(upstream: str, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """An ASGI app forwarding every request to `upstream` (the dev server's UI); `transport`
    replaces the network in tests."""
    client = httpx.AsyncClient(base_url=upstream, timeout=30.0, follow_redirects=False, transport=transport)

    async def forward(request: Request) -> Response:
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _DROP]
        upstream_request = client.build_request(
            request.method,
            request.url.path,
            params=request.url.query,
            headers=headers,
            content=await request.body(),
        )
        try:
            answer = await client.send(upstream_request)
        except httpx.HTTPError as exc:
            return Response(f"Temporal UI unreachable: {type(exc).__name__}\n", status_code=502)
        body = answer.content
        if request.url.path == SETTINGS_PATH and answer.status_code == 200:
            body = with_credentials(body)
        out = Response(body, status_code=answer.status_code)
        for key, value in answer.headers.multi_items():
            if key.lower() not in _DROP:
                out.headers.append(key, value)
        out.headers["content-length"] = str(len(body))
        return out

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


def main(argv: list[str] | None = None) -> int:
    """`python -m stack.ui_proxy --port 8233 --upstream http://127.0.0.1:PORT` (the supervisor
    runs it as the `ui` service)."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        build_ui_proxy(args.upstream),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        timeout_graceful_shutdown=2,  # a browser tab holding a connection must not hold the stop
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
