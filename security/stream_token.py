"""Short-lived HMAC-signed tokens that authorise one media stream (format in docs/codec.md).

`v1.<base64url(JSON {"wf": workflow_id, "cs": call_sid, "exp": unix_seconds, "n": nonce})>.<base64url(HMAC-SHA256)>`
The MAC covers the literal `v1.<payload>` text. An empty `cs` means "any call of this workflow"
(for tools such as `gyde media token` that open a stream before a call sid exists). The random
nonce makes every minted token distinct, because a token is good for one stream only: the media
server records `token_id(token)` when a stream starts and refuses it the second time
(media_server/start_guard.py). The api mints, the media server verifies; both share the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

VERSION = "v1"
_MAX_TOKEN_CHARS = 2048


class StreamTokenError(ValueError):
    """The token is missing, malformed, forged or expired; the stream is refused."""


@dataclass(frozen=True)
class StreamClaims:
    workflow_id: str
    call_sid: str
    expires_at: int


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StreamTokenError("token is not base64url") from exc


def _key(secret: str) -> bytes:
    if not secret:
        raise StreamTokenError("no stream token secret configured (GYDE_STREAM_TOKEN_SECRET)")
    return secret.encode("utf-8")


def _mac(secret: str, signed: str) -> bytes:
    return hmac.new(_key(secret), signed.encode("ascii"), hashlib.sha256).digest()


def mint(
    secret: str, workflow_id: str, call_sid: str = "", ttl_seconds: int = 120, now: float | None = None
) -> str:
    """A token for `workflow_id` (and `call_sid` when known) valid for `ttl_seconds`."""
    if not workflow_id:
        raise StreamTokenError("workflow id is required")
    if ttl_seconds <= 0:
        raise StreamTokenError("ttl must be positive")
    issued = time.time() if now is None else now
    claims = {
        "wf": workflow_id,
        "cs": call_sid,
        "exp": int(issued) + ttl_seconds,
        "n": secrets.token_urlsafe(12),
    }
    body = json.dumps(claims, separators=(",", ":"))
    signed = f"{VERSION}.{_b64e(body.encode('utf-8'))}"
    return f"{signed}.{_b64e(_mac(secret, signed))}"


def verify(
    secret: str, token: str | None, call_sid: str | None = None, now: float | None = None
) -> StreamClaims:
    """The claims of a valid token, or StreamTokenError. `call_sid` must match when the token binds one."""
    if not token:
        raise StreamTokenError("stream token missing")
    if len(token) > _MAX_TOKEN_CHARS:
        raise StreamTokenError("stream token too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise StreamTokenError("stream token malformed")
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(secret, signed), _b64d(parts[2])):
        raise StreamTokenError("stream token signature invalid")
    try:
        claims = json.loads(_b64d(parts[1]))
        workflow_id, bound_sid, expires_at = str(claims["wf"]), str(claims["cs"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StreamTokenError("stream token claims malformed") from exc
    if (time.time() if now is None else now) >= expires_at:
        raise StreamTokenError("stream token expired")
    if bound_sid and call_sid is not None and bound_sid != call_sid:
        raise StreamTokenError("stream token belongs to another call")
    return StreamClaims(workflow_id=workflow_id, call_sid=bound_sid, expires_at=expires_at)


def token_id(token: str) -> str:
    """The key a used token is remembered by (SHA-256 hex: the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
