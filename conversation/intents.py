"""Intents over the caller's words, for the local policy and the engine's safety nets: a thin
front on conversation/nlu (grammar, Spanish, shipped classifier)."""

from __future__ import annotations

from conversation.nlu.intent import Intent
from conversation.nlu.normalise import normalise
from conversation.nlu.understand import Understanding, understand


def classify(text: str, first_name: str = "", broker_name: str = "") -> set[Intent]:
    """All intents the words carry; the policy decides which one wins in which stage."""
    return set(understand(text, first_name, broker_name).intents)


__all__ = ["Intent", "Understanding", "classify", "normalise", "understand"]
