"""The twilio SDK's own HTTP hook: an async client on httpx that can send `api.twilio.com`
requests to another base URL (the local phone simulator). The adapter never knows which network
it is on; only this client's `api_base` differs."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

_logger = logging.getLogger("gyde.telephony.http")


class RewritingAsyncHttpClient(AsyncHttpClient):  # type: ignore[misc]
    """Async twilio HttpClient; `api_base` (e.g. http://127.0.0.1:8766) replaces the scheme and
    host of every *.twilio.com URL, keeping the path (`/2010-04-01/Accounts/...`) intact."""

    def __init__(
        self,
        api_base: str | None = None,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(_logger, is_async=True, timeout=timeout)
        self.api_base = api_base.rstrip("/") if api_base else None
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout)

    def rewrite(self, url: str) -> str:
        """The URL actually requested: unchanged unless an `api_base` is configured."""
        if not self.api_base:
            return url
        parts = urlsplit(url)
        if not parts.hostname or not parts.hostname.endswith("twilio.com"):
            return url
        base = urlsplit(self.api_base)
        path = base.path.rstrip("/") + parts.path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the SDK's signature)
        allow_redirects: bool = False,
    ) -> Response:
        if timeout is not None and timeout <= 0:
            raise ValueError(timeout)
        response = await self._client.request(
            method.upper(),
            self.rewrite(uri),
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        # Never log bodies or query strings: they carry phone numbers.
        _logger.debug("twilio %s %s -> %s", method.upper(), urlsplit(uri).path, response.status_code)
        return Response(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()
