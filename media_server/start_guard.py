"""What a media stream must get right before the call exists: few, small messages before `start`,
and a `start` whose token has not been used and whose call has no stream yet.

Why one-use: the consent webhook mints a fresh token each time it runs, so a replayed or
re-delivered consent - or a captured token - could otherwise open a second stream into a live
call. The used-token and used-call records live in the session store (memory or Redis, so every
replica sees them) and outlive the token; a store that cannot answer refuses the stream.
"""

from __future__ import annotations

import time
from enum import StrEnum

from media_server.protocol import Start
from media_server.session_store import SessionStore
from security.stream_token import StreamClaims, StreamTokenError, token_id, verify

# Twilio sends exactly `connected` then `start`; the start carries a few parameters (< 4 KB).
MAX_PRE_START_MESSAGES = 3
MAX_PRE_START_BYTES = 8 * 1024
USED_PREFIX = "gyde:media:used:"
CLAIM_MARGIN_S = 60  # clock skew between replicas
CALL_CLAIM_S = 24 * 3600  # longer than any call (Twilio's maximum call length is 24 h)


class Refusal(StrEnum):
    PROTOCOL = "protocol"
    UNAUTHORIZED = "unauthorized"
    STORE = "store"


class StartRefused(Exception):
    def __init__(self, kind: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def check_pre_start_size(raw: str | bytes) -> None:
    """Refuse a message before start that is larger than any Twilio sends (read before parsing)."""
    if len(raw) > MAX_PRE_START_BYTES:
        raise StartRefused(Refusal.PROTOCOL, f"message too large before start ({len(raw)} bytes)")


def check_pre_start_count(received: int) -> None:
    """Called for a message that was not `start`: the start must come within the first few."""
    if received >= MAX_PRE_START_MESSAGES:
        raise StartRefused(Refusal.PROTOCOL, f"{received} messages before start")


async def claim_stream(store: SessionStore, token: str, claims: StreamClaims, call_sid: str) -> None:
    """Record the token and the call as used; StartRefused when either already was."""
    token_ttl = max(claims.expires_at - int(time.time()), 0) + CLAIM_MARGIN_S
    try:
        token_first = await store.claim(f"{USED_PREFIX}token:{token_id(token)}", token_ttl)
        call_first = token_first and await store.claim(
            f"{USED_PREFIX}call:{call_sid}", max(CALL_CLAIM_S, token_ttl)
        )
    except Exception as exc:  # fail closed: without the record a replay cannot be told apart
        raise StartRefused(Refusal.STORE, f"session store unavailable ({type(exc).__name__})") from exc
    if not token_first:
        raise StartRefused(Refusal.UNAUTHORIZED, "stream token already used")
    if not call_first:
        raise StartRefused(Refusal.UNAUTHORIZED, "call already has a stream")


async def admit(start: Start, token_secret: str, store: SessionStore) -> StreamClaims:
    """A `start` message is admitted when its token is valid for this call (and matches the
    workflow it names), the media format is Twilio's mu-law 8 kHz, and neither the token nor the
    call has had a stream before; otherwise StartRefused says why."""
    token = start.custom_parameters.get("token")
    try:
        claims = verify(token_secret, token, call_sid=start.call_sid)
    except StreamTokenError as exc:
        raise StartRefused(Refusal.UNAUTHORIZED, str(exc)) from exc
    claimed_wf = start.custom_parameters.get("workflow_id")
    if claimed_wf is not None and claimed_wf != claims.workflow_id:
        raise StartRefused(Refusal.UNAUTHORIZED, "workflow_id parameter does not match the token")
    if start.encoding != "audio/x-mulaw" or start.sample_rate != 8000:
        raise StartRefused(Refusal.PROTOCOL, "unsupported media format")
    await claim_stream(store, token or "", claims, start.call_sid)
    return claims
