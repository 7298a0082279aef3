"""Outbound audio: 20 ms frames paced in real time, marks after each sentence, `clear` on barge-in.

Why timer callbacks instead of a sender task per call: a `loop.call_at` callback that writes one
pre-built message costs a few microseconds, a task wake-up several times that, and hundreds of calls
each send 50 frames a second. Frames are JSON-encoded when queued, never on the timer.

What the caller heard: every sentence is followed by a `mark`; Twilio echoes a mark once the audio
before it has played. On `clear`, sentences whose mark came back were heard in full, and the
sentence in progress is cut to the share of its frames already sent (we pace in real time, so sent
is within a frame or two of played).

Hold and resume (media_server/turn_taking.py): speech over Emma stops her at once (`clear`, the
queue kept); if it was only a backchannel she goes on, repeating the last few hundred ms of the
sentence the hold cut, as a person does after an overlap.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from media_server import protocol

FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law
FRAME_SECONDS = 0.02
_SILENCE = b"\xff"
_WORDS = re.compile(r"\S+")
_MARK_GRACE_S = 0.5  # after the last frame, wait this long for outstanding marks before "done"


class FrameSink(Protocol):
    def send_text(self, text: str) -> bool:
        """Write one message now without awaiting; False when the connection is gone."""
        ...


@dataclass
class Utterance:
    uid: int
    text: str
    frames_total: int = 0
    frames_sent: int = 0
    queued_all: bool = False
    heard_all: bool = False
    mark_sent: bool = False
    interruptible: bool = True  # False: a disclosure, played through whatever the caller says

    @property
    def mark_name(self) -> str:
        return f"u{self.uid}"

    def heard_text(self) -> str:
        if self.heard_all:
            return self.text
        if self.frames_sent <= 0 or self.frames_total <= 0:
            return ""
        words = _WORDS.findall(self.text)
        share = min(1.0, self.frames_sent / self.frames_total)
        return " ".join(words[: int(len(words) * share)])


class Player:
    """Paces one call's outbound audio and knows what of the current reply has been heard."""

    def __init__(
        self,
        sink: FrameSink,
        stream_sid: str,
        on_first_frame: Callable[[], None] | None = None,
        frame_seconds: float = FRAME_SECONDS,
    ) -> None:
        self._sink = sink
        self._sid = stream_sid
        self._loop = asyncio.get_running_loop()
        self._frame_s = frame_seconds
        self._queue: deque[tuple[Utterance, str] | str] = deque()
        self._partial: dict[int, bytearray] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._next_at = 0.0
        self._next_uid = 0
        self._reply: list[Utterance] = []
        self._by_mark: dict[str, Utterance] = {}
        self._last_frame_at = -1e9
        self._on_first_frame = on_first_frame
        self._awaiting_first = False
        self.frames_sent = 0
        self.underruns = 0
        self.closed = False
        self.held = False
        # The last second sent (frames, and marks as (utterance, name)): what a hold may repeat.
        self._recent: deque[tuple[Utterance, str] | tuple[Utterance, None, str]] = deque(maxlen=50)

    # --- queueing -------------------------------------------------------------------------------

    def begin_reply(self) -> None:
        """A new reply starts: heard-tracking restarts, the next frame sent is its first."""
        self._reply = []
        self._awaiting_first = True

    def new_utterance(self, text: str, interruptible: bool = True) -> Utterance:
        self._next_uid += 1
        utt = Utterance(uid=self._next_uid, text=text, interruptible=interruptible)
        self._reply.append(utt)
        return utt

    def enqueue_audio(self, utt: Utterance, audio: bytes) -> None:
        buf = self._partial.setdefault(utt.uid, bytearray())
        buf.extend(audio)
        whole = len(buf) - len(buf) % FRAME_BYTES
        for start in range(0, whole, FRAME_BYTES):
            self._push_frame(utt, bytes(buf[start : start + FRAME_BYTES]))
        del buf[:whole]
        self._kick()

    def finish_utterance(self, utt: Utterance) -> None:
        """All audio of `utt` is queued: pad the last frame and follow it with a mark."""
        rest = self._partial.pop(utt.uid, bytearray())
        if rest:
            self._push_frame(utt, bytes(rest) + _SILENCE * (FRAME_BYTES - len(rest)))
        utt.queued_all = True
        self._by_mark[utt.mark_name] = utt
        self._queue.append(utt.mark_name)
        self._kick()

    def drop_unsent(self, utt: Utterance) -> None:
        """Forget `utt`'s frames not yet sent (its provider failed; the sentence is re-synthesised)."""
        self._partial.pop(utt.uid, None)
        self._queue = deque(item for item in self._queue if isinstance(item, str) or item[0] is not utt)
        utt.frames_total = utt.frames_sent

    def _push_frame(self, utt: Utterance, frame: bytes) -> None:
        utt.frames_total += 1
        self._queue.append((utt, protocol.media_message(self._sid, protocol.b64(frame))))

    # --- pacing ---------------------------------------------------------------------------------

    def _kick(self) -> None:
        """Start sending now if idle: the first frame of a reply leaves as soon as it exists."""
        if self._handle is None and self._queue and not self.closed and not self.held:
            self._next_at = self._loop.time()
            self._tick()

    def _tick(self) -> None:
        self._handle = None
        if self.closed:
            return
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, str):
                self._send_mark(item)
                continue
            utt, message = item
            if not self._send(message):
                return
            self._recent.append(item)
            utt.frames_sent += 1
            self.frames_sent += 1
            self._last_frame_at = self._loop.time()
            if self._awaiting_first:
                self._awaiting_first = False
                if self._on_first_frame is not None:
                    self._on_first_frame()
            while self._queue and isinstance(self._queue[0], str):  # a mark right after its sentence
                self._send_mark(str(self._queue.popleft()))
            break
        if not self._queue:
            return
        self._next_at += self._frame_s
        now = self._loop.time()
        if self._next_at < now - self._frame_s:  # the loop stalled: resume cadence from now
            self.underruns += 1
            self._next_at = now
        self._handle = self._loop.call_at(self._next_at, self._tick)

    def _send_mark(self, name: str) -> None:
        utt = self._by_mark.get(name)
        if utt is not None:
            utt.mark_sent = True
            self._recent.append((utt, None, name))
        self._send(protocol.mark_message(self._sid, name))

    def _send(self, text: str) -> bool:
        if self._sink.send_text(text):
            return True
        self.stop()
        return False

    # --- feedback -------------------------------------------------------------------------------

    def on_mark(self, name: str) -> None:
        utt = self._by_mark.pop(name, None)
        if utt is not None:
            utt.heard_all = True
            utt.frames_sent = utt.frames_total

    @property
    def speaking(self) -> bool:
        """Audio queued, or sent and (probably) still playing on the phone."""
        if self._queue or self._partial:
            return True
        return bool(self._by_mark) and self._loop.time() - self._last_frame_at < _MARK_GRACE_S

    @property
    def idle(self) -> bool:
        return not self.speaking

    @property
    def queued_frames(self) -> int:
        """Frames of Emma's audio not sent yet (held or waiting their turn)."""
        return sum(1 for item in self._queue if not isinstance(item, str))

    @property
    def interruptible(self) -> bool:
        """False while a disclosure is playing (its frames are next or still on the line)."""
        for item in (self._recent[-1] if self._recent else None, self._queue[0] if self._queue else None):
            if isinstance(item, tuple) and not item[0].interruptible and not item[0].mark_sent:
                return False
        return True

    def hold(self) -> None:
        """Stop Emma now (the caller may be interrupting): Twilio drops what it buffered, our queue
        stays, nothing more is sent until resume() or clear()."""
        self.held = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self.closed:
            self._send(protocol.clear_message(self._sid))

    def resume(self, rewind_frames: int = 0) -> None:
        """Go on after a hold, first repeating the last `rewind_frames` frames sent. Twilio dropped
        them on `clear` (and echoed the marks among them), so marks are repeated with their audio."""
        if not self.held:
            return
        self.held = False
        again: list[tuple[Utterance, str] | str] = []
        frames = 0
        while self._recent and frames < rewind_frames:
            entry = self._recent.pop()
            utt = entry[0]
            if len(entry) == 3:  # a mark: its sentence is not over on the line after all
                name = entry[2]
                utt.mark_sent = utt.heard_all = False
                self._by_mark[name] = utt
                again.append(name)
            else:
                utt.frames_sent -= 1
                frames += 1
                again.append((utt, entry[1]))
        self._queue.extendleft(again)  # extendleft reverses: `again` is newest first
        self._recent.clear()
        self._kick()

    def heard_text(self) -> str:
        return " ".join(t for t in (u.heard_text() for u in self._reply) if t)

    def clear(self) -> str:
        """Barge-in: drop queued audio, tell Twilio to drop its buffer, return what was heard.
        After a hold Twilio's buffer is already gone: no second `clear`."""
        heard = self.heard_text()
        was_held, self.held = self.held, False
        self._recent.clear()
        self._queue.clear()
        self._partial.clear()
        self._by_mark.clear()
        self._reply = []
        self._awaiting_first = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self.closed and not was_held:
            self._send(protocol.clear_message(self._sid))
        return heard

    def stop(self) -> None:
        self.closed = True
        self._queue.clear()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
