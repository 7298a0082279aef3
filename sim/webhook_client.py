"""How the simulator calls our api: form-encoded POSTs signed exactly as Twilio signs them
(RequestValidator.compute_signature over the full URL and the sorted parameters)."""

from __future__ import annotations

import logging

import httpx
from twilio.request_validator import RequestValidator

_logger = logging.getLogger("gyde.sim.webhooks")


class WebhookError(RuntimeError):
    """Our api answered a webhook with an error or could not be reached."""


class WebhookClient:
    def __init__(self, auth_token: str, http: httpx.AsyncClient | None = None) -> None:
        self._validator = RequestValidator(auth_token)
        self._http = http or httpx.AsyncClient(timeout=10.0)
        self.sent = 0

    def sign(self, url: str, params: dict[str, str]) -> str:
        return str(self._validator.compute_signature(url, params))

    async def post(self, url: str, params: dict[str, str]) -> httpx.Response:
        """POST a signed webhook; raises WebhookError on transport errors, returns any status."""
        headers = {"X-Twilio-Signature": self.sign(url, params)}
        try:
            response = await self._http.post(url, data=params, headers=headers)
        except httpx.HTTPError as exc:
            raise WebhookError(f"webhook unreachable: {type(exc).__name__}") from exc
        self.sent += 1
        if response.status_code >= 400:
            _logger.warning("webhook %s answered %s", httpx.URL(url).path, response.status_code)
        return response

    async def fetch_twiml(self, url: str, params: dict[str, str]) -> str:
        response = await self.post(url, params)
        if response.status_code != 200:
            raise WebhookError(f"TwiML fetch failed with {response.status_code}")
        return response.text

    async def aclose(self) -> None:
        await self._http.aclose()
