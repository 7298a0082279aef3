"""The endpointer's reading of words: unfinished answers wait longer, a complete yes ends quickly."""

from __future__ import annotations

import pytest

from media_server.endpointing import (
    AnswerKind,
    Completeness,
    EndpointConfig,
    completeness,
    expected_from_question,
    is_backchannel,
    parse_patience,
)

C, E = Completeness, AnswerKind


@pytest.mark.parametrize(
    "text,expected,state",
    [
        ("my date of birth is", E.ANY, C.INCOMPLETE),
        ("my date of birth is april twelfth", E.ANY, C.INCOMPLETE),  # the caller said it is a DOB
        ("my date of birth is april twelfth nineteen", E.ANY, C.INCOMPLETE),
        ("my date of birth is april twelfth nineteen eighty", E.ANY, C.COMPLETE),
        ("Maria Garcia, April 12, 1980.", E.NAME_DOB, C.COMPLETE),  # Deepgram smart_format
        ("Maria Garcia", E.NAME_DOB, C.INCOMPLETE),
        ("april twenty one", E.DATE, C.INCOMPLETE),
        ("the seventh of august nineteen ninety", E.DATE, C.COMPLETE),
        ("five five five", E.ANY, C.INCOMPLETE),  # an area code
        ("five five five two one four", E.ANY, C.INCOMPLETE),
        ("five five five two one four nine nine eight seven", E.ANY, C.COMPLETE),
        ("555-214", E.PHONE, C.INCOMPLETE),
        ("555-214-9987", E.PHONE, C.COMPLETE),
        ("I'd like dental and", E.ANY, C.INCOMPLETE),
        ("maybe tuesday at", E.TIME, C.INCOMPLETE),
        ("um", E.ANY, C.FILLER),
        ("let me see", E.ANY, C.FILLER),
        ("yes", E.YES_NO, C.YES_NO),
        ("yeah that's right", E.YES_NO, C.YES_NO),
        ("yes", E.ANY, C.COMPLETE),
        ("tuesday at ten in the morning", E.TIME, C.COMPLETE),
        ("", E.ANY, C.EMPTY),
    ],
)
def test_completeness(text: str, expected: AnswerKind, state: Completeness) -> None:
    assert completeness(text, expected) is state


@pytest.mark.parametrize(
    "question,kind",
    [
        ("Could you please tell me your full name and date of birth?", E.NAME_DOB),
        ("And what is your date of birth?", E.DATE),
        ("What is the best phone number to reach you?", E.PHONE),
        ("What day and time works for you?", E.TIME),
        ("Am I speaking with Maria?", E.YES_NO),
        ("Shall I book it? Yes or no?", E.YES_NO),
        ("Would the coverage be just for you, or for you and your spouse?", E.ANY),
    ],
)
def test_expected_answer_from_emmas_question(question: str, kind: AnswerKind) -> None:
    assert expected_from_question(question) is kind


def test_backchannels_are_listening_noises_only() -> None:
    assert all(is_backchannel(t) for t in ("Mm-hmm.", "uh-huh", "yeah", "right", "okay", "I see", ""))
    assert not any(is_backchannel(t) for t in ("wait", "yeah but I already have a plan", "no thanks"))


def test_waits_by_state_and_stage_patience_only_stretches_the_uncertain_ones() -> None:
    config = EndpointConfig(stage_patience={"verify": 1.5})
    assert config.wait_ms(C.YES_NO) < config.wait_ms(C.COMPLETE) <= 700 < config.wait_ms(C.INCOMPLETE)
    assert config.wait_ms(C.INCOMPLETE, "verify") == int(config.incomplete_ms * 1.5)
    assert config.wait_ms(C.COMPLETE, "verify") == config.complete_ms  # a complete answer is not slowed
    assert config.wait_ms(C.FILLER, "verify") == config.max_ms  # 2000 * 1.5 is capped
    assert EndpointConfig.fixed(500).wait_ms(C.INCOMPLETE, "verify") == 500


def test_config_and_patience_validation() -> None:
    assert parse_patience("verify=1.5, schedule=1.25") == {"verify": 1.5, "schedule": 1.25}
    assert parse_patience("") == {}
    with pytest.raises(ValueError):
        parse_patience("verify")
    with pytest.raises(ValueError):
        EndpointConfig(filler_ms=5000, max_ms=3000)
    with pytest.raises(ValueError):
        EndpointConfig(stage_patience={"verify": 0})
