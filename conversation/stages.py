"""The conversation's stage machine. Every allowed move is in TRANSITIONS, nowhere else."""

from __future__ import annotations

from collections.abc import Mapping

from domain.enums import Stage

# INTRO -> VERIFY -> PRESENT -> QUALIFY -> SCHEDULE -> CONFIRM -> CLOSE, plus:
# PRESENT -> SCHEDULE (the caller is ready to book at once), CONFIRM -> SCHEDULE (the slot was
# refused or taken; pick another), and any stage -> CLOSE (opt-out, transfer, goodbye).
TRANSITIONS: Mapping[Stage, frozenset[Stage]] = {
    Stage.INTRO: frozenset({Stage.VERIFY, Stage.CLOSE}),
    Stage.VERIFY: frozenset({Stage.PRESENT, Stage.CLOSE}),
    Stage.PRESENT: frozenset({Stage.QUALIFY, Stage.SCHEDULE, Stage.CLOSE}),
    Stage.QUALIFY: frozenset({Stage.SCHEDULE, Stage.CLOSE}),
    Stage.SCHEDULE: frozenset({Stage.CONFIRM, Stage.CLOSE}),
    Stage.CONFIRM: frozenset({Stage.SCHEDULE, Stage.CLOSE}),
    Stage.CLOSE: frozenset(),
}


class InvalidTransition(ValueError):
    """A move the table does not allow; a bug in the caller, never something to speak."""


def can_move(current: Stage, target: Stage) -> bool:
    return target in TRANSITIONS[current]


class StageMachine:
    """Holds the current stage and refuses moves the table does not list."""

    def __init__(self, start: Stage = Stage.INTRO) -> None:
        self.stage = start
        self.history: list[Stage] = [start]

    @property
    def closed(self) -> bool:
        return self.stage is Stage.CLOSE

    def move(self, target: Stage) -> bool:
        """Go to `target`; False when already there, InvalidTransition when not allowed."""
        if target is self.stage:
            return False
        if not can_move(self.stage, target):
            raise InvalidTransition(f"{self.stage.value} -> {target.value} is not an allowed transition")
        self.stage = target
        self.history.append(target)
        return True
