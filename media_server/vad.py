"""Energy VAD and end-of-turn detection, counted in stream time (20 ms frames), not wall time.

Why frames: Twilio sends a frame every 20 ms even in silence, so counting frames gives the same
decision under load as idle, and tests are deterministic. Speech starts after `start_ms` of voiced
frames (barge-in keys on this); the turn ends after `eot_silence_ms` of unvoiced frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from adapters.local_speech import mulaw

FRAME_MS = 20
FRAME_SAMPLES = 160


class TurnEvent(Enum):
    SPEECH_START = "speech_start"
    END_OF_TURN = "end_of_turn"


@dataclass(frozen=True)
class VadConfig:
    threshold_dbfs: float = -45.0
    start_ms: int = 40
    eot_silence_ms: int = 500

    def __post_init__(self) -> None:
        if self.start_ms < FRAME_MS or self.eot_silence_ms < FRAME_MS:
            raise ValueError("start_ms and eot_silence_ms must be at least one 20 ms frame")

    @property
    def start_frames(self) -> int:
        return max(1, -(-self.start_ms // FRAME_MS))

    @property
    def eot_frames(self) -> int:
        return max(1, -(-self.eot_silence_ms // FRAME_MS))


def is_voiced(frame: bytes, threshold_dbfs: float) -> bool:
    """Energy above threshold; digital silence (0xFF / 0x7F) short-circuits without NumPy."""
    if not frame.strip(b"\xff\x7f"):
        return False
    return mulaw.frame_energy_dbfs(frame) >= threshold_dbfs


def _power_sum_threshold(threshold_dbfs: float, samples: int) -> float:
    """The dBFS threshold as a sum of squared samples over one frame (no log per frame)."""
    return float(samples * (32768.0**2) * 10.0 ** (threshold_dbfs / 10.0))


class TurnDetector:
    """Feeds on mu-law frames; says when the caller starts speaking and when their turn ends."""

    def __init__(self, config: VadConfig) -> None:
        self.config = config
        self._start_frames = config.start_frames
        self._eot_frames = config.eot_frames
        self.frames = 0  # stream time, in frames
        self.speaking = False
        self._voiced_run = 0
        self._silent_run = 0
        self.speech_started_at = -1  # frame index of the first voiced frame of the current turn
        self.speech_ended_at = -1  # frame index after the last voiced frame of the last turn
        self._threshold_sum = _power_sum_threshold(config.threshold_dbfs, FRAME_SAMPLES)

    def push(self, frame: bytes) -> TurnEvent | None:
        """One inbound frame (any length; normally 160 bytes = 20 ms)."""
        self.frames += 1
        if self._voiced(frame):
            self._silent_run = 0
            self._voiced_run += 1
            if not self.speaking and self._voiced_run >= self._start_frames:
                self.speaking = True
                self.speech_started_at = self.frames - self._voiced_run
                return TurnEvent.SPEECH_START
            return None
        self._voiced_run = 0
        if not self.speaking:
            return None
        self._silent_run += 1
        if self._silent_run >= self._eot_frames:
            self.speaking = False
            self.speech_ended_at = self.frames - self._silent_run
            self._silent_run = 0
            return TurnEvent.END_OF_TURN
        return None

    def _voiced(self, frame: bytes) -> bool:
        if not frame.strip(b"\xff\x7f"):
            return False
        if len(frame) != FRAME_SAMPLES:
            return is_voiced(frame, self.config.threshold_dbfs)
        power = float(mulaw.ENERGY_TABLE[np.frombuffer(frame, dtype=np.uint8)].sum())
        return power >= self._threshold_sum
