"""Ways the simulated carrier misbehaves, set through `PUT /sim/faults` (tests, `gyde chaos`).

Each count is used up by the next matching REST requests, in the order Twilio's own failures
happen: `create_answer_lost` creates the call (it rings, its callbacks fire) and then answers
500, as a response lost after the remote side succeeded; `create_5xx` / `create_429` refuse a
create before anything exists; `rest_5xx` fails any other REST request (hang-up, redirect,
recording, list). `slow_create_s` delays every create's answer (the call exists meanwhile).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SimFaults(BaseModel):
    create_answer_lost: int = Field(default=0, ge=0)
    create_5xx: int = Field(default=0, ge=0)
    create_429: int = Field(default=0, ge=0)
    rest_5xx: int = Field(default=0, ge=0)
    slow_create_s: float = Field(default=0.0, ge=0.0, le=120.0)

    def take(self, name: str) -> bool:
        """Use up one of the `name` faults; True when one was left."""
        left: int = getattr(self, name)
        if left <= 0:
            return False
        setattr(self, name, left - 1)
        return True


class FaultCounters(BaseModel):
    """How many of each fault the simulator has injected so far (for reports)."""

    create_answer_lost: int = 0
    create_5xx: int = 0
    create_429: int = 0
    rest_5xx: int = 0
