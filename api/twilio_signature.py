"""FastAPI dependency that admits only genuine Twilio webhooks: X-Twilio-Signature is checked
with the SDK's RequestValidator against the URL Twilio called, i.e. the configured public base
URL (a proxy or tunnel in front is the normal case) plus this request's path and raw query.

The replay key is the signed content itself - the URL followed by every parameter name and value,
names sorted, each name's values sorted and de-duplicated, exactly as the validator concatenates
them - never the raw body. Reordering or repeating parameters, or moving characters across a
name/value boundary, leaves the signature valid; keyed on the signed content, all of those are
the same request. A parameter with two different values is refused (Twilio never sends one)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
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


def signed_content(url: str, pairs: Iterable[tuple[str, str]]) -> str:
    """What X-Twilio-Signature's HMAC covers (twilio.request_validator.compute_signature)."""
    values: dict[str, set[str]] = {}
    for name, value in pairs:
        values.setdefault(name, set()).add(value)
    return url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))


def replay_key(url: str, pairs: Iterable[tuple[str, str]]) -> str:
    return hashlib.sha256(b"twilio-webhook/v1\0" + signed_content(url, pairs).encode("utf-8")).hexdigest()


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
        form = await request.form() if request.method == "POST" else None
        pairs = list(form.multi_items()) if form is not None else []
        if any(not isinstance(value, str) for _, value in pairs):
            _logger.warning("webhook rejected: file upload path=%s", request.url.path)
            raise HTTPException(status_code=403, detail="invalid X-Twilio-Signature")
        text_pairs = [(name, str(value)) for name, value in pairs]
        url = public_url(self.public_base_url, request.url.path, request.url.query)
        if not self._validator.validate(url, form or {}, signature):
            _logger.warning("webhook rejected: bad signature path=%s", request.url.path)
            raise HTTPException(status_code=403, detail="invalid X-Twilio-Signature")
        params: dict[str, str] = {}
        for name, value in text_pairs:
            if params.setdefault(name, value) != value:
                raise HTTPException(status_code=400, detail=f"parameter {name} has more than one value")
        return TwilioWebhook(
            params=params,
            query=dict(request.query_params),
            replay_key=replay_key(url, text_pairs),
            cache=self.cache,
        )


async def verified_webhook(request: Request) -> TwilioWebhook:
    verifier: SignatureVerifier = request.app.state.signature_verifier
    return await verifier.verify(request)


VerifiedWebhook = Annotated[TwilioWebhook, Depends(verified_webhook)]
