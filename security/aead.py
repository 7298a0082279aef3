"""AES-256-GCM sealing shared by the payload codec and the column types: one place decides the
nonce size and what the ciphertext is bound to (key id + context as associated data)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.keyring import DataKey, KeyRing

NONCE_BYTES = 12


class DecryptionError(ValueError):
    """Ciphertext failed authentication: tampered, truncated, or sealed for another context."""


def _aad(key_id: str, context: bytes) -> bytes:
    return key_id.encode() + b"|" + context


def seal(key: DataKey, plaintext: bytes, context: bytes = b"") -> bytes:
    """nonce || ciphertext+tag. A random 96-bit nonce per message (safe far below 2^32 messages
    per key; rotate keys long before that)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key.secret).encrypt(nonce, plaintext, _aad(key.key_id, context))


def open_sealed(keyring: KeyRing, key_id: str, sealed: bytes, context: bytes = b"") -> bytes:
    key = keyring.get(key_id)
    if len(sealed) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext too short")
    try:
        return AESGCM(key.secret).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _aad(key_id, context))
    except InvalidTag:
        raise DecryptionError(f"ciphertext failed authentication (key id {key_id!r})") from None
