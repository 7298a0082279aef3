"""The webhook URL layout Twilio is given. One place builds them (the adapter when it dials, the
api when it answers) and the api routers mount the same paths, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

PREFIX = "/twilio"
ANSWER_PATH = f"{PREFIX}/voice/answer"
CONSENT_PATH = f"{PREFIX}/voice/consent"
VOICEMAIL_PATH = f"{PREFIX}/voice/voicemail"
WHISPER_PATH = f"{PREFIX}/voice/whisper"
TRANSFER_RESULT_PATH = f"{PREFIX}/voice/transfer-result"
STATUS_PATH = f"{PREFIX}/status"
AMD_PATH = f"{PREFIX}/amd"
RECORDING_PATH = f"{PREFIX}/recording"


@dataclass(frozen=True)
class TwilioUrls:
    """Absolute URLs under the public base URL (what Twilio sees, proxies included)."""

    public_base_url: str

    def _url(self, path: str, **query: str | int) -> str:
        base = self.public_base_url.rstrip("/")
        return f"{base}{path}?{urlencode(query)}" if query else f"{base}{path}"

    def answer(self, workflow_id: str) -> str:
        return self._url(ANSWER_PATH, workflow_id=workflow_id)

    def consent(self, workflow_id: str, attempt: int) -> str:
        return self._url(CONSENT_PATH, workflow_id=workflow_id, attempt=attempt)

    def voicemail(self, workflow_id: str) -> str:
        return self._url(VOICEMAIL_PATH, workflow_id=workflow_id)

    def whisper(self, workflow_id: str) -> str:
        return self._url(WHISPER_PATH, workflow_id=workflow_id)

    def transfer_result(self, workflow_id: str) -> str:
        return self._url(TRANSFER_RESULT_PATH, workflow_id=workflow_id)

    def status(self, workflow_id: str, attempt: int = 0) -> str:
        """`call_attempt` ties every status callback to the dial attempt that created the call."""
        if attempt:
            return self._url(STATUS_PATH, workflow_id=workflow_id, call_attempt=attempt)
        return self._url(STATUS_PATH, workflow_id=workflow_id)

    def amd(self, workflow_id: str, attempt: int = 0) -> str:
        if attempt:
            return self._url(AMD_PATH, workflow_id=workflow_id, call_attempt=attempt)
        return self._url(AMD_PATH, workflow_id=workflow_id)

    def recording(self, workflow_id: str) -> str:
        return self._url(RECORDING_PATH, workflow_id=workflow_id)
