"""Conversation tests that touch the database get a fresh process-wide field key ring."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from security.field_crypto import configure_field_encryption, reset_field_encryption
from security.keyring import KeyRing, generate_key_spec


@pytest.fixture
def field_keys() -> Iterator[None]:
    configure_field_encryption(KeyRing.parse(generate_key_spec("k1")))
    yield
    reset_field_encryption()
