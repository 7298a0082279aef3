"""Keeps every row's `phone_hash` derived from its `phone` (DNC and inbound lookups match by the
keyed hash). A mapper listener, installed by `Database` when a process builds one (composition
roots), never at import time; installing twice is harmless."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper

from domain.phone import InvalidPhoneNumber
from security.field_crypto import phone_hash

logger = logging.getLogger(__name__)
_lock = threading.Lock()


def _fill_phone_hash(_mapper: Any, _connection: Any, target: Any) -> None:
    """Keep `phone_hash` derived from `phone` on every row that has both, so no writer (seed,
    import, activity) can forget it and silently make a number unfindable by DNC checks."""
    phone = target.__dict__.get("phone")
    if phone is None or not hasattr(type(target), "phone_hash"):
        return
    try:
        target.phone_hash = phone_hash(phone)
    except InvalidPhoneNumber:
        logger.warning(
            "security: %s row has an invalid phone number; phone_hash left empty", type(target).__name__
        )
        target.phone_hash = None


def install() -> None:
    with _lock:
        if not event.contains(Mapper, "before_insert", _fill_phone_hash):
            event.listen(Mapper, "before_insert", _fill_phone_hash)
            event.listen(Mapper, "before_update", _fill_phone_hash)
