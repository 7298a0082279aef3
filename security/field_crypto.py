"""Column-level encryption at rest (phone, date of birth, SSN, medical notes, transcripts) and
keyed hashes for equality lookups on encrypted values (DNC, inbound caller matching).

Why a process-wide registry: SQLAlchemy instantiates TypeDecorators when the models module is
imported and calls `process_bind_param` / `process_result_value` with no handle to the
application, so the column types cannot receive the key ring by injection. The composition root
calls `configure_field_encryption(keyring)` once at start-up (worker, api, media server, CLI).
If it forgets, the first use builds the ring from settings (GYDE_ENCRYPTION_KEYS; the logged
dev ring when none is set) so data is never written in plaintext.

Rows with both `phone` and `phone_hash` get the hash filled in at flush (db/phone_hashing.py, a
mapper event every `Database` installs), so writers cannot forget it.

Stored form: "v1:<key id>:<base64(nonce || ciphertext+tag)>", bound to a per-column context
(associated data) so a ciphertext copied into another column does not decrypt.

Every short value encrypted or decrypted here (names, phone, e-mail, SSN) becomes a known value
for log redaction in the current task (security/redaction.py `remember`): the process that
touches a client's row masks that client's name in its own logs without declaring it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import threading
from datetime import date
from typing import Any

import phonenumbers
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from domain.phone import InvalidPhoneNumber
from security.aead import DecryptionError, open_sealed, seal
from security.keyring import KeyRing
from security.redaction import remember

logger = logging.getLogger(__name__)

_PREFIX = "v1"
_lock = threading.Lock()
_keyring: KeyRing | None = None


def configure_field_encryption(keyring: KeyRing) -> None:
    """Install the key ring used by every encrypted column and keyed hash in this process."""
    global _keyring
    with _lock:
        _keyring = keyring


def reset_field_encryption() -> None:
    """Forget the configured ring (tests)."""
    global _keyring
    with _lock:
        _keyring = None


def field_keyring() -> KeyRing:
    global _keyring
    with _lock:
        if _keyring is None:
            from settings import get_settings

            logger.warning("security: field encryption not configured explicitly; using settings")
            _keyring = KeyRing.from_settings(get_settings())
        return _keyring


def encrypt_text(plaintext: str, context: str) -> str:
    remember(context, plaintext)  # a value this task handles is masked in its logs from now on
    key = field_keyring().primary
    sealed = seal(key, plaintext.encode(), context.encode())
    return f"{_PREFIX}:{key.key_id}:{base64.b64encode(sealed).decode()}"


def decrypt_text(stored: str, context: str) -> str:
    prefix, _, rest = stored.partition(":")
    key_id, _, body = rest.partition(":")
    if prefix != _PREFIX or not key_id or not body:
        raise DecryptionError(f"value in {context!r} is not an encrypted field (plaintext left over?)")
    try:
        sealed = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError(f"value in {context!r} is not valid base64") from None
    plaintext = open_sealed(field_keyring(), key_id, sealed, context.encode()).decode()
    remember(context, plaintext)  # the caller's values are known values of this task (redaction.py)
    return plaintext


class EncryptedComparisonError(TypeError):
    """SQL cannot compare ciphertexts (random nonces); query the keyed-hash column instead."""


class _NoSqlComparison(TypeDecorator.Comparator[Any]):
    """Refuse `==`, `in_`, `like` ... on encrypted columns: they would silently match nothing."""

    __slots__ = ()

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        if getattr(op, "__name__", "") in {"is_", "is_not", "isnot", "asc_op", "desc_op"}:
            return super().operate(op, *other, **kwargs)
        raise EncryptedComparisonError(
            f"encrypted column {self.expr!s} cannot be used in SQL comparisons ({getattr(op, '__name__', op)});"
            " look rows up by the keyed hash column (e.g. phone_hash == phone_hash(value))"
        )

    def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
        return self.operate(op, other, **kwargs)


class EncryptedString(TypeDecorator[str]):
    """A str column stored AES-256-GCM encrypted. `context` names the column (associated data)."""

    impl = Text
    cache_ok = True
    comparator_factory = _NoSqlComparison

    def __init__(self, context: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{self.context} expects str, got {type(value).__name__}")
        return encrypt_text(value, self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt_text(value, self.context)


class EncryptedDate(TypeDecorator[date]):
    """A date column stored encrypted (ISO format inside)."""

    impl = Text
    cache_ok = True
    comparator_factory = _NoSqlComparison

    def __init__(self, context: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, date):
            raise TypeError(f"{self.context} expects a date, got {type(value).__name__}")
        return encrypt_text(value.isoformat(), self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> date | None:
        return None if value is None else date.fromisoformat(decrypt_text(value, self.context))


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 (hex) under the ring's lookup secret: equal inputs match, but a stolen table
    cannot be reversed by hashing all 10^10 phone numbers without the secret."""
    return hmac.new(field_keyring().lookup_secret, value.encode(), hashlib.sha256).hexdigest()


def normalise_phone(phone: str, region: str = "US") -> str:
    """E.164 form, so "(555) 123-4567" and "+15551234567" hash alike. Raises InvalidPhoneNumber."""
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_hash(phone: str) -> str:
    """The lookup key stored in `phone_hash` columns."""
    return keyed_hash("phone:" + normalise_phone(phone))
