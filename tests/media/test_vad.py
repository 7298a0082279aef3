import numpy as np
import pytest

from adapters import audio as mulaw
from adapters.local_speech import fsk_codec
from media_server.vad import TurnDetector, TurnEvent, VadConfig, is_voiced

SILENCE = b"\xff" * 160
TONE = fsk_codec.encode("speech")[320:480]
QUIET = mulaw.encode((0.001 * 32767 * np.sin(np.arange(160))).astype(int))  # about -63 dBFS


def run(detector: TurnDetector, frames: list[bytes]) -> list[tuple[int, TurnEvent]]:
    out = []
    for frame in frames:
        event = detector.push(frame)
        if event is not None:
            out.append((detector.frames, event))
    return out


def test_voiced_threshold():
    assert is_voiced(TONE, -45.0)
    assert not is_voiced(SILENCE, -45.0)
    assert not is_voiced(QUIET, -45.0)
    assert is_voiced(QUIET, -70.0)


def test_speech_start_after_start_ms_and_end_of_turn_after_silence():
    detector = TurnDetector(VadConfig(start_ms=40, eot_silence_ms=200, engine="energy"))
    events = run(detector, [SILENCE] * 5 + [TONE] * 10 + [SILENCE] * 12)
    assert events == [(7, TurnEvent.SPEECH_START), (25, TurnEvent.END_OF_TURN)]
    assert detector.speech_started_at == 5
    assert detector.speech_ended_at == 15


def test_a_blip_shorter_than_start_ms_is_not_speech():
    detector = TurnDetector(VadConfig(start_ms=60, eot_silence_ms=200, engine="energy"))
    assert run(detector, [TONE, TONE, SILENCE] * 5 + [SILENCE] * 20) == []


def test_pauses_shorter_than_the_threshold_keep_the_turn():
    detector = TurnDetector(VadConfig(start_ms=20, eot_silence_ms=300, engine="energy"))
    frames = [TONE] * 5 + [SILENCE] * 10 + [TONE] * 5 + [SILENCE] * 15
    assert [e for _, e in run(detector, frames)] == [TurnEvent.SPEECH_START, TurnEvent.END_OF_TURN]


@pytest.mark.parametrize("eot_ms,expected_frame", [(100, 10), (500, 30), (1000, 55)])
def test_end_of_turn_is_tunable(eot_ms: int, expected_frame: int):
    detector = TurnDetector(VadConfig(start_ms=20, eot_silence_ms=eot_ms, engine="energy"))
    events = run(detector, [TONE] * 5 + [SILENCE] * 60)
    assert events[-1] == (expected_frame, TurnEvent.END_OF_TURN)


def test_config_validation():
    with pytest.raises(ValueError):
        VadConfig(start_ms=10)
    with pytest.raises(ValueError):
        VadConfig(eot_silence_ms=0)
