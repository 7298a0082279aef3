"""Voice activity and the caller's speech segments, counted in stream time (20 ms frames), not wall time.

Why frames: Twilio sends a frame every 20 ms even in silence, so counting frames gives the same
decision under load as idle, and tests are deterministic. Speech starts after `start_ms` of voiced
frames (barge-in keys on this); the turn ends after `eot_frames` of unvoiced frames, a number the
endpointer (media_server/endpointing.py) changes as the caller's words come in.

Two engines: "speech" (production: per-call noise floor + webrtcvad per frame, Silero confirming
onsets; media_server/speech_vad.py) and "energy" (a fixed dBFS threshold), which is right only for
the simulator's line: it carries the FSK codec, tones that webrtcvad calls speech and Silero does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from adapters import audio as mulaw
from media_server.speech_vad import Confirmer, SileroConfirmer, SpeechFrames

FRAME_MS = 20
FRAME_SAMPLES = 160
ENGINES = ("speech", "energy")
_CONFIRM_FRAMES = 6  # frames Silero sees at an onset: the onset and what led into it (120 ms)
_STUCK_FRAMES = 100  # 2 s of "voice" without a gap: ask Silero whether it is noise
_RECHECK_FRAMES = 50


class TurnEvent(Enum):
    SPEECH_START = "speech_start"
    END_OF_TURN = "end_of_turn"


@dataclass(frozen=True)
class VadConfig:
    threshold_dbfs: float = -45.0  # energy engine only
    start_ms: int = 40
    eot_silence_ms: int = 500
    engine: str = "speech"
    webrtc_mode: int = 2  # 0-3; 3 rejects the most noise, and the hiss of an "s"
    snr_db: float = 2.0  # speech must stand this far above the call's noise floor (and its peaks)
    silero_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.start_ms < FRAME_MS or self.eot_silence_ms < FRAME_MS:
            raise ValueError("start_ms and eot_silence_ms must be at least one 20 ms frame")
        if self.engine not in ENGINES:
            raise ValueError(f"VAD engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not 0 <= self.webrtc_mode <= 3:
            raise ValueError("webrtc_mode must be 0-3")

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

    def __init__(self, config: VadConfig, confirmer: Confirmer | None = None) -> None:
        self.config = config
        self._start_frames = config.start_frames
        self.eot_frames = config.eot_frames  # silence that ends the turn; the endpointer moves it
        self.frames = 0  # stream time, in frames
        self.speaking = False
        self._voiced_run = 0
        self._gap = 0  # unvoiced frames inside a speech candidate
        self.silent_run = 0
        self.voiced_frames = 0  # voiced frames in the current turn
        self.speech_started_at = -1  # frame index of the first voiced frame of the current turn
        self.speech_ended_at = -1  # frame index after the last voiced frame of the last turn
        self.last_voiced_at = -1
        self._threshold_sum = _power_sum_threshold(config.threshold_dbfs, FRAME_SAMPLES)
        self._speech: SpeechFrames | None = None
        self._confirmer: Confirmer | None = None
        if config.engine == "speech":
            self._speech = SpeechFrames(config.webrtc_mode, config.snr_db)
            self._confirmer = confirmer or SileroConfirmer(config.silero_threshold)
        self._run_since_gap = 0
        self._lone_voiced = False  # the last frame was one voiced frame inside a pause

    @property
    def silent_gap(self) -> int:
        """Unvoiced frames since the last voiced one (outside a turn too)."""
        return self.frames - self.last_voiced_at if self.last_voiced_at >= 0 else self.frames

    @property
    def candidate_frames(self) -> int:
        """Voiced frames of a sound not (yet) confirmed as speech; 0 once it ends or is speech."""
        if self.speaking or (self._speech is not None and not self._speech.floor.warm):
            return 0
        return self._voiced_run

    @property
    def above_noise_peaks_db(self) -> float:
        """How far the last frame stood above the noise's peaks (large for the energy engine)."""
        return 99.0 if self._speech is None else self._speech.last_dbfs - self._speech.floor.peak

    @property
    def noise_floor_dbfs(self) -> float | None:
        return None if self._speech is None else self._speech.floor.level

    def push(self, frame: bytes) -> TurnEvent | None:
        """One inbound frame (any length; normally 160 bytes = 20 ms)."""
        self.frames += 1
        if self._voiced(frame):
            return self._on_voiced()
        return self._on_unvoiced()

    def reset(self) -> None:
        """Forget the speech in progress (a backchannel Emma talked through is not a turn)."""
        self.speaking = False
        self._voiced_run = self._gap = self.silent_run = self.voiced_frames = 0

    def end_turn(self) -> TurnEvent | None:
        """The endpointer decided the turn is over before the silence ran out."""
        if not self.speaking:
            return None
        self.speaking = False
        self.speech_ended_at = self.frames - self.silent_run
        self.silent_run = 0
        return TurnEvent.END_OF_TURN

    def _on_voiced(self) -> TurnEvent | None:
        if self.speaking and self.silent_run and not self._lone_voiced and self._speech is not None:
            self._lone_voiced = True  # one voiced frame in a pause is a noise peak until the next agrees
            return self._on_unvoiced(lone=True)
        self._lone_voiced = False
        self.silent_run = 0
        self._gap = 0
        self._voiced_run += 1
        self._run_since_gap += 1
        self.last_voiced_at = self.frames
        if self.speaking:
            self.voiced_frames += 1
            if self._speech is not None and self._run_since_gap >= _STUCK_FRAMES:
                self._check_stuck()
            return None
        if self._speech is not None and not self._speech.floor.warm:
            return None  # the first half second: the line's noise is not known yet
        if self._voiced_run < self._start_frames or not self._confirm():
            return None
        self.speaking = True
        if self._speech is not None:
            self._speech.turn_peak = self._speech.last_dbfs
        self.voiced_frames = self._voiced_run
        self.speech_started_at = self.frames - self._voiced_run
        return TurnEvent.SPEECH_START

    def _on_unvoiced(self, lone: bool = False) -> TurnEvent | None:
        self._run_since_gap = 0
        self._lone_voiced = lone
        if not self.speaking:
            self._gap += 1
            if self._speech is None or self._gap >= 2:  # the speech engine bridges one dropped frame
                self._voiced_run = 0
            return None
        self._voiced_run = 0
        self.silent_run += 1
        if self.silent_run >= self.eot_frames:
            return self.end_turn()
        return None

    def _confirm(self) -> bool:
        """Energy engine: the run is enough. Speech engine: Silero says so, asked at the onset and
        again as the sound goes on (a soft start scores low at first); a candidate it has rejected
        four times is noise, and one that lasts a second the floor learns."""
        if self._confirmer is None or self._speech is None:
            return True
        run = self._voiced_run - self._start_frames
        if run not in (0, 1, 2, 4):
            if run >= 50:  # a second of sound that is not speech: the line's noise
                self._speech.floor.jump_to(self._speech.last_dbfs)
                self._voiced_run = 0
            return False
        return self._confirmer.is_speech(list(self._speech.recent)[-_CONFIRM_FRAMES:])

    def _check_stuck(self) -> None:
        """Voice without a single gap for 2 s is rare in speech and common in noise webrtcvad
        likes: if Silero disagrees, the floor learns the sound and the frames count as silence."""
        assert self._speech is not None and self._confirmer is not None
        if (self._run_since_gap - _STUCK_FRAMES) % _RECHECK_FRAMES:
            return
        if not self._confirmer.is_speech(list(self._speech.recent)):
            self._speech.floor.jump_to(self._speech.last_dbfs)
            self._run_since_gap = 0

    def _voiced(self, frame: bytes) -> bool:
        if self._speech is not None:
            return self._speech.voiced(frame, self.speaking)
        if not frame.strip(b"\xff\x7f"):
            return False
        if len(frame) != FRAME_SAMPLES:
            return is_voiced(frame, self.config.threshold_dbfs)
        power = float(mulaw.ENERGY_TABLE[np.frombuffer(frame, dtype=np.uint8)].sum())
        return power >= self._threshold_sum
