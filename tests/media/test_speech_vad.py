"""The speech VAD on its own (espeak-ng speech, generated noise), the player's hold and resume, and
the settings that configure turn-taking."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest

from bench import speech_corpus as corpus
from media_server import protocol
from media_server.engine_agent import EngineAgent
from media_server.player import Player
from media_server.turn_taking import turn_settings
from media_server.vad import TurnDetector, TurnEvent, VadConfig
from settings import Settings
from tests.media.helpers import FakeTransport

needs_espeak = pytest.mark.skipif(not corpus.espeak_available(), reason="espeak-ng is not installed")


def events(
    frames: list[bytes], config: VadConfig | None = None
) -> tuple[list[tuple[int, TurnEvent]], TurnDetector]:
    detector = TurnDetector(config or VadConfig(engine="speech"))
    out = []
    for frame in frames:
        event = detector.push(frame)
        if event is not None:
            out.append((detector.frames, event))
    return out, detector


@pytest.mark.parametrize("noise", corpus.NOISES)
@needs_espeak  # babble is made of espeak-ng voices
def test_line_noise_at_minus_35_dbfs_is_not_taken_for_a_caller(noise: str) -> None:
    line = corpus.noise(noise, 20 * corpus.RATE, -35.0, np.random.default_rng(7))
    found, detector = events(corpus.to_frames(line))
    if noise == "babble":  # a room of voices is speech: at most a rare burst, and it ends
        assert len(found) <= 2 and [e for _, e in found] in (
            [],
            [TurnEvent.SPEECH_START, TurnEvent.END_OF_TURN],
        )
    else:
        assert found == []
    assert detector.noise_floor_dbfs is not None and -40 < detector.noise_floor_dbfs < -30


def test_the_energy_engine_still_takes_that_noise_for_a_turn_that_never_ends() -> None:
    """The bug the issue reports, kept visible: a fixed -45 dBFS threshold under -35 dBFS noise."""
    line = corpus.noise("white", 10 * corpus.RATE, -35.0, np.random.default_rng(7))
    found, detector = events(corpus.to_frames(line), VadConfig(engine="energy"))
    assert found == [(2, TurnEvent.SPEECH_START)] and detector.speaking


@needs_espeak
@pytest.mark.parametrize("noise,level", [(None, 0.0), ("white", -35.0), ("babble", -40.0), ("hum", -35.0)])
def test_speech_in_noise_starts_and_ends_one_turn(noise: str | None, level: float) -> None:
    rng = np.random.default_rng(3)
    spoken = corpus.speak(["could you call me back tomorrow afternoon"], "en-us", 165, -24.0)
    lead, tail = 2 * corpus.RATE, 2 * corpus.RATE
    line = np.zeros(lead + len(spoken.audio) + tail)
    line[lead : lead + len(spoken.audio)] += spoken.audio
    if noise:
        line += corpus.noise(noise, len(line), level, rng)
    found, _ = events(corpus.to_frames(line))
    assert [e for _, e in found] == [TurnEvent.SPEECH_START, TurnEvent.END_OF_TURN]
    onset = lead // corpus.FRAME
    assert onset <= found[0][0] <= onset + 5  # within 100 ms of the first sound


def test_a_knock_is_not_confirmed_as_speech() -> None:
    """webrtcvad passes the clicks; Silero, asked at the onset, does not confirm them. (A cough it
    may confirm: over Emma it then holds her and she goes on - see test_turn_taking_speech.py.)"""
    line = np.zeros(3 * corpus.RATE)
    sound = corpus.knock(np.random.default_rng(11), -18.0)
    line[corpus.RATE : corpus.RATE + len(sound)] += sound
    found, detector = events(corpus.to_frames(line))
    assert found == []
    assert detector._confirmer is not None and detector._confirmer.calls >= 1  # Silero was asked


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(5000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition not met")


async def test_hold_stops_and_clears_resume_repeats_what_the_hold_cut() -> None:
    sink = FakeTransport()
    player = Player(sink, "MZ1", frame_seconds=0.001)
    utt = player.new_utterance("one two three four five six")
    player.enqueue_audio(utt, bytes(range(100)) * 32)  # 20 distinct frames
    player.finish_utterance(utt)
    await until(lambda: player.frames_sent >= 8)
    player.hold()
    sent_at_hold = player.frames_sent
    frames_before = [ev.payload for _, ev in sink.events() if isinstance(ev, protocol.OutMedia)]
    assert isinstance(sink.events()[-1][1], protocol.OutClear)
    await asyncio.sleep(0.02)
    assert player.frames_sent == sent_at_hold and player.speaking  # held: nothing more goes out
    player.resume(rewind_frames=3)
    await until(lambda: not player.speaking or player.frames_sent >= 40)
    after = [ev.payload for _, ev in sink.events() if isinstance(ev, protocol.OutMedia)][len(frames_before) :]
    assert after[:3] == frames_before[-3:]  # the last 60 ms before the hold, said again
    assert len(frames_before) - 3 + len(after) == 20  # and then the rest, nothing lost or doubled
    assert [ev for _, ev in sink.events() if isinstance(ev, protocol.OutClear)] == [protocol.OutClear()]


async def test_clear_after_a_hold_sends_no_second_clear_and_reports_what_was_heard() -> None:
    sink = FakeTransport()
    player = Player(sink, "MZ1", frame_seconds=0.001)
    utt = player.new_utterance("one two three four")
    player.enqueue_audio(utt, b"\x10" * 1600)
    player.finish_utterance(utt)
    await until(lambda: player.frames_sent >= 5)
    player.hold()
    assert player.clear() == "one two"
    assert sum(isinstance(ev, protocol.OutClear) for _, ev in sink.events()) == 1


def test_settings_configure_turn_taking_and_auto_picks_the_engine_by_line() -> None:
    local = turn_settings(Settings(stt="local"))
    assert local["vad"].engine == "energy"  # the simulator's codec line
    real = turn_settings(
        Settings(stt="deepgram", media_eot_incomplete_ms=1800, media_eot_stage_patience="verify=2")
    )
    assert real["vad"].engine == "speech"
    assert real["turn"].endpoint.incomplete_ms == 1800
    assert real["turn"].endpoint.stage_patience == {"verify": 2.0}
    forced = turn_settings(Settings(stt="local", media_vad_engine="speech"))
    assert forced["vad"].engine == "speech"


def test_engine_agent_says_what_answer_its_open_question_expects() -> None:
    def agent(pending: str) -> EngineAgent:
        return EngineAgent(SimpleNamespace(state=SimpleNamespace(pending=SimpleNamespace(value=pending))))  # type: ignore[arg-type]

    assert agent("verify").expected_answer() == "name_dob"
    assert agent("booking_confirm").expected_answer() == "yes_no"
    assert agent("callback_time").expected_answer() == "time"
    assert agent("none").expected_answer() is None
