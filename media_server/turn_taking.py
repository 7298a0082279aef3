"""Who has the floor: the caller's turn, its end, and speech over Emma (barge-in or backchannel).

Why a state machine of its own: the session only moves audio; here the VAD's segments, the STT's
words and the stage meet. End of turn is the VAD's silence run, with the length the endpointer
asks for (media_server/endpointing.py) from the words so far, or earlier when the STT's own
endpointing agrees the words are complete.

Speech over Emma: in stream time, within 100 ms of its onset, Emma *holds* (her audio stops, the
reply is kept). What follows decides: words that are not a backchannel, or speech that goes on past
`barge_in_commit_ms`, make it a barge-in (the reply is cancelled, as before); a short "mm-hmm",
"yeah", a cough or a knock that ends with no other words lets her go on from a little before where
she stopped, and the sound never becomes a turn. A cough or a click is usually caught earlier still:
Silero does not confirm it as speech, so Emma never holds. Sentences the agent marks
uninterruptible (disclosures) are never held; speech over them is absorbed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from adapters.stt.base import Transcript
from media_server.endpointing import (
    AnswerKind,
    Completeness,
    EndpointConfig,
    completeness,
    expected_from_question,
    is_backchannel,
    parse_patience,
)
from media_server.player import Player
from media_server.speech_vad import warm_up
from media_server.vad import FRAME_MS, TurnDetector, TurnEvent, VadConfig

_ABSORB_FRAMES = 75  # after Emma resumes, 1.5 s in which late STT words of that sound still count
_PROVISIONAL_FRAMES = 3  # 60 ms of sound over Emma holds her even before Silero calls it speech
_UNCONFIRMED_RESUME_FRAMES = 5  # a sound that never became speech: go on 100 ms after it ends
_PROVISIONAL_DB = 2.0  # ... if it stands this far above the line's noise peaks (not a TV's burst)
_ANSWER_FRAMES = 30  # speech over the last 600 ms of Emma's reply answers it


Flag = Callable[[], bool]


def _always() -> bool:
    return True


def _never() -> bool:
    return False


class Action(Enum):
    NONE = "none"
    SPEECH_START = "speech_start"  # the caller started speaking while Emma is quiet
    HOLD = "hold"  # speech over Emma: stop her audio now, keep the reply
    RESUME = "resume"  # it was a backchannel or a noise: Emma goes on
    BARGE_IN = "barge_in"  # a real interruption: cancel the reply, the caller has the floor
    END_OF_TURN = "end_of_turn"


@dataclass(frozen=True)
class TurnConfig:
    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    barge_in_commit_ms: int = 800  # caller speech over Emma this long interrupts whatever its words
    backchannel_resume_ms: int = 240  # silence after a short sound before Emma goes on
    resume_rewind_ms: int = 300  # Emma repeats this much of what the hold cut off

    def __post_init__(self) -> None:
        if self.barge_in_commit_ms < FRAME_MS or self.backchannel_resume_ms < FRAME_MS:
            raise ValueError("barge-in commit and backchannel resume must be at least one frame")
        if self.resume_rewind_ms < 0:
            raise ValueError("resume rewind must be >= 0")


class TurnTaker:
    """One call's turn-taking decisions, frame by frame and word by word (stream time)."""

    def __init__(self, detector: TurnDetector, config: TurnConfig) -> None:
        self.detector = detector
        self.config = config
        self.holding = False
        self.deferred_turn = False
        self.holds = 0
        self.resumes = 0
        self.stage: str | None = None
        self.expected = AnswerKind.ANY
        self._agent_expected: AnswerKind | None = None
        self._last_question = ""
        self._final = ""  # final words of the current caller segment
        self._interim = ""
        self._stt_endpoint = False
        self._words_at = 0  # frame at which the words last changed
        self._absorbing = False  # speech over a disclosure: never a turn
        self._emma: Flag = _never
        self._player: Callable[[], Player | None] = lambda: None
        self._replying: Flag = _always
        self._absorb_until = -1  # frame until which backchannel words are dropped
        self._commit_frames = max(1, config.barge_in_commit_ms // FRAME_MS)
        self._resume_frames = max(1, config.backchannel_resume_ms // FRAME_MS)

    def watch(self, player: Callable[[], Player | None], replying: Flag) -> None:
        """Where Emma's audio is (the call's player) and whether her reply is still being made."""
        self._player, self._replying = player, replying

    def _interruptible(self) -> bool:
        player = self._player()
        return player is None or player.interruptible

    def emma_remaining(self) -> int:
        """Frames of Emma's reply still to play (unbounded while it is still being made)."""
        player = self._player()
        return (10**6 if self._replying() else 0) + (player.queued_frames if player else 0)

    # --- context --------------------------------------------------------------------------------

    def agent_said(self, sentence: str) -> None:
        """Emma's sentences: her last question says what kind of answer to expect."""
        if sentence.rstrip().endswith("?"):
            self._last_question = sentence

    def set_context_from(self, agent: object, control: object) -> None:
        """The stage from the tracked control; the expected answer from the agent, if it knows."""
        expected = getattr(agent, "expected_answer", None)
        stage = getattr(getattr(control, "stage", None), "value", None)
        self.set_context(stage, expected() if callable(expected) else None)

    def set_context(self, stage: str | None, expected: str | None = None) -> None:
        self.stage = stage
        try:
            self._agent_expected = AnswerKind(expected) if expected else None
        except ValueError:
            self._agent_expected = None
        self.expected = self._agent_expected or expected_from_question(self._last_question)
        self._retime()

    @property
    def text(self) -> str:
        return " ".join(t for t in (self._final, self._interim) if t)

    @property
    def state(self) -> Completeness:
        return completeness(self.text, self.expected)

    # --- audio ----------------------------------------------------------------------------------

    def on_frame(self, frame: bytes, emma_talking: Flag) -> Action:
        """One inbound frame. `emma_talking` is asked only when a decision needs it (this runs for
        every frame of every call)."""
        detector = self.detector
        self._emma = emma_talking
        event = detector.push(frame)
        if self.holding:
            return self._resolve_hold()
        if event is TurnEvent.SPEECH_START:
            self._stt_endpoint = False
            if not emma_talking():
                self._absorb_until = -1
                self._retime()
                return Action.SPEECH_START
            if not self._interruptible():
                self._absorbing = True
                return Action.NONE
            return self._hold()
        if (
            detector.candidate_frames >= _PROVISIONAL_FRAMES
            and detector.above_noise_peaks_db >= _PROVISIONAL_DB
            and emma_talking()
            and self._interruptible()
        ):
            return self._hold()  # a clear sound Silero has not confirmed yet ("s", "st"): hold, see
        if event is TurnEvent.END_OF_TURN:
            return self._turn_over()
        if self._stt_endpoint and detector.speaking and self._endpoint_agrees():
            detector.end_turn()
            return self._turn_over()
        if self.deferred_turn and not emma_talking():  # words said over a disclosure: a turn now
            self.deferred_turn = False
            return Action.END_OF_TURN
        return Action.NONE

    def _hold(self) -> Action:
        self._absorb_until = -1  # a new sound: words from now on are its words
        self.holding = True
        self.holds += 1
        self.detector.eot_frames = 10**6  # the hold decides; the turn cannot end under it
        return Action.HOLD

    def _resolve_hold(self) -> Action:
        detector = self.detector
        if not detector.speaking:  # held on a sound Silero has not (yet) called speech
            if detector.candidate_frames == 0 and detector.silent_gap >= _UNCONFIRMED_RESUME_FRAMES:
                return self._resume()
            return Action.NONE
        if not is_backchannel(self.text) or detector.voiced_frames >= self._commit_frames:
            return self._commit()
        if detector.silent_run >= self._resume_frames:
            if self.emma_remaining() <= _ANSWER_FRAMES:
                return self._commit()  # "yes" as her question ends is the answer, not a backchannel
            return self._resume()
        return Action.NONE

    def _resume(self) -> Action:
        self.holding = False
        self.resumes += 1
        self._forget_segment()
        self._absorb_until = self.detector.frames + _ABSORB_FRAMES
        return Action.RESUME

    def _commit(self) -> Action:
        self.holding = False
        self._retime()
        return Action.BARGE_IN

    def _turn_over(self) -> Action:
        if self._absorbing and self._emma():  # spoke over a disclosure and stopped
            self._forget_segment()
            self.deferred_turn = True  # the words are kept: they are a turn once Emma is done
            return Action.NONE
        self._final = self._interim = ""
        self._stt_endpoint = False
        return Action.END_OF_TURN

    def _forget_segment(self) -> None:
        self.detector.reset()
        self._final = self._interim = ""
        self._absorbing = False
        self._stt_endpoint = False
        self.detector.eot_frames = self.detector.config.eot_frames

    # --- words ----------------------------------------------------------------------------------

    def absorbs(self, final_text: str, emma_talking: bool) -> bool:
        """Drop a final that is only a backchannel Emma talked through (it is not the caller's turn)."""
        if not is_backchannel(final_text):
            return False
        return self.holding or self._absorbing or self.detector.frames <= self._absorb_until

    def on_transcript(self, transcript: Transcript, emma_talking: bool) -> tuple[bool, list[Action]]:
        """One STT event: whether its final text is the caller's (kept), and what it decides."""
        text = transcript.text.strip()
        keep = transcript.is_final and bool(text) and not self.absorbs(text, emma_talking)
        actions = []
        if text and (keep or not transcript.is_final):
            actions.append(self.on_words(text, final=transcript.is_final))
        if transcript.endpoint:
            actions.append(self.on_stt_endpoint())
        return keep, [a for a in actions if a is not Action.NONE]

    def on_words(self, text: str, final: bool) -> Action:
        """Interim (the latest hypothesis of the words in progress) or final words."""
        if not (self.detector.speaking or self.holding):
            if self.detector.frames <= self._absorb_until and not is_backchannel(text):
                self._absorb_until = -1  # late words of the "backchannel": it was an interruption
                return Action.BARGE_IN
            return Action.NONE  # words of a turn already over (the flush) or not yet started
        before = self.text
        if final:
            self._final = " ".join(t for t in (self._final, text) if t)
            self._interim = ""
        else:
            self._interim = text
        if self.text.split() != before.split():
            self._words_at = self.detector.frames
        if self.holding:
            return self._resolve_hold() if not is_backchannel(self.text) else Action.NONE
        self._retime()
        return Action.NONE

    def on_stt_endpoint(self) -> Action:
        """The STT's own endpointing (Deepgram speech_final / UtteranceEnd): trusted only when the
        words are complete, which is what keeps it from cutting a caller off mid-number."""
        self._stt_endpoint = True
        if self.detector.speaking and not self.holding and self._endpoint_agrees():
            self.detector.end_turn()
            return self._turn_over()
        return Action.NONE

    def _endpoint_agrees(self) -> bool:
        """The STT says the speaker stopped; the words are complete and none came for as long as
        the endpointer would wait. Only 200 ms of VAD silence is needed then: noise (a TV) that
        keeps the VAD voiced has gaps that long, a caller still saying a long word does not."""
        state = self.state
        if state not in (Completeness.COMPLETE, Completeness.YES_NO) or self.detector.silent_run < 10:
            return False
        wait = self.config.endpoint.wait_ms(state, self.stage)
        return (self.detector.frames - self._words_at) * FRAME_MS >= wait

    def _retime(self) -> None:
        if self.holding:
            return
        wait = self.config.endpoint.wait_ms(self.state, self.stage)
        self.detector.eot_frames = max(1, -(-wait // FRAME_MS))


def turn_settings(settings: Any) -> dict[str, Any]:
    """SessionConfig's `vad` and `turn` from Settings (the GYDE_MEDIA_* turn-taking fields)."""
    engine = settings.media_vad_engine
    if engine == "auto":  # the simulator's codec line carries tones, not speech
        engine = "energy" if settings.stt.strip().lower() == "local" else "speech"
    if engine == "speech":
        warm_up()  # the Silero model loads at start-up, not in a call
    vad = VadConfig(
        threshold_dbfs=settings.media_vad_threshold_dbfs,
        start_ms=settings.media_vad_start_ms,
        eot_silence_ms=settings.media_eot_silence_ms,
        engine=engine,
        webrtc_mode=settings.media_vad_webrtc_mode,
        snr_db=settings.media_vad_snr_db,
        silero_threshold=settings.media_vad_silero_threshold,
    )
    endpoint = EndpointConfig(
        no_text_ms=settings.media_eot_silence_ms,
        complete_ms=settings.media_eot_complete_ms,
        yes_no_ms=settings.media_eot_yes_no_ms,
        incomplete_ms=settings.media_eot_incomplete_ms,
        filler_ms=settings.media_eot_filler_ms,
        max_ms=settings.media_eot_max_ms,
        stage_patience=parse_patience(settings.media_eot_stage_patience),
    )
    turn = TurnConfig(
        endpoint=endpoint,
        barge_in_commit_ms=settings.media_barge_in_commit_ms,
        backchannel_resume_ms=settings.media_backchannel_resume_ms,
        resume_rewind_ms=settings.media_resume_rewind_ms,
    )
    return {"vad": vad, "turn": turn}
