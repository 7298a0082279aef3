"""Safety nets every policy passes through, local or LLM, before it sees a caller's turn:

- the opt-out net: a request not to be called again ends the call in that turn, with a DNC entry,
  whatever the model would have said (English and Spanish, negation handled, independent of any
  model);
- AI disclosure: asked whether she is a person, a robot or an AI, Emma says she is an AI
  assistant in that same turn;
- SSN redaction: digits that look like an SSN never reach the model or the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversation.context import AgentContext
from conversation.nlu.intent import Intent
from conversation.nlu.understand import understand
from conversation.policy.answers import disclosure_line

_SSN_DIGITS = re.compile(r"(?<!\d)\d{3}[- .]?\d{2}[- .]?\d{4}(?!\d)")


@dataclass(frozen=True)
class Screen:
    opt_out: bool
    disclosure: bool
    spanish: bool


def screen(text: str, context: AgentContext) -> Screen:
    """What the nets must do with one caller turn, before any policy runs."""
    u = understand(text, context.first_name, context.broker_name)
    return Screen(
        opt_out=u.has(Intent.OPT_OUT),
        disclosure=u.has(Intent.DISCLOSURE),
        spanish=u.spanish,
    )


def disclosure_for(context: AgentContext, *, spanish: bool) -> str:
    return disclosure_line(context.broker_name, spanish=spanish)


def redact_ssn(text: str) -> str:
    return _SSN_DIGITS.sub("[number withheld]", text)
