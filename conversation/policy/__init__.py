"""The local deterministic policy, split by flow (identity, scheduling, callbacks, answers,
Spanish) around one dispatcher (core.py)."""

from conversation.policy.core import LocalPolicy

__all__ = ["LocalPolicy"]
