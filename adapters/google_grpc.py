"""How both Google adapters (Speech-to-Text, Text-to-Speech) reach Google: credentials, the gRPC
channel, and the error mapping.

Why one module: the two clients must agree on the same three rules. Credentials are a service
account key file (`GYDE_GOOGLE_CREDENTIALS_FILE`) or an API key sent as `x-goog-api-key` on each
call (the header google-auth's API-key credentials set). An endpoint on loopback (a local stub or a
sidecar proxy) gets a plaintext channel; anything else gets TLS. The SDK's own retries are off
(`retry=None` on every call): the fallback chain decides what follows a failure. Clients are built
lazily, inside the running event loop, because a grpc.aio channel belongs to the loop it was made on.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import google.auth
from google.api_core import exceptions as core_exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials, Credentials

from adapters.provider_error import ProviderError

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_RATE_LIMITED = ("RESOURCE_EXHAUSTED",)
_REJECTED = ("INVALID_ARGUMENT", "PERMISSION_DENIED", "UNAUTHENTICATED", "NOT_FOUND", "FAILED_PRECONDITION")

C = TypeVar("C")


@dataclass(frozen=True)
class GoogleAuth:
    """One of the two: a service-account key file, or an API key."""

    credentials_file: str = ""
    api_key: str = ""

    def validate(self, purpose: str) -> None:
        if not self.credentials_file and not self.api_key:
            raise ValueError(f"GYDE_GOOGLE_CREDENTIALS_FILE or GYDE_GOOGLE_API_KEY is required for {purpose}")
        if self.credentials_file and not Path(self.credentials_file).is_file():
            raise ValueError(
                f"GYDE_GOOGLE_CREDENTIALS_FILE={self.credentials_file!r} is not a readable file ({purpose})"
            )
        if self.credentials_file:
            try:  # parses the key file, no network: a broken file fails at start-up
                self.credentials()
            except Exception as exc:
                raise ValueError(
                    f"GYDE_GOOGLE_CREDENTIALS_FILE={self.credentials_file!r} is not a Google credentials "
                    f"file ({type(exc).__name__}; {purpose})"
                ) from None

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Per-call metadata: the API key, when that is how we authenticate."""
        return (("x-goog-api-key", self.api_key),) if self.api_key and not self.credentials_file else ()

    def credentials(self) -> Credentials:
        if self.credentials_file:
            loaded, _project = google.auth.load_credentials_from_file(  # type: ignore[no-untyped-call]
                self.credentials_file, scopes=SCOPES
            )
            return loaded  # type: ignore[no-any-return]
        return AnonymousCredentials()  # type: ignore[no-untyped-call]  # the API key rides in metadata()


def endpoint_is_loopback(endpoint: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1 as `host:port` (a plaintext channel is fine there only)."""
    host = urlsplit(f"//{endpoint}").hostname if endpoint else None
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_client(
    client_cls: Callable[..., C],
    transport_cls: Any,
    endpoint: str | None,
    auth: GoogleAuth,
) -> C:
    """An async GAPIC client; on a loopback endpoint over a plaintext channel."""
    if endpoint_is_loopback(endpoint):
        import grpc

        channel = grpc.aio.insecure_channel(endpoint or "")
        return client_cls(transport=transport_cls(channel=channel))
    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    return client_cls(credentials=auth.credentials(), client_options=options)


def google_error(provider: str, exc: BaseException) -> ProviderError:
    """API-core / gRPC error -> ProviderError naming the status code only (never the message).
    (A write racing the server's error surfaces from gRPC core as INTERNAL: still a server error.)"""
    if isinstance(exc, ProviderError):
        return exc
    status = _status_name(exc)
    if status is None:
        if isinstance(exc, TimeoutError):
            return ProviderError(provider, "timeout")
        return ProviderError(provider, f"transport error ({type(exc).__name__})")
    if status in _RATE_LIMITED:
        return ProviderError(provider, f"rate limited ({status})")
    if status == "DEADLINE_EXCEEDED":
        return ProviderError(provider, "timeout")
    if status in _REJECTED:
        return ProviderError(provider, f"request rejected ({status})", retryable=False)
    return ProviderError(provider, f"server error ({status})")


def _status_name(exc: BaseException) -> str | None:
    if isinstance(exc, core_exceptions.GoogleAPICallError):
        code = exc.grpc_status_code
        return code.name if code is not None else None
    code_fn = getattr(exc, "code", None)  # a bare grpc.aio.AioRpcError
    if callable(code_fn):
        try:
            code = code_fn()
        except Exception:
            return None
        return getattr(code, "name", None)
    return None
