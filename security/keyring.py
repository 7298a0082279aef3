"""The key ring: every AES-256 key the deployment knows, by id.

Keys rotate by prepending a new `kid:base64key` to GYDE_ENCRYPTION_KEYS: the first (newest) key
encrypts, every listed key still decrypts, so payloads and rows written before a rotation keep
working until they are re-encrypted or expire. With no key configured a deterministic dev key is
derived and a warning is logged, so `make demo` runs without secrets; the worker, api and media
server refuse to start on it unless every endpoint is loopback (security/startup_checks.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from settings import Settings

logger = logging.getLogger(__name__)

DEV_KEY_ID = "dev"
_DEV_SEED = b"gyde-voice-development-key-NOT-SECRET"
_LOOKUP_INFO = b"gyde-voice/lookup-hash/v1"


class KeyRingError(ValueError):
    """The key configuration is unusable (bad base64, wrong length, duplicate id)."""


class UnknownKeyId(KeyError):
    """Data was encrypted with a key this ring does not hold (removed too early, or foreign)."""


@dataclass(frozen=True, repr=False)
class DataKey:
    """One AES-256 key and its id (the id travels with every ciphertext; the key never does)."""

    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never print key material
        return f"DataKey(key_id={self.key_id!r})"


class KeyRing:
    """Ordered keys, newest first. Immutable after construction."""

    def __init__(self, keys: Iterable[DataKey], *, lookup_secret: bytes | None = None, dev: bool = False):
        ordered = list(keys)
        if not ordered:
            raise KeyRingError("a key ring needs at least one key")
        by_id: dict[str, DataKey] = {}
        for key in ordered:
            if len(key.secret) != 32:
                raise KeyRingError(f"key {key.key_id!r} must be 32 bytes (AES-256), got {len(key.secret)}")
            if not key.key_id or ":" in key.key_id or "," in key.key_id:
                raise KeyRingError(f"invalid key id {key.key_id!r}")
            if key.key_id in by_id:
                raise KeyRingError(f"duplicate key id {key.key_id!r}")
            by_id[key.key_id] = key
        self._keys = ordered
        self._by_id = by_id
        self.is_dev = dev
        # The lookup (keyed-hash) secret must NOT rotate with the encryption keys, or every stored
        # phone hash would stop matching; by default it is derived from the OLDEST key.
        self._lookup_secret = lookup_secret or _derive(ordered[-1].secret, _LOOKUP_INFO)

    @property
    def primary(self) -> DataKey:
        """The key new ciphertexts use."""
        return self._keys[0]

    @property
    def key_ids(self) -> list[str]:
        return [k.key_id for k in self._keys]

    @property
    def lookup_secret(self) -> bytes:
        return self._lookup_secret

    def get(self, key_id: str) -> DataKey:
        try:
            return self._by_id[key_id]
        except KeyError:
            raise UnknownKeyId(f"no key with id {key_id!r} in the key ring (known: {self.key_ids})") from None

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={self.key_ids}, dev={self.is_dev})"

    @classmethod
    def parse(cls, spec: str, *, lookup_key: str = "") -> KeyRing:
        """Build from "kid:base64key,kid2:base64key" (newest first); empty spec -> dev ring."""
        lookup_secret = _decode_key("lookup", lookup_key) if lookup_key.strip() else None
        entries = [part.strip() for part in spec.split(",") if part.strip()]
        if not entries:
            return cls.development()
        keys = []
        for entry in entries:
            key_id, sep, material = entry.partition(":")
            if not sep:
                raise KeyRingError("each encryption key must look like 'key_id:base64key'")
            keys.append(DataKey(key_id.strip(), _decode_key(key_id.strip(), material.strip())))
        return cls(keys, lookup_secret=lookup_secret)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """Composition-root helper: reads `encryption_keys` and `lookup_hash_key`."""
        return cls.parse(
            settings.encryption_keys.get_secret_value(),
            lookup_key=settings.lookup_hash_key.get_secret_value(),
        )

    @classmethod
    def development(cls) -> KeyRing:
        """A fixed, publicly known key: for local demos and tests only."""
        logger.warning(
            "security: no GYDE_ENCRYPTION_KEYS configured; using the DEVELOPMENT key ring "
            "(deterministic, not secret). Never run production like this."
        )
        return cls([DataKey(DEV_KEY_ID, hashlib.sha256(_DEV_SEED).digest())], dev=True)


def generate_key_spec(key_id: str) -> str:
    """A fresh `kid:base64key` entry for GYDE_ENCRYPTION_KEYS (used by docs and tests)."""
    import os

    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def _decode_key(key_id: str, material: str) -> bytes:
    try:
        secret = base64.b64decode(material, validate=True)
    except (binascii.Error, ValueError):
        raise KeyRingError(f"key {key_id!r} is not valid base64") from None
    if len(secret) != 32:
        raise KeyRingError(f"key {key_id!r} must decode to 32 bytes (AES-256), got {len(secret)}")
    return secret


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
