"""The api suite shares the security suite's fixtures: a fresh database per test, field keys,
and log redaction taken out again after in-process `gyde` runs."""

from tests.security.conftest import database, field_keys, keyring, no_leftover_redaction  # noqa: F401
