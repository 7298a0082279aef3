"""Kept for importers of the old module: the policy lives in conversation/policy/."""

from conversation.policy import LocalPolicy

__all__ = ["LocalPolicy"]
