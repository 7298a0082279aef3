"""FastAPI dependency that admits only genuine Twilio webhooks: X-Twilio-Signature is checked
with the SDK's RequestValidator against the URL Twilio called, i.e. the configured public base
URL (a proxy or tunnel in front is the normal case) plus this request's path and raw query."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from twilio.request_validator import RequestValidator

from api.replay import ReplayCache

_logger = logging.getLogger("gyde.api.signature")
SIGNATURE_HEADER = "X-Twilio-Signature"


def public_url(public_base_url: str, path: str, query: str) -> str:
    """What Twilio signed: our public base (scheme, host, optional path prefix) + path + query."""
    url = public_base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


@dataclass
class TwilioWebhook:
    """A verified webhook: its form parameters, query parameters and replay guard."""

    params: dict[str, str]
    query: dict[str, str]
    replay_key: str
    cache: ReplayCache = field(repr=False)

    async def once(self, handler: Callable[[], Awaitable[Response]]) -> Response:
        """Run `handler` the first time this exact signed request is seen; replays get the same
        response without running it again (no second signal, no second recording)."""
        return await self.cache.once(self.replay_key, handler)


class SignatureVerifier:
    def __init__(self, auth_token: str, public_base_url: str, cache: ReplayCache | None = None) -> None:
        if not auth_token:
            raise ValueError("twilio auth token is empty: webhooks could not be verified")
        self._validator = RequestValidator(auth_token)
        self.public_base_url = public_base_url
        self.cache = cache or ReplayCache()

    async def verify(self, request: Request) -> TwilioWebhook:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            _logger.warning("webhook rejected: no signature path=%s", request.url.path)
            raise HTTPException(status_code=403, detail="missing X-Twilio-Signature")
        raw_body = await request.body()
        form = await request.form() if request.method == "POST" else None
        url = public_url(self.public_base_url, request.url.path, request.url.query)
        if not self._validator.validate(url, form or {}, signature):
            _logger.warning("webhook rejected: bad signature path=%s", request.url.path)
            raise HTTPException(status_code=403, detail="invalid X-Twilio-Signature")
        params = {k: v for k, v in (form or {}).items() if isinstance(v, str)}
        digest = hashlib.sha256(signature.encode() + b"\0" + url.encode() + b"\0" + raw_body).hexdigest()
        return TwilioWebhook(
            params=params, query=dict(request.query_params), replay_key=digest, cache=self.cache
        )


async def verified_webhook(request: Request) -> TwilioWebhook:
    verifier: SignatureVerifier = request.app.state.signature_verifier
    return await verifier.verify(request)


VerifiedWebhook = Annotated[TwilioWebhook, Depends(verified_webhook)]
