"""Every allowed stage transition is in one table; everything else is refused."""

from __future__ import annotations

import pytest

from conversation.stages import TRANSITIONS, InvalidTransition, StageMachine, can_move
from domain.enums import Stage

HAPPY_PATH = [
    Stage.INTRO,
    Stage.VERIFY,
    Stage.PRESENT,
    Stage.QUALIFY,
    Stage.SCHEDULE,
    Stage.CONFIRM,
    Stage.CLOSE,
]
ALLOWED = sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets)
REFUSED = sorted((a, b) for a in Stage for b in Stage if a is not b and b not in TRANSITIONS[a])


def test_table_covers_every_stage() -> None:
    assert set(TRANSITIONS) == set(Stage)


def test_happy_path_walks_all_seven_stages() -> None:
    machine = StageMachine()
    for stage in HAPPY_PATH[1:]:
        assert machine.move(stage) is True
    assert machine.history == HAPPY_PATH
    assert machine.closed


@pytest.mark.parametrize("start", [s for s in Stage if s is not Stage.CLOSE])
def test_any_stage_may_close(start: Stage) -> None:
    machine = StageMachine(start)
    assert machine.move(Stage.CLOSE)


@pytest.mark.parametrize(("start", "target"), ALLOWED)
def test_each_allowed_transition(start: Stage, target: Stage) -> None:
    machine = StageMachine(start)
    assert machine.move(target) and machine.stage is target


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_each_refused_transition(start: Stage, target: Stage) -> None:
    machine = StageMachine(start)
    with pytest.raises(InvalidTransition, match=f"{start.value} -> {target.value}"):
        machine.move(target)
    assert machine.stage is start


def test_close_is_terminal_and_staying_put_is_not_a_move() -> None:
    assert TRANSITIONS[Stage.CLOSE] == frozenset()
    machine = StageMachine(Stage.PRESENT)
    assert machine.move(Stage.PRESENT) is False
    assert not can_move(Stage.INTRO, Stage.PRESENT)  # identity is never skipped
